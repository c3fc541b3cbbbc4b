"""Admin of 社区活动: activities with their sign-ups inline."""

from django.contrib import admin

from .models import Activity, SignUp


class SignUpInline(admin.TabularInline):
    model = SignUp
    extra = 0
    raw_id_fields = ["person", "grid"]
    fields = ["person", "grid", "status", "position", "walk_in", "attended_at", "checked_in_by"]
    readonly_fields = ["attended_at", "checked_in_by"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "grid", "starts_at", "capacity", "party_only", "status"]
    list_filter = ["kind", "status", "party_only"]
    search_fields = ["title", "place", "grid__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["grid"]
    raw_id_fields = ["grid", "venue", "organiser", "organiser_person", "created_by"]
    exclude = ["subdistrict"]
    inlines = [SignUpInline]


@admin.register(SignUp)
class SignUpAdmin(admin.ModelAdmin):
    list_display = ["person", "activity", "grid", "status", "position", "walk_in", "created_at", "attended_at"]
    list_filter = ["status", "walk_in", "activity__kind"]
    search_fields = ["person__name", "activity__title"]
    list_select_related = ["person", "activity", "grid"]
    raw_id_fields = ["activity", "person", "grid"]
    exclude = ["subdistrict"]
