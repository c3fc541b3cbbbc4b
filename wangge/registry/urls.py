from django.urls import path

from . import import_views, views

urlpatterns = [
    path("grids/", views.grid_browser, name="grid-browser"),
    path("grids/<int:grid_id>/", views.grid_browser, name="grid-node"),
    path("grids/<int:grid_id>/panel/", views.grid_panel, name="grid-panel"),
    path("grids/<int:grid_id>/tree/", views.grid_tree_children, name="grid-tree-children"),
    path("grids/<int:grid_id>/duties/", views.grid_duty_assign, name="grid-duty-assign"),
    path("grids/<int:grid_id>/duties/<int:duty_id>/end/", views.grid_duty_end, name="grid-duty-end"),
    path("grids/<int:grid_id>/persons/", views.grid_person_picker, name="grid-person-picker"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("households/", views.household_page, name="households"),
    path("my-household/", views.my_household, name="my-household"),
    path("residents/<int:resident_id>/unmask/", views.resident_unmask, name="resident-unmask"),
    path("households/export/", import_views.household_export, name="household-export"),
    path("imports/", import_views.import_page, name="import-households"),
    path("imports/<int:job_id>/", import_views.import_job_page, name="import-job"),
    path("imports/<int:job_id>/progress/", import_views.import_job_progress, name="import-job-progress"),
]
