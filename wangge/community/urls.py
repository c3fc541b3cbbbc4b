from django.urls import path

from . import views

urlpatterns = [
    path("community/", views.hub, name="community"),
]
