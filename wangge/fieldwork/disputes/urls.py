from django.urls import path

from . import views

urlpatterns = [
    path("disputes/", views.dispute_list, name="disputes"),
    path("disputes/new/", views.dispute_new, name="dispute-new"),
    path("disputes/<int:dispute_id>/", views.dispute_detail, name="dispute"),
    path("disputes/<int:dispute_id>/parties/", views.dispute_party_add, name="dispute-party-add"),
    path("disputes/<int:dispute_id>/parties/<int:party_id>/unmask/", views.dispute_party_unmask,
         name="dispute-party-unmask"),
    path("disputes/<int:dispute_id>/mediators/", views.dispute_mediators, name="dispute-mediators"),
    path("disputes/<int:dispute_id>/sessions/", views.dispute_session_add, name="dispute-session-add"),
    path("disputes/<int:dispute_id>/conclusion/", views.dispute_conclude, name="dispute-conclude"),
    path("disputes/<int:dispute_id>/follow-up/", views.dispute_follow_up, name="dispute-follow-up"),
    path("disputes/<int:dispute_id>/signed-copy/", views.dispute_signed_copy, name="dispute-signed-copy"),
    path("disputes/<int:dispute_id>/agreement.pdf", views.dispute_agreement_pdf, name="dispute-agreement"),
]
