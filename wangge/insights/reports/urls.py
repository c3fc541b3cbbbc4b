from django.urls import path

from . import views

urlpatterns = [
    path("insights/reports/", views.reports, name="reports"),
    path("insights/reports/list/", views.report_list_partial, name="reports-list"),
    path("insights/reports/subscription/", views.subscription, name="reports-subscription"),
    path("insights/reports/<int:report_id>/retry/", views.report_retry, name="report-retry"),
    path("insights/reports/<int:report_id>/<str:kind>/", views.report_download, name="report-download"),
]
