from django.urls import path

from . import views

urlpatterns = [
    path("insights/evaluation/", views.evaluation, name="evaluation"),
    path("insights/evaluation/matters/", views.matters, name="evaluation-matters"),
]
