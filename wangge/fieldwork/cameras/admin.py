"""Admin: the camera registry (changes of substance go through the pages and the API, which check scope
and links; the admin is for the operator)."""

from django.contrib import admin

from .models import Camera


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "grid", "building", "gate", "kind", "owner_kind", "status", "installed_on",
                    "removed_on", "radius_m"]
    list_filter = ["status", "kind", "owner_kind"]
    search_fields = ["code", "name", "note"]
    raw_id_fields = ["grid", "building", "gate", "owner", "subdistrict"]
    date_hierarchy = "installed_on"
