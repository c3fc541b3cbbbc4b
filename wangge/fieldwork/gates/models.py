"""门岗值守: gate posts. Shift templates, rosters, swaps and check-ins build on the post; visitor checks
(wangge.fieldwork.visitors) hang from it too."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.models import TenantModel


def new_qr_token() -> str:
    return secrets.token_hex(12)


class Post(TenantModel):
    """A staffed gate of an estate (小区出入口). Its QR token is what the visitor's code at the gate carries."""

    estate = models.ForeignKey(
        "registry.GridNode", verbose_name=_("小区网格"), on_delete=models.PROTECT, related_name="gate_posts"
    )
    name = models.CharField(_("名称"), max_length=60)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    checkin_radius_m = models.PositiveIntegerField(_("签到半径（米）"), default=200)
    qr_token = models.CharField(_("二维码令牌"), max_length=32, unique=True, default=new_qr_token, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    leader = models.ForeignKey(
        "people.Person", verbose_name=_("值守负责人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="led_gate_posts",
        help_text=_("审批换班、接收缺岗与漏签提醒；不填时由本小区有排班权限的人员负责"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("门岗")
        verbose_name_plural = _("门岗")
        ordering = ["estate_id", "name"]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="gate_post_name_per_estate")]

    def __str__(self) -> str:
        return self.name


# -- gate duty (3班倒, 24小时值守) ------------------------------------------------------------------------

class ShiftTemplate(models.Model):
    """One shift of a post's day (早班 08:00–16:00 …). An end at or before the start crosses midnight."""

    post = models.ForeignKey(Post, verbose_name=_("门岗"), on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(_("班次名称"), max_length=20)
    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"), help_text=_("早于或等于开始时间表示跨到次日"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("班次模板")
        verbose_name_plural = _("班次模板")
        ordering = ["post_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["post", "name"], name="gate_template_name_per_post")]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def minutes(self) -> int:
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return (end - start) % 1440 or 1440


class ShiftStatus(models.TextChoices):
    PLANNED = "planned", _("待上岗")
    CHECKED_IN = "checked_in", _("在岗")
    DONE = "done", _("已下岗")
    MISSED = "missed", _("漏签")
    CANCELLED = "cancelled", _("已取消")


# Shifts that put someone at the gate (or promise to): what coverage counts.
COVERING = (ShiftStatus.PLANNED, ShiftStatus.CHECKED_IN, ShiftStatus.DONE)


class Shift(TenantModel):
    post = models.ForeignKey(Post, verbose_name=_("门岗"), on_delete=models.PROTECT, related_name="shifts")
    person = models.ForeignKey("people.Person", verbose_name=_("值守人员"), on_delete=models.PROTECT,
                               related_name="gate_shifts")
    template = models.ForeignKey(ShiftTemplate, verbose_name=_("班次模板"), on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="shifts")
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    status = models.CharField(_("状态"), max_length=16, choices=ShiftStatus.choices, default=ShiftStatus.PLANNED)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checkin_lon = models.FloatField(_("签到经度"), null=True, blank=True)
    checkin_lat = models.FloatField(_("签到纬度"), null=True, blank=True)
    checkin_distance_m = models.FloatField(_("签到距离（米）"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    missed_at = models.DateTimeField(_("判定漏签时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["starts_at", "post_id", "id"]
        indexes = [models.Index(fields=["post", "starts_at"]), models.Index(fields=["person", "starts_at"]),
                   models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="gate_shift_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.post} {self.starts_at:%m-%d %H:%M} {self.person}"


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已驳回")


class SwapRequest(TenantModel):
    """A guard hands a shift to another guard of the estate (or exchanges it for one of theirs); the post's
    leader decides."""

    shift = models.ForeignKey(Shift, verbose_name=_("班次"), on_delete=models.CASCADE, related_name="swaps")
    exchange_shift = models.ForeignKey(Shift, verbose_name=_("换回的班次"), on_delete=models.CASCADE, null=True,
                                       blank=True, related_name="+")
    requested_by = models.ForeignKey("people.Person", verbose_name=_("申请人"), on_delete=models.PROTECT,
                                     related_name="+")
    to_person = models.ForeignKey("people.Person", verbose_name=_("接班人"), on_delete=models.PROTECT,
                                  related_name="+")
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=SwapStatus.choices, default=SwapStatus.PENDING)
    decided_by = models.ForeignKey("people.Person", verbose_name=_("审批人"), on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("换班申请")
        verbose_name_plural = _("换班申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shift"], condition=models.Q(status="pending"), name="gate_swap_one_pending")
        ]

    def __str__(self) -> str:
        return f"{self.shift} → {self.to_person}"


class GapAlert(TenantModel):
    """A stretch of a post's day with nobody on duty, reported to the leader once (one row per post and
    gap start)."""

    post = models.ForeignKey(Post, verbose_name=_("门岗"), on_delete=models.CASCADE, related_name="gap_alerts")
    starts_at = models.DateTimeField(_("缺岗开始"))
    ends_at = models.DateTimeField(_("缺岗结束"))
    created_at = models.DateTimeField(_("提醒时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("缺岗提醒")
        verbose_name_plural = _("缺岗提醒")
        ordering = ["-starts_at"]
        constraints = [models.UniqueConstraint(fields=["post", "starts_at"], name="gate_gap_alert_once")]

    def __str__(self) -> str:
        return f"{self.post} {self.starts_at:%m-%d %H:%M}"
