from django.urls import path

from . import views

urlpatterns = [
    path("notices/", views.notice_index, name="notices"),
    path("notices/new/", views.notice_new, name="notice-new"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice-detail"),
    path("notices/<int:notice_id>/edit/", views.notice_edit, name="notice-edit"),
    path("notices/<int:notice_id>/publish/", views.notice_publish, name="notice-publish"),
    path("notices/<int:notice_id>/withdraw/", views.notice_withdraw, name="notice-withdraw"),
    path("notices/<int:notice_id>/receipts/", views.notice_receipts, name="notice-receipts"),
]
