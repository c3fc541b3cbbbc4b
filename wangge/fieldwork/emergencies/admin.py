from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin

from .models import Emergency, HouseholdStatus, StatusChange


class HouseholdStatusInline(admin.TabularInline):
    model = HouseholdStatus
    extra = 0
    can_delete = False
    fields = ["household", "status", "note", "confirmed_by", "confirmed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Emergency)
class EmergencyAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: emergencies are declared, confirmed and cleared on their pages (the services notify
    everyone and keep the history)."""

    list_display = ["declared_at", "title", "kind", "drill", "status", "grid", "cleared_at"]
    list_filter = ["status", "kind", "drill"]
    list_select_related = ["grid"]
    search_fields = ["search_text"]
    date_hierarchy = "declared_at"
    inlines = [HouseholdStatusInline]


@admin.register(HouseholdStatus)
class HouseholdStatusAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["emergency", "household", "status", "confirmed_by", "confirmed_at"]
    list_filter = ["status"]
    list_select_related = ["emergency", "household__unit__building", "confirmed_by"]
    raw_id_fields = ["emergency", "household", "confirmed_by"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["at", "entry", "status", "by_label", "note"]
    list_filter = ["status"]
    list_select_related = ["entry__household__unit__building", "entry__emergency"]
    raw_id_fields = ["entry", "by"]
