"""Pages for residents (report a matter, follow mine) and for the public (open matters, no personal data)."""

from django.urls import path

from . import views_resident as views

urlpatterns = [
    path("report/", views.report, name="matter-report"),
    path("report/attributes/", views.report_attributes, name="matter-report-attributes"),
    path("report/nearby/", views.report_nearby, name="matter-report-nearby"),
    path("my/matters/", views.my_matters, name="my-matters"),
    path("public/matters/", views.public_matters, name="public-matters"),
    path("public/matters.geojson", views.public_matters_geojson, name="public-matters-geojson"),
    path("public/matters/<int:matter_id>/", views.public_matter, name="public-matter"),
]
