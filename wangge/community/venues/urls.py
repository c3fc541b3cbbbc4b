from django.urls import path

from . import views

urlpatterns = [
    path("venues/", views.venue_list, name="venues"),
    path("venues/new/", views.venue_new, name="venue-new"),
    path("venues/<int:venue_id>/edit/", views.venue_edit, name="venue-edit"),
    path("venues/<int:venue_id>/book/", views.book, name="venue-book"),
    path("bookings/", views.booking_list, name="bookings"),
    path("bookings/<int:booking_id>/decide/", views.decide, name="booking-decide"),
    path("bookings/<int:booking_id>/cancel/", views.cancel, name="booking-cancel"),
]
