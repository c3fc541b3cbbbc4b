"""Rollups of matters: counts per grid node (every ancestor, not only the leaf) × period × category × channel.

Nothing here is a hot counter row. The matters services append `Delta` rows in the transaction of the
change (a few rows per change, keyed by the matter's own micro-grid); a job folds them into `DayCount`,
`MonthCount` and `StateCount` for every ancestor once a minute, and deletes them in the same
transaction, so each delta is counted exactly once. Readers add the deltas not yet folded, so the figures
are live. `wangge rollups rebuild` recomputes everything from the matters table; `--check` compares.

What each metric counts (a matter "filed" is one not rejected, withdrawn or merged):

    received        matters reported that day                                  (day of created_at)
    due             matters reported that day that were filed (应结案)          (day of created_at)
    done            of those, closed or evaluated now (结案)                   (day of created_at)
    done_on_time    of those, resolved by the resolve deadline (按期结案)        (day of created_at)
    reworked        of those, sent back at least once (返工)                    (day of created_at)
    rated / satisfied / basic                                                  (day of created_at)
    handling_s      seconds from report to close, summed over `done`            (day of created_at)
    breached        matters reported that day that missed a deadline (超时)     (day of created_at)
    closed          matters closed that day (and still closed)                 (day of closed_at)
    closed_on_time  of those, resolved by the resolve deadline                  (day of closed_at)

StateCount holds the matters now in each state (and whether they ever missed a deadline).

Door-to-door visits are rolled up too, written straight into every ancestor's rows in the transaction that
logs the visit: visits are only ever added, a few a minute in a whole city, so the rows are never hot.

    VisitDay, VisitMonth    visits logged, and of those met (见面), per local day or month of the visit
    MetMonth                met visits per month, by the month of the household's previous met visit
                            (NEVER for its first)

A household met in the whole months S..E has exactly one met visit there whose previous one falls before
S, its first in the period; so the households met are the MetMonth rows of S..E with `previous` before S,
a few hundred rows for a city's year.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

METRICS = (
    "received", "due", "done", "done_on_time", "reworked", "rated", "satisfied", "basic", "handling_s",
    "breached", "closed", "closed_on_time",
)


class Metrics(models.Model):
    received = models.IntegerField(_("受理数"), default=0)
    due = models.IntegerField(_("应结案数"), default=0)
    done = models.IntegerField(_("结案数"), default=0)
    done_on_time = models.IntegerField(_("按期结案数"), default=0)
    reworked = models.IntegerField(_("返工数"), default=0)
    rated = models.IntegerField(_("评价数"), default=0)
    satisfied = models.IntegerField(_("满意数"), default=0)
    basic = models.IntegerField(_("基本满意数"), default=0)
    handling_s = models.BigIntegerField(_("处置用时（秒）"), default=0)
    breached = models.IntegerField(_("超时数"), default=0)
    closed = models.IntegerField(_("当日结案数"), default=0)
    closed_on_time = models.IntegerField(_("当日按期结案数"), default=0)

    class Meta:
        abstract = True


class Delta(Metrics):
    """A change not yet folded into the rollups. `grid` is the matter's own node; the fold spreads it
    to every ancestor. A row with `day` is a change of the period counts; a row without `day` moves a
    matter between states (`state` +`current`)."""

    grid = models.ForeignKey("registry.GridNode", on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.ForeignKey("matters.Category", on_delete=models.CASCADE, related_name="+", db_index=False)
    source = models.CharField(max_length=16, blank=True)
    day = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=16, blank=True)
    breached_now = models.BooleanField(default=False)
    current = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("待汇总变化")
        verbose_name_plural = _("待汇总变化")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Δ{self.pk} grid {self.grid_id} {self.day or self.state}"


class Ancestry(models.Model):
    """node → each of its ancestors and itself: the fold's join table, derived from `GridNode.path`."""

    node = models.ForeignKey("registry.GridNode", on_delete=models.CASCADE, related_name="+")
    ancestor = models.ForeignKey("registry.GridNode", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("网格祖先")
        verbose_name_plural = _("网格祖先")
        constraints = [models.UniqueConstraint(fields=["node", "ancestor"], name="ancestry_unique")]

    def __str__(self) -> str:
        return f"{self.node_id} ⊂ {self.ancestor_id}"


class PeriodCount(Metrics):
    """The counts of one node's subtree, for one period, category and channel."""

    node = models.ForeignKey("registry.GridNode", verbose_name=_("网格"), on_delete=models.CASCADE, related_name="+",
                             db_index=False)
    # Not indexed alone: rows are read by node (the unique constraints lead with it), and a category's rows
    # are only looked up when it is deleted, which its matters prevent. At a million matters the index
    # took 6% of a rebuild, and it costs a write on every fold.
    category = models.ForeignKey("matters.Category", verbose_name=_("类别"), on_delete=models.CASCADE,
                                 related_name="+", db_index=False)
    source = models.CharField(_("渠道"), max_length=16)

    class Meta:
        abstract = True


class DayCount(PeriodCount):
    day = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("日汇总")
        verbose_name_plural = _("日汇总")
        ordering = ["node_id", "day"]
        constraints = [
            models.UniqueConstraint(fields=["node", "day", "category", "source"], name="daycount_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.day} {self.category_id} {self.source}"


class MonthCount(PeriodCount):
    month = models.DateField(_("月份"), help_text=_("该月第一天"))

    class Meta:
        verbose_name = _("月汇总")
        verbose_name_plural = _("月汇总")
        ordering = ["node_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["node", "month", "category", "source"], name="monthcount_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.month:%Y-%m} {self.category_id} {self.source}"


class StateCount(models.Model):
    node = models.ForeignKey("registry.GridNode", verbose_name=_("网格"), on_delete=models.CASCADE, related_name="+",
                             db_index=False)
    category = models.ForeignKey("matters.Category", verbose_name=_("类别"), on_delete=models.CASCADE,
                                 related_name="+")
    state = models.CharField(_("状态"), max_length=16)
    breached = models.BooleanField(_("曾超时"), default=False)
    count = models.IntegerField(_("数量"), default=0)

    class Meta:
        verbose_name = _("状态汇总")
        verbose_name_plural = _("状态汇总")
        ordering = ["node_id", "state"]
        constraints = [
            models.UniqueConstraint(fields=["node", "category", "state", "breached"], name="statecount_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.state} {self.count}"


VISIT_METRICS = ("visits", "met")
NEVER = dt.date(1970, 1, 1)  # MetMonth.previous of a household's first met visit


class VisitCounts(models.Model):
    node = models.ForeignKey("registry.GridNode", verbose_name=_("网格"), on_delete=models.CASCADE, related_name="+",
                             db_index=False)
    visits = models.IntegerField(_("走访次数"), default=0)
    met = models.IntegerField(_("见面次数"), default=0)

    class Meta:
        abstract = True


class VisitDay(VisitCounts):
    day = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("走访日汇总")
        verbose_name_plural = _("走访日汇总")
        ordering = ["node_id", "day"]
        constraints = [models.UniqueConstraint(fields=["node", "day"], name="visitday_unique")]

    def __str__(self) -> str:
        return f"{self.node_id} {self.day} {self.visits}"


class VisitMonth(VisitCounts):
    month = models.DateField(_("月份"), help_text=_("该月第一天"))

    class Meta:
        verbose_name = _("走访月汇总")
        verbose_name_plural = _("走访月汇总")
        ordering = ["node_id", "month"]
        constraints = [models.UniqueConstraint(fields=["node", "month"], name="visitmonth_unique")]

    def __str__(self) -> str:
        return f"{self.node_id} {self.month:%Y-%m} {self.visits}"


class MetMonth(models.Model):
    """Met visits below a node in a month, by the month of each household's previous met visit."""

    node = models.ForeignKey("registry.GridNode", verbose_name=_("网格"), on_delete=models.CASCADE, related_name="+",
                             db_index=False)
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    previous = models.DateField(_("上次见面月份"), help_text=_("该户上一次见面走访所在月的第一天；首次为 1970-01-01"))
    met = models.IntegerField(_("见面次数"), default=0)

    class Meta:
        verbose_name = _("见面走访月汇总")
        verbose_name_plural = _("见面走访月汇总")
        ordering = ["node_id", "month", "previous"]
        constraints = [models.UniqueConstraint(fields=["node", "month", "previous"], name="metmonth_unique")]

    def __str__(self) -> str:
        return f"{self.node_id} {self.month:%Y-%m} after {self.previous:%Y-%m} {self.met}"
