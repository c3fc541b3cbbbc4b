from django.urls import path

from . import views

urlpatterns = [
    path("hall/sessions/<int:session_id>/meeting/", views.meeting, name="meeting"),
    path("hall/sessions/<int:session_id>/meeting/motions/", views.meeting_motions, name="meeting-motions"),
    path("hall/sessions/<int:session_id>/meeting/invite-usual/", views.invite_usual, name="meeting-invite-usual"),
    path("hall/sessions/<int:session_id>/meeting/invite/", views.invite, name="meeting-invite"),
    path("hall/sessions/<int:session_id>/meeting/invite/picks/", views.invite_picks, name="meeting-invite-picks"),
    path("hall/sessions/<int:session_id>/meeting/attendance/", views.attendance_add, name="meeting-attendance-add"),
    path("hall/sessions/<int:session_id>/meeting/items/<int:item_id>/minutes/", views.minutes_save,
         name="meeting-minutes-save"),
    path("hall/sessions/<int:session_id>/meeting/motions/new/", views.motion_create, name="meeting-motion-create"),
    path("hall/sessions/<int:session_id>/meeting/motions/<int:motion_id>/open/", views.motion_open,
         name="meeting-motion-open"),
    path("hall/sessions/<int:session_id>/meeting/motions/<int:motion_id>/close/", views.motion_close,
         name="meeting-motion-close"),
    path("hall/sessions/<int:session_id>/meeting/motions/<int:motion_id>/hands/", views.hands_record,
         name="meeting-hands-record"),
    path("hall/sessions/<int:session_id>/meeting/resolutions/", views.resolution_create,
         name="meeting-resolution-create"),
    path("hall/sessions/<int:session_id>/meeting/held/", views.mark_held, name="meeting-mark-held"),
    path("hall/sessions/<int:session_id>/meeting/publish/", views.publish, name="meeting-publish"),
    path("hall/sessions/<int:session_id>/checkin-qr/", views.checkin_poster, name="meeting-checkin-poster"),
    path("hall/sessions/<int:session_id>/checkin-qr.<str:fmt>", views.checkin_qr, name="meeting-checkin-qr"),
    path("hall/sessions/<int:session_id>/vote/", views.vote, name="meeting-vote"),
    path("hall/sessions/<int:session_id>/minutes.pdf", views.minutes_pdf, name="meeting-minutes-pdf"),
    path("hall/resolutions/", views.resolutions, name="resolutions"),
    path("m/rsvp/<str:token>/", views.rsvp, name="meeting-rsvp"),
    path("m/rsvp/<str:token>/session.ics", views.rsvp_ics, name="meeting-rsvp-ics"),
    path("m/checkin/<str:token>/", views.checkin, name="meeting-checkin"),
]
