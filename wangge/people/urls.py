from django.urls import path

from . import views

urlpatterns: list = []

urlpatterns += [
    path("organisations/", views.organisation_list_page, name="organisations"),
    path("organisations/<int:organisation_id>/", views.organisation_detail_page, name="organisation"),
]
