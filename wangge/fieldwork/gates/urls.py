from django.urls import path

from . import views

urlpatterns = [
    path("duty/", views.posts, name="duty-posts"),
    path("duty/posts/<int:post_id>/", views.post_page, name="duty-post"),
    path("duty/posts/<int:post_id>/templates/", views.post_templates, name="duty-post-templates"),
    path("duty/posts/<int:post_id>/roster/", views.roster_build, name="duty-roster-build"),
    path("duty/my/", views.my_shifts, name="duty-my"),
    path("duty/shifts/<int:shift_id>/checkin/", views.shift_checkin, name="duty-checkin"),
    path("duty/shifts/<int:shift_id>/checkout/", views.shift_checkout, name="duty-checkout"),
    path("duty/shifts/<int:shift_id>/swap/", views.swap_new, name="duty-swap-new"),
    path("duty/swaps/", views.swaps, name="duty-swaps"),
    path("duty/swaps/<int:swap_id>/decide/", views.swap_decide, name="duty-swap-decide"),
]
