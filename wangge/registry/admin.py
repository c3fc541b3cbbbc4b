from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Building, GridNode, Household, Resident, Unit


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


class ResidentInline(admin.TabularInline):
    model = Resident
    extra = 0
    fields = ["name", "relation", "masked_id", "masked_phone_display"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("联系电话"))
    def masked_phone_display(self, obj):
        return obj.masked_phone


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["__str__", "floor", "occupancy"]
    list_filter = ["occupancy"]
    search_fields = ["room", "unit__building__name"]
    raw_id_fields = ["unit", "subdistrict"]
    inlines = [ResidentInline]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_id", "masked_phone_display", "relation", "household"]
    list_filter = ["relation", "gender", "is_party_member"]
    search_fields = ["search_text"]
    raw_id_fields = ["household", "subdistrict"]

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("联系电话"))
    def masked_phone_display(self, obj):
        return obj.masked_phone
