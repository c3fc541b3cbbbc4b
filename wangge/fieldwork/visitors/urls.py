from django.urls import path

from . import views

urlpatterns = [
    path("v/<str:token>/", views.register, name="visitor-register"),
    path("visitors/", views.desk, name="visitors-desk"),
    path("visitors/mine/", views.mine, name="visitors-mine"),
    path("visitors/rules/", views.rules, name="visitor-rules"),
    path("visitors/<int:visitor_id>/", views.detail, name="visitor-detail"),
    path("visitors/<int:visitor_id>/check/", views.check, name="visitor-check"),
    path("visitors/<int:visitor_id>/confirm/", views.confirm, name="visitor-confirm"),
    path("visitors/<int:visitor_id>/unmask/", views.unmask, name="visitor-unmask"),
    path("visitors/posts/<int:post_id>/qr/", views.gate_qr, name="visitor-gate-qr"),
    path("visitors/posts/<int:post_id>/qr.png", views.gate_qr_image, {"fmt": "png"}, name="visitor-gate-qr-png"),
    path("visitors/posts/<int:post_id>/qr.svg", views.gate_qr_image, {"fmt": "svg"}, name="visitor-gate-qr-svg"),
]
