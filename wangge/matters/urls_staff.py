"""Pages for the people who handle matters, and the matter page for everyone who may see one."""

from django.urls import path

from . import views_staff as views

urlpatterns = [
    path("matters/<int:matter_id>/", views.matter_page, name="matter"),
    path("matters/<int:matter_id>/act/", views.matter_act, name="matter-act"),
    path("matters/<int:matter_id>/assign/", views.matter_assign, name="matter-assign"),
    path("matters/<int:matter_id>/supervise/", views.matter_supervise, name="matter-supervise"),
    path("matters/<int:matter_id>/merge/", views.matter_merge, name="matter-merge"),
    path("matters/<int:matter_id>/reporter/unmask/", views.matter_reporter_unmask, name="matter-reporter-unmask"),
    path("matters/<int:matter_id>/rate/", views.matter_rate, name="matter-rate"),
    path("matters/<int:matter_id>/comments/", views.matter_comment, name="matter-comment"),
    path("matters/people/", views.matter_people, name="matter-people"),
    path("workbench/", views.workbench, name="workbench"),
    path("dispatch/", views.dispatch_console, name="dispatch"),
    path("dispatch/matters.geojson", views.dispatch_geojson, name="dispatch-geojson"),
    path("dispatch/bulk/", views.dispatch_bulk, name="dispatch-bulk"),
    path("dispatch/supervise/", views.dispatch_supervise, name="dispatch-supervise"),
]
