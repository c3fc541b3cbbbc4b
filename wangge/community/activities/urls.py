from django.urls import path

from . import views

urlpatterns = [
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_create, name="activity-create"),
    path("activities/stats/", views.stats, name="activity-stats"),
    path("activities/<int:activity_id>/", views.activity_detail, name="activity-detail"),
    path("activities/<int:activity_id>/edit/", views.activity_edit, name="activity-edit"),
    path("activities/<int:activity_id>/cancel-activity/", views.activity_call_off, name="activity-call-off"),
    path("activities/<int:activity_id>/signup/", views.signup, name="activity-signup"),
    path("activities/<int:activity_id>/cancel/", views.cancel, name="activity-cancel"),
    path("activities/<int:activity_id>/checkin/", views.staff_checkin, name="activity-staff-checkin"),
    path("activities/<int:activity_id>/qr.png", views.qr_image, {"fmt": "png"}, name="activity-qr-png"),
    path("activities/<int:activity_id>/qr.svg", views.qr_image, {"fmt": "svg"}, name="activity-qr-svg"),
    path("a/checkin/<str:token>/", views.checkin, name="activity-checkin"),
]
