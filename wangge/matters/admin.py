"""Admin: categories, their questions and the working calendar are edited here; matters are looked at
(their changes go through the pages and the API, so that every step is an event)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wangge.core.admin import ReadOnlyAdmin
from wangge.core.pii import mask_phone

from .models import Category, CategoryAttribute, Comment, Escalation, Event, Holiday, Matter, Photo
from .open311 import admin as _open311_admin  # noqa: F401  (registers Open311Client)


class AttributeInline(admin.TabularInline):
    model = CategoryAttribute
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "handler_role", "handler_org_kind", "handler_level", "is_public",
                    "resolve_sla", "resolve_unit", "active"]
    list_filter = ["parent", "is_public", "active", "handler_role"]
    list_editable = ["active"]
    search_fields = ["code", "name", "keywords"]
    inlines = [AttributeInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "parent", "description", "keywords", "order", "active"]}),
        (_("处置"), {"fields": ["handler_role", "handler_org_kind", "handler_level"]}),
        (_("上报"), {"fields": ["is_public", "photos_required", "duplicate_radius_m", "duplicate_window_hours"]}),
        (_("时限"), {"fields": [("accept_sla", "accept_unit"), ("dispatch_sla", "dispatch_unit"),
                                ("resolve_sla", "resolve_unit"), ("verify_sla", "verify_unit")]}),
    ]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


class EventInline(ReadOnlyAdmin, admin.TabularInline):
    model = Event
    fields = ["seq", "at", "action", "from_state", "to_state", "actor_label", "note", "public"]
    readonly_fields = fields


class PhotoInline(ReadOnlyAdmin, admin.TabularInline):
    model = Photo
    fields = ["kind", "file", "url", "content_type", "at"]
    readonly_fields = fields


class CommentInline(ReadOnlyAdmin, admin.TabularInline):
    model = Comment
    fields = ["at", "author_label", "body", "internal"]
    readonly_fields = fields


@admin.register(Matter)
class MatterAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "category", "state", "source", "grid", "assignee", "deadline", "breached", "created_at"]
    list_filter = ["state", "source", "breached", "category__parent"]
    search_fields = ["search_text"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "grid", "assignee"]
    exclude = ["reporter_phone", "search_text"]
    readonly_fields = ["reporter_phone_masked"]
    inlines = [EventInline, PhotoInline, CommentInline]

    @admin.display(description=_("上报人电话"))
    def reporter_phone_masked(self, obj):
        return mask_phone(obj.reporter_phone)


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["matter", "stage", "deadline", "at", "from_person", "to_person", "to_grid"]
    list_filter = ["stage"]
    list_select_related = ["matter__category", "from_person", "to_person", "to_grid"]
