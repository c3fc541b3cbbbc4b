import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from wangge.core.admin import ReadOnlyAdmin
from wangge.people.services import pii_log_bulk

from . import services
from .models import Building, GridNode, Household, ImportJob, Resident, Unit


@admin.register(GridNode)
class GridNodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "has_boundary"]
    list_filter = ["level"]
    search_fields = ["code", "name", "search_text"]
    readonly_fields = ["path", "depth", "subdistrict", "boundary_changed_at"]
    raw_id_fields = ["parent", "responsible_organisation"]

    @admin.display(boolean=True, description=_("有边界"))
    def has_boundary(self, obj):
        return obj.boundary is not None

    def save_model(self, request, obj, form, change):
        # Writes go through the services so that codes, levels, paths and boundaries are checked.
        if change:
            services.grid_update(actor=request.user, grid=obj, name=obj.name, boundary=obj.boundary)
        else:
            created = services.grid_create(
                actor=request.user, parent=obj.parent, level=obj.level, code=obj.code, name=obj.name,
                boundary=obj.boundary,
            )
            obj.pk = created.pk


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    raw_id_fields = ["micro_grid"]
    exclude = ["subdistrict"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "estate_grid", "floors"]
    search_fields = ["name", "estate_grid__name"]
    raw_id_fields = ["estate_grid", "subdistrict"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["__str__", "micro_grid"]
    search_fields = ["name", "building__name"]
    raw_id_fields = ["building", "micro_grid", "subdistrict"]


class MaskedResidentFields:
    """ID numbers and phones as the rest of wangge shows them: masked."""

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("联系电话"))
    def masked_phone_display(self, obj):
        return obj.masked_phone


class ResidentInline(MaskedResidentFields, admin.TabularInline):
    model = Resident
    extra = 0
    fields = ["name", "relation", "masked_id", "masked_phone_display", "left_at", "left_reason"]
    readonly_fields = fields
    can_delete = False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["__str__", "floor", "occupancy"]
    list_filter = ["occupancy"]
    search_fields = ["room", "unit__building__name"]
    raw_id_fields = ["unit", "subdistrict"]
    inlines = [ResidentInline]


@admin.register(Resident)
class ResidentAdmin(MaskedResidentFields, admin.ModelAdmin):
    list_display = ["name", "masked_id", "masked_phone_display", "relation", "household", "left_at"]
    list_filter = ["relation", "gender", "is_party_member", "left_reason"]
    search_fields = ["search_text"]
    raw_id_fields = ["household", "subdistrict"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The change form shows the ID number and phone in full: that is an unmask, and it is logged.
        resident = self.get_object(request, object_id)
        if resident is not None and request.method == "GET":
            pii_log_bulk(actor=request.user, residents=[resident], reason="管理后台查看居民记录", purpose="admin")
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: a job is created by an upload and run by the worker, and its report is what it is."""

    list_display = ["created_at", "created_by", "grid", "file_name", "status", "processed_rows", "total_rows"]
    list_filter = ["status"]
    list_select_related = ["created_by", "grid"]
    search_fields = ["file_name", "created_by__username", "grid__code", "grid__name"]
    date_hierarchy = "created_at"
    fields = [
        "created_by", "grid", "file_name", "skip_invalid", "status", "stage", "processed_rows", "total_rows",
        "created_at", "started_at", "finished_at", "updated_at", "report_json",
    ]
    readonly_fields = fields

    @admin.display(description=_("导入报告"))
    def report_json(self, obj):
        if obj.report is None:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(obj.report, ensure_ascii=False, indent=2))
