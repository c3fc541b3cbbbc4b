from django.urls import path

from . import views

urlpatterns = [
    path("transparency/", views.community_index, name="transparency-list"),
    path("transparency/<int:community_id>/", views.community_page, name="transparency"),
    path("transparency/<int:community_id>/live/", views.community_live, name="transparency-live"),
]
