"""议事日程: the hall of a community, its sittings and their agenda. The meetings and consultations apps
build on `Session` and `Item`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.models import TenantModel


class NonWorkingDay(models.TextChoices):
    KEEP = "keep", _("照常举行")
    NEXT = "next", _("顺延到下一个工作日")
    PREVIOUS = "previous", _("提前到上一个工作日")


class Hall(TenantModel):
    """A community's deliberation hall (红色物业议事厅), which sits on a fixed day each month."""

    community = models.ForeignKey(
        "registry.GridNode", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="halls"
    )
    name = models.CharField(_("名称"), max_length=60)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # The recurrence rule: the day of the month at a set time, moved off non-working days as chosen.
    day_of_month = models.PositiveSmallIntegerField(
        _("每月议事日"), default=10, validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("1–28日；默认每月10日"),
    )
    start_time = models.TimeField(_("开始时间"), default=dt.time(9, 0))
    duration_minutes = models.PositiveSmallIntegerField(
        _("会议时长（分钟）"), default=120, validators=[MinValueValidator(15), MaxValueValidator(720)]
    )
    on_non_working_day = models.CharField(
        _("逢周末或节假日"), max_length=10, choices=NonWorkingDay.choices, default=NonWorkingDay.KEEP
    )
    months_ahead = models.PositiveSmallIntegerField(
        _("提前排期（月）"), default=3, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    # Suggestions: open matters of one category under one grid of `collective_level`, from at least
    # `collective_min_households` households within `collective_window_days` days.
    collective_min_households = models.PositiveSmallIntegerField(
        _("集中反映最少户数"), default=3, validators=[MinValueValidator(2), MaxValueValidator(100)]
    )
    collective_window_days = models.PositiveSmallIntegerField(
        _("集中反映时间窗（天）"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    collective_level = models.CharField(
        _("同一网格的层级"), max_length=16, default="estate_grid",
        choices=[("area_grid", _("社区区域网格")), ("estate_grid", _("小区全科网格")), ("micro_grid", _("楼栋单元微网格"))],
    )

    class Meta:
        verbose_name = _("议事厅")
        verbose_name_plural = _("议事厅")
        ordering = ["community_id", "name"]

    def __str__(self) -> str:
        return self.name


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("待召开")
    HELD = "held", _("已召开")
    PUBLISHED = "published", _("已公开")
    CANCELLED = "cancelled", _("已取消")


class Session(TenantModel):
    """One sitting of a hall (the deliberation day)."""

    hall = models.ForeignKey(Hall, verbose_name=_("议事厅"), on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("标题"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # The date the rule gave it: a moved session keeps it, so the rule never creates it a second time.
    scheduled_for = models.DateField(_("按规则的日期"), null=True, blank=True)
    moved_from = models.DateTimeField(_("原定时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    sequence = models.PositiveIntegerField(
        _("日历版本号"), default=0, editable=False,
        help_text=_("会议 .ics 的 SEQUENCE：每次改期、改地点或取消加一，日历软件据此更新同一事件"))

    class Meta:
        verbose_name = _("议事会议")
        verbose_name_plural = _("议事会议")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "starts_at"], name="agenda_one_session_a_time"),
            models.UniqueConstraint(fields=["hall", "scheduled_for"], condition=models.Q(scheduled_for__isnull=False),
                                    name="agenda_one_session_per_rule_date"),
        ]

    def __str__(self) -> str:
        return self.title


class ItemKind(models.TextChoices):
    URGENT = "urgent", _("集中反映的迫切事")
    DIFFICULT = "difficult", _("协商协调的疑难事")
    MAJOR = "major", _("征求意见的重大事")


class ItemStatus(models.TextChoices):
    PROPOSED = "proposed", _("待列入")
    SCHEDULED = "scheduled", _("已列入议程")
    DISCUSSED = "discussed", _("已议")
    DEFERRED = "deferred", _("暂缓")
    DECLINED = "declined", _("不予列入")


class ItemOrigin(models.TextChoices):
    RESIDENT = "resident", _("居民提议")
    STAFF = "staff", _("工作人员")
    SUGGESTED = "suggested", _("系统建议")


OPEN_ITEM_STATUSES = (ItemStatus.PROPOSED, ItemStatus.SCHEDULED, ItemStatus.DEFERRED)


class Item(TenantModel):
    """An agenda item of a session (or a proposal waiting for one): one of the article's three kinds, with
    the key small matters it carries."""

    hall = models.ForeignKey(Hall, verbose_name=_("议事厅"), on_delete=models.PROTECT, related_name="items")
    session = models.ForeignKey(
        Session, verbose_name=_("会议"), on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    kind = models.CharField(_("类别"), max_length=12, choices=ItemKind.choices)
    title = models.CharField(_("议题"), max_length=100)
    description = models.TextField(_("说明"), max_length=4000, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.PROPOSED)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    minutes_planned = models.PositiveSmallIntegerField(_("计划时长（分钟）"), default=15)
    matters = models.ManyToManyField("matters.Matter", verbose_name=_("关联事项"), blank=True, related_name="hall_items")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    origin = models.CharField(_("来源"), max_length=12, choices=ItemOrigin.choices, default=ItemOrigin.STAFF)
    decline_reason = models.CharField(_("不予列入原因"), max_length=500, blank=True)
    deferred_from = models.ForeignKey(
        Session, verbose_name=_("从该会议暂缓"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["session_id", "position", "id"]

    def __str__(self) -> str:
        return self.title
