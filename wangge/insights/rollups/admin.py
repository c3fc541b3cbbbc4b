"""The rollups in the admin: read-only (they are kept by the matters and visits services and `wangge rollups`)."""

from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin

from .models import DayCount, Delta, MetMonth, MonthCount, StateCount, VisitDay, VisitMonth

_FIGURES = ["received", "due", "done", "done_on_time", "closed", "rated", "breached"]


class NodeRowsAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Rows kept per grid node: found by the node's name or code, listed with the node."""

    list_select_related = ["node"]
    search_fields = ["node__name", "node__code"]


@admin.register(DayCount)
class DayCountAdmin(NodeRowsAdmin):
    list_display = ["node", "day", "category", "source", *_FIGURES]
    list_filter = ["source", "category"]
    list_select_related = ["node", "category"]
    date_hierarchy = "day"


@admin.register(MonthCount)
class MonthCountAdmin(NodeRowsAdmin):
    list_display = ["node", "month", "category", "source", *_FIGURES]
    list_filter = ["source", "category"]
    list_select_related = ["node", "category"]
    date_hierarchy = "month"


@admin.register(StateCount)
class StateCountAdmin(NodeRowsAdmin):
    list_display = ["node", "category", "state", "breached", "count"]
    list_filter = ["state", "breached", "category"]
    list_select_related = ["node", "category"]


@admin.register(Delta)
class DeltaAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "grid", "category", "source", "day", "state", "received", "closed", "current"]
    list_select_related = ["grid", "category"]


@admin.register(VisitDay)
class VisitDayAdmin(NodeRowsAdmin):
    list_display = ["node", "day", "visits", "met"]
    date_hierarchy = "day"


@admin.register(VisitMonth)
class VisitMonthAdmin(NodeRowsAdmin):
    list_display = ["node", "month", "visits", "met"]
    date_hierarchy = "month"


@admin.register(MetMonth)
class MetMonthAdmin(NodeRowsAdmin):
    list_display = ["node", "month", "previous", "met"]
    date_hierarchy = "month"
