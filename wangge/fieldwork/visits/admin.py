"""Admin: plans are edited here through the same service as the pages (its rules apply); visits are
looked at only (they are logged on the phone page and through the API)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from wangge.core.admin import ReadOnlyAdmin
from wangge.core.errors import ApplicationError
from wangge.core.pii import mask_room

from . import services
from .models import Visit, VisitPlan


@admin.register(VisitPlan)
class VisitPlanAdmin(admin.ModelAdmin):
    list_display = ["grid", "period_days", "care_period_days", "active", "updated_at", "updated_by"]
    list_filter = ["active", "grid__level"]
    search_fields = ["grid__name", "grid__code"]
    raw_id_fields = ["grid"]
    fields = ["grid", "period_days", "care_period_days", "care_flags", "active", "note"]
    list_select_related = ["grid", "updated_by"]

    def save_model(self, request, obj, form, change):
        values = {k: form.cleaned_data[k] for k in ("period_days", "care_period_days", "care_flags", "active", "note")}
        try:
            if change:
                saved = services.visit_plan_update(actor=request.user, plan_id=obj.pk, **values)
            else:
                saved = services.visit_plan_create(actor=request.user, grid=form.cleaned_data["grid"], **values)
        except ApplicationError as exc:
            messages.error(request, str(exc))
            raise
        obj.pk = saved.pk


class MattersInline(admin.TabularInline):
    model = Visit.matters.through
    verbose_name = _("收集的关键小事")
    verbose_name_plural = _("收集的关键小事")
    raw_id_fields = ["matter"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "visited_at", "household_masked", "grid", "worker", "outcome", "follow_up_on"]
    list_filter = ["outcome"]
    date_hierarchy = "visited_at"
    search_fields = ["worker__name", "grid__name", "notes"]
    list_select_related = ["household__unit__building__estate_grid", "grid", "worker"]
    exclude = ["household", "matters"]
    readonly_fields = ["household_masked", "grid", "worker", "recorded_by", "visited_at", "outcome", "notes",
                       "follow_up_on"]
    inlines = [MattersInline]

    @admin.display(description=_("住户"))
    def household_masked(self, obj):
        h = obj.household
        return f"{h.unit.building.estate_grid.name}{h.unit.building.name}{h.unit.name}{mask_room(h.room)}"
