"""活动场地: the venues of a community (妇儿微家, 党群书吧, 多功能活动室 …) with their opening hours, and
the bookings residents and organisations make of them.

- `Venue`: a room of a community, its capacity, its opening hours per ISO weekday (`{"1": [["08:30",
  "12:00"], ["14:00", "18:00"]], …}`, 1 = Monday) and whether bookings need approval.
- `Booking`: one slot of a venue asked for by a resident or an organisation (with its contact person),
  `pending → approved | rejected | cancelled` (`approved` at once when the venue needs no approval).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.models import Searchable, TenantModel

WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def hours_problem(value) -> str | None:
    """Why `value` is not valid opening hours, or None."""
    if not isinstance(value, dict):
        return "开放时间应为按星期（1=周一 … 7=周日）列出的时段"
    for key, intervals in value.items():
        if str(key) not in {"1", "2", "3", "4", "5", "6", "7"}:
            return f"星期 {key!r} 无效，应为 1（周一）到 7（周日）"
        if not isinstance(intervals, list):
            return f"周{WEEKDAYS[int(key) - 1]}的时段应为列表"
        last = ""
        for interval in sorted(intervals, key=lambda i: str(i[0]) if isinstance(i, list | tuple) and i else ""):
            if not (isinstance(interval, list | tuple) and len(interval) == 2
                    and all(isinstance(t, str) and _TIME.match(t) for t in interval)):
                return f"周{WEEKDAYS[int(key) - 1]}的时段 {interval!r} 无效，应如 [\"08:30\", \"12:00\"]"
            start, end = interval
            if start >= end:
                return f"周{WEEKDAYS[int(key) - 1]}的时段 {start}–{end} 结束时间应晚于开始时间"
            if last and start < last:
                return f"周{WEEKDAYS[int(key) - 1]}的时段有重叠"
            last = end
    return None


def hours_text(value: dict) -> list[str]:
    """`["周一 08:30–12:00、14:00–18:00", …]` for the pages."""
    out = []
    for day in range(1, 8):
        intervals = (value or {}).get(str(day)) or []
        if intervals:
            out.append(f"周{WEEKDAYS[day - 1]} " + "、".join(f"{a}–{b}" for a, b in sorted(intervals)))
    return out


class Venue(TenantModel, Searchable):
    community = models.ForeignKey("registry.GridNode", verbose_name=_("所属网格"), on_delete=models.PROTECT,
                                  related_name="venues")
    name = models.CharField(_("名称"), max_length=60)
    description = models.TextField(_("介绍"), blank=True)
    place = models.CharField(_("位置"), max_length=120, blank=True)
    capacity = models.PositiveIntegerField(_("容纳人数"), default=20)
    opening_hours = models.JSONField(_("开放时间"), default=dict, blank=True,
                                     help_text=_('按星期（1=周一…7=周日）列出时段，如 {"1": [["08:30", "12:00"]]}'))
    needs_approval = models.BooleanField(_("预约需审批"), default=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动场地")
        verbose_name_plural = _("活动场地")
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="venue_name_per_grid")]

    def __str__(self) -> str:
        return self.name

    def search_parts(self) -> tuple[str, ...]:
        return (self.name, self.place)

    def clean(self) -> None:
        if self.community_id is not None:
            self.subdistrict = self.community.tenant
        problem = hours_problem(self.opening_hours)
        if problem:
            raise ValidationError({"opening_hours": problem})
        if self.capacity < 1:
            raise ValidationError({"capacity": _("容纳人数至少为1")})

    @property
    def hours_lines(self) -> list[str]:
        return hours_text(self.opening_hours)


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    CANCELLED = "cancelled", _("已取消")


HOLDING = (BookingStatus.PENDING, BookingStatus.APPROVED)  # bookings that hold their slot


class Booking(TenantModel):
    venue = models.ForeignKey(Venue, verbose_name=_("场地"), on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey("people.Person", verbose_name=_("预约人"), on_delete=models.PROTECT,
                               related_name="venue_bookings", null=True, blank=True)
    organisation = models.ForeignKey("people.Organisation", verbose_name=_("预约单位"), on_delete=models.PROTECT,
                                     related_name="venue_bookings", null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    purpose = models.CharField(_("用途"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    attendees = models.PositiveIntegerField(_("人数"), default=1)
    status = models.CharField(_("状态"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.PENDING)
    decided_by = models.ForeignKey("people.Person", verbose_name=_("审批人"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("场地预约")
        verbose_name_plural = _("场地预约")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["venue", "starts_at"], name="booking_venue_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {self.purpose}"

    @property
    def booker(self) -> str:
        return self.organisation.name if self.organisation_id else self.contact_name
