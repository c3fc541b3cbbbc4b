from django.urls import path

from . import views

urlpatterns = [
    path("elections/", views.election_index, name="elections"),
    path("elections/new/", views.election_new, name="election-new"),
    path("elections/<int:election_id>/", views.election_detail, name="election-detail"),
    path("elections/<int:election_id>/edit/", views.election_edit, name="election-edit"),
    path("elections/<int:election_id>/nominate/", views.election_nominate, name="election-nominate"),
    path("elections/<int:election_id>/nominations/<int:nomination_id>/decide/", views.election_decide,
         name="election-decide"),
    path("elections/<int:election_id>/vote/", views.election_vote, name="election-vote"),
    path("elections/<int:election_id>/publish/", views.election_publish, name="election-publish"),
    path("elections/<int:election_id>/audit/", views.election_audit, name="election-audit"),
]
