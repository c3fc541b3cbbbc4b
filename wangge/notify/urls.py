from django.urls import path

from . import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox-read"),
    path("inbox/preferences/", views.inbox_preferences, name="inbox-preferences"),
    path("inbox/<int:notification_id>/", views.inbox_open, name="inbox-open"),
]
