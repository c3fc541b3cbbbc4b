from django.urls import path

from . import views

urlpatterns = [
    path("consultations/", views.consultations, name="consultations"),
    path("consultations/question-row/", views.question_row, name="consultation-question-row"),
    path("consultations/audience/", views.audience_options, name="consultation-audience"),
    path("consultations/<int:consultation_id>/", views.consultation, name="consultation"),
    path("consultations/<int:consultation_id>/edit/", views.consultation_edit, name="consultation-edit"),
    path("consultations/<int:consultation_id>/extend/", views.consultation_extend, name="consultation-extend"),
    path("consultations/<int:consultation_id>/open/", views.consultation_open, name="consultation-open"),
    path("consultations/<int:consultation_id>/close/", views.consultation_close, name="consultation-close"),
    path("consultations/<int:consultation_id>/publish/", views.consultation_publish, name="consultation-publish"),
    path("consultations/<int:consultation_id>/documents/", views.document_upload, name="consultation-document-add"),
    path("consultations/<int:consultation_id>/documents/<int:document_id>/", views.document,
         name="consultation-document"),
    path("consultations/<int:consultation_id>/documents/<int:document_id>/remove/", views.document_remove,
         name="consultation-document-remove"),
    path("consultations/<int:consultation_id>/answer/", views.answer, name="consultation-answer"),
    path("my/consultations/", views.my_consultations, name="my-consultations"),
]
