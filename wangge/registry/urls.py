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
    path("grids/<int:grid_id>/persons/new/", views.grid_person_create, name="grid-person-create"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("households/", views.household_page, name="households"),
    path("my-household/", views.my_household, name="my-household"),
    path("residents/<int:resident_id>/unmask/", views.resident_unmask, name="resident-unmask"),
    path("households/export/", import_views.household_export, name="household-export"),
    path("imports/", import_views.import_page, name="import-households"),
    path("imports/<int:job_id>/", import_views.import_job_page, name="import-job"),
    path("imports/<int:job_id>/progress/", import_views.import_job_progress, name="import-job-progress"),
    # Keeping the household registry current (registry.views, "the household page and its forms").
    path("households/new/", views.household_new, name="household-new"),
    path("households/<int:household_id>/", views.household_detail, name="household"),
    path("households/<int:household_id>/edit/", views.household_edit, name="household-edit"),
    path("households/<int:household_id>/residents/", views.resident_add, name="resident-new"),
    path("residents/<int:resident_id>/edit/", views.resident_edit, name="resident-edit"),
    path("residents/<int:resident_id>/edit/unmask/", views.resident_edit_unmask, name="resident-edit-unmask"),
    path("residents/<int:resident_id>/move/", views.resident_move, name="resident-move"),
    path("residents/<int:resident_id>/leave/", views.resident_leave, name="resident-leave"),
]
