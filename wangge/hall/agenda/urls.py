from django.urls import path

from . import views

urlpatterns = [
    path("hall/", views.hall_home, name="hall"),
    path("hall/<int:hall_id>.ics", views.hall_calendar, name="hall-ics"),
    path("hall/propose/", views.propose, name="hall-propose"),
    path("hall/sessions/<int:session_id>/", views.session_detail, name="hall-session"),
    path("hall/sessions/<int:session_id>/items/", views.session_item_add, name="hall-session-item-add"),
    path("hall/sessions/<int:session_id>/change/", views.session_change, name="hall-session-change"),
    path("hall/items/<int:item_id>/action/", views.item_action, name="hall-item-action"),
    path("hall/halls/<int:hall_id>/suggestions/", views.suggestions, name="hall-suggestions"),
    path("hall/halls/<int:hall_id>/suggestions/accept/", views.suggestion_accept, name="hall-suggestion-accept"),
    path("hall/halls/<int:hall_id>/settings/", views.hall_settings, name="hall-settings"),
]
