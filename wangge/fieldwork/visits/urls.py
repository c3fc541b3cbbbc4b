from django.urls import path

from . import views

urlpatterns = [
    path("visits/", views.today, name="visits-today"),
    path("visits/household/<int:household_id>/", views.log, name="visits-log"),
    path("visits/matter-row/", views.matter_row, name="visits-matter-row"),
    path("visits/coverage/", views.coverage, name="visits-coverage"),
    path("visits/coverage/export.xlsx", views.coverage_export, name="visits-coverage-export"),
    path("visits/plans/", views.plans, name="visits-plans"),
]
