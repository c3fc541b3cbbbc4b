from django.urls import path

from . import views

urlpatterns = [
    path("grids/", views.grid_browser, name="grid-browser"),
    path("grids/<int:grid_id>/", views.grid_browser, name="grid-node"),
    path("grids/<int:grid_id>/panel/", views.grid_panel, name="grid-panel"),
    path("grids/<int:grid_id>/tree/", views.grid_tree_children, name="grid-tree-children"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("households/", views.household_page, name="households"),
    path("my-household/", views.my_household, name="my-household"),
]
