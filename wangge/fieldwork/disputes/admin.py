from django.contrib import admin

from .models import Dispute, Party, Session


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    fields = ("side", "name", "resident", "added_at")
    readonly_fields = ("resident", "added_at")


class SessionInline(admin.StackedInline):
    model = Session
    extra = 0
    fields = ("held_at", "place", "notes", "recorded_by_label")
    readonly_fields = ("recorded_by_label",)


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "kind", "status", "grid", "opened_at", "concluded_at", "follow_up_on")
    list_filter = ("status", "kind")
    search_fields = ("title", "summary")
    date_hierarchy = "opened_at"
    raw_id_fields = ("grid", "household", "matter", "opened_by", "subdistrict")
    filter_horizontal = ("mediators",)
    readonly_fields = ("opened_at", "updated_at", "concluded_at", "signed_copy_type", "signed_copy_at")
    inlines = [PartyInline, SessionInline]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    """Phones and ID numbers of outsiders are not listed: open a row to see them (admins only)."""

    list_display = ("id", "name", "side", "dispute", "resident")
    list_filter = ("side",)
    search_fields = ("name",)
    raw_id_fields = ("dispute", "resident")


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("id", "dispute", "held_at", "place", "recorded_by_label")
    raw_id_fields = ("dispute", "recorded_by")
    filter_horizontal = ("mediators_present",)
    date_hierarchy = "held_at"
