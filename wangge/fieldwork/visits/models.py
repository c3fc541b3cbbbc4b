"""入户走访: visit plans (how often each household is due) and the visits logged at the door.

A plan is a rule on one grid node; a household follows the nearest active plan on the path from its
micro-grid up to the root, or the defaults (`DEFAULT_PERIOD_DAYS`, `DEFAULT_CARE_PERIOD_DAYS`) when there
is none. Only a visit whose outcome is `met` counts as visited (see docs/visits.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.models import TenantModel
from wangge.registry.models import CareFlag

DEFAULT_PERIOD_DAYS = 91        # a quarter
DEFAULT_CARE_PERIOD_DAYS = 30   # monthly
MAX_PERIOD_DAYS = 366


def default_care_flags() -> list[str]:
    return list(CareFlag.values)


class VisitPlan(TenantModel):
    """Every household under `grid` is due once per `period_days`; a household where a current resident
    carries one of `care_flags` once per `care_period_days`. One plan per grid node."""

    grid = models.ForeignKey(
        "registry.GridNode", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="visit_plans"
    )
    period_days = models.PositiveSmallIntegerField(
        _("走访周期（天）"), default=DEFAULT_PERIOD_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PERIOD_DAYS)],
        help_text=_("每户至少多少天走访一次，默认一个季度（91天）"),
    )
    care_period_days = models.PositiveSmallIntegerField(
        _("关爱户走访周期（天）"), default=DEFAULT_CARE_PERIOD_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PERIOD_DAYS)],
        help_text=_("有关爱标签的住户多少天走访一次，默认每月（30天）"),
    )
    care_flags = models.JSONField(
        _("计为关爱户的标签"), default=default_care_flags, blank=True,
        help_text=_("住户中有在住居民带其中任一标签，即按关爱户周期走访"),
    )
    active = models.BooleanField(_("启用"), default=True, help_text=_("停用后按上级网格的计划走访"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("最后修改人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("走访计划")
        verbose_name_plural = _("走访计划")
        ordering = ["grid__code"]
        constraints = [models.UniqueConstraint(fields=["grid"], name="visit_plan_one_per_grid")]

    def __str__(self) -> str:
        return f"{self.grid.name}：{self.period_days}天/{self.care_period_days}天"


class Outcome(models.TextChoices):
    MET = "met", _("见到住户")
    NOBODY_HOME = "nobody_home", _("无人在家")
    REFUSED = "refused", _("拒绝入户")


class Visit(TenantModel):
    """One knock at one door. `grid` is the household's grid when the visit was logged (its unit's
    micro-grid, or the estate grid for a unit without one): lists and coverage are scoped by it."""

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("住户"), on_delete=models.PROTECT, related_name="visits"
    )
    grid = models.ForeignKey("registry.GridNode", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        "people.Person", verbose_name=_("走访人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="visits",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记账号"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    visited_at = models.DateTimeField(_("走访时间"))
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    notes = models.TextField(_("走访记录"), max_length=1000, blank=True)
    follow_up_on = models.DateField(_("回访日期"), null=True, blank=True)
    matters = models.ManyToManyField(
        "matters.Matter", verbose_name=_("收集的关键小事"), blank=True, related_name="visits"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["household", "visited_at"], name="visit_household_at"),
            models.Index(fields=["grid", "visited_at"], name="visit_grid_at"),
            models.Index(fields=["worker", "visited_at"], name="visit_worker_at"),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.get_outcome_display()}"
