from django.urls import path

from . import views

urlpatterns = [
    path("insights/", views.dashboard, name="dashboard"),
    path("insights/wall/", views.wall, name="dashboard-wall"),
]
