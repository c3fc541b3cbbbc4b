from django.urls import path

from . import views

urlpatterns = [
    path("fieldwork/", views.hub, name="fieldwork"),
]
