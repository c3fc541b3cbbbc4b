from django.urls import path

from . import views

urlpatterns = [
    path("cameras/", views.camera_list, name="cameras"),
    path("cameras/new/", views.camera_new, name="camera-new"),
    path("cameras/coverage/", views.coverage_page, name="cameras-coverage"),
    path("cameras/<int:camera_id>/", views.camera_page, name="camera"),
]
