from django.urls import path

from . import views

urlpatterns = [
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/new/", views.incident_new, name="incident-new"),
    path("incidents/<int:incident_id>/", views.incident_page, name="incident"),
    path("incidents/<int:incident_id>/act/", views.incident_act, name="incident-act"),
    path("my/incidents/", views.my_incidents, name="my-incidents"),
]
