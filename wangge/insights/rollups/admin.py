"""The rollups in the admin: read-only (they are kept by the matters and visits services and `wangge rollups`)."""

from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin

from .models import DayCount, Delta, MetMonth, MonthCount, StateCount, VisitDay, VisitMonth

_FIGURES = ["received", "due", "done", "done_on_time", "closed", "rated", "breached"]


@admin.register(DayCount)
class DayCountAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["node", "day", "category", "source", *_FIGURES]
    list_filter = ["source", "category"]
    list_select_related = ["node", "category"]
    date_hierarchy = "day"
    search_fields = ["node__name", "node__code"]


@admin.register(MonthCount)
class MonthCountAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["node", "month", "category", "source", *_FIGURES]
    list_filter = ["source", "category"]
    list_select_related = ["node", "category"]
    date_hierarchy = "month"
    search_fields = ["node__name", "node__code"]


@admin.register(StateCount)
class StateCountAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["node", "category", "state", "breached", "count"]
    list_filter = ["state", "breached", "category"]
    list_select_related = ["node", "category"]
    search_fields = ["node__name", "node__code"]


@admin.register(Delta)
class DeltaAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "grid", "category", "source", "day", "state", "received", "closed", "current"]
    list_select_related = ["grid", "category"]


@admin.register(VisitDay)
class VisitDayAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["node", "day", "visits", "met"]
    list_select_related = ["node"]
    date_hierarchy = "day"
    search_fields = ["node__name", "node__code"]


@admin.register(VisitMonth)
class VisitMonthAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["node", "month", "visits", "met"]
    list_select_related = ["node"]
    date_hierarchy = "month"
    search_fields = ["node__name", "node__code"]


@admin.register(MetMonth)
class MetMonthAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["node", "month", "previous", "met"]
    list_select_related = ["node"]
    date_hierarchy = "month"
    search_fields = ["node__name", "node__code"]
