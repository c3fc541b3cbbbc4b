"""Admin: posts and their templates are edited here; shifts, swaps and gap alerts are looked at (their
changes go through the services, which check overlaps and coverage)."""

from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin

from .models import GapAlert, Post, Shift, ShiftTemplate, SwapRequest


class TemplateInline(admin.TabularInline):
    model = ShiftTemplate
    extra = 0


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["name", "estate", "leader", "lon", "lat", "checkin_radius_m", "active"]
    list_filter = ["active"]
    search_fields = ["name", "estate__name"]
    raw_id_fields = ["estate", "leader", "subdistrict"]
    inlines = [TemplateInline]


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(admin.ModelAdmin):
    list_display = ["post", "name", "start", "end", "order"]
    search_fields = ["post__name", "name"]


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["post", "person", "starts_at", "ends_at", "status", "checked_in_at", "checkin_distance_m",
                    "checked_out_at"]
    list_filter = ["status", "post"]
    search_fields = ["person__name", "post__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["post", "person"]


@admin.register(SwapRequest)
class SwapRequestAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["shift", "requested_by", "to_person", "status", "decided_by", "created_at"]
    list_filter = ["status"]


@admin.register(GapAlert)
class GapAlertAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["post", "starts_at", "ends_at", "created_at"]
