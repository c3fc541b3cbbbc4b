"""Admin: incidents, their footage reviews and their history are looked at here; every step goes through
the pages and the API so that it is an event."""

from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin

from .models import Event, FootageReview, Incident


class ReviewInline(admin.TabularInline):
    model = FootageReview
    extra = 0
    can_delete = False
    fields = ["window_from", "window_to", "requested_label", "reviewer_label", "reviewed_at", "found", "finding"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields = ["seq", "at", "action", "from_status", "to_status", "actor_label", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "title", "kind", "status", "grid", "reporter_label", "occurred_from", "police_name",
                    "created_at"]
    list_filter = ["status", "kind", "by_resident"]
    search_fields = ["title", "description", "place", "police_ref"]
    date_hierarchy = "created_at"
    inlines = [ReviewInline, EventInline]


@admin.register(FootageReview)
class FootageReviewAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "incident", "window_from", "window_to", "requested_label", "reviewer_label", "found"]
    list_filter = ["found"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["incident", "seq", "at", "action", "to_status", "actor_label"]
    list_filter = ["action"]
