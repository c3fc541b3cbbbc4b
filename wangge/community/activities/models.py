"""社区活动: what a community holds for its residents — party education (不忘初心、牢记使命 主题党日, 我是党员
我先行), policy talks, party-history reading, culture and sports, holiday celebrations, volunteer services,
drills — with capacity, sign-up and a waiting list, QR check-in and attendance.

- `Activity`: held by a grid for the residents of its subtree (optionally party members only), at a venue
  or a place, `draft → published → done`, or `cancelled`.
- `SignUp`: one person on one activity (unique): `confirmed`, `waiting` (ordered by `position`),
  `cancelled` or `attended`. `grid` keeps the attendee's micro-grid, for the attendance counts per grid.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.models import Searchable, TenantModel


class Kind(models.TextChoices):
    PARTY_EDUCATION = "party_education", _("党员教育")
    POLICY_TALK = "policy_talk", _("政策宣讲")
    PARTY_HISTORY = "party_history", _("党史学习")
    CULTURE_SPORTS = "culture_sports", _("文体活动")
    HOLIDAY = "holiday", _("节日庆祝")
    VOLUNTEER = "volunteer", _("志愿服务")
    DRILL = "drill", _("应急演练")
    OTHER = "other", _("其他")


# The party kinds: what "themed party activities" counts.
PARTY_KINDS = (Kind.PARTY_EDUCATION, Kind.POLICY_TALK, Kind.PARTY_HISTORY)


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CANCELLED = "cancelled", _("已取消")
    DONE = "done", _("已结束")


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Activity(TenantModel, Searchable):
    grid = models.ForeignKey("registry.GridNode", verbose_name=_("举办网格"), on_delete=models.PROTECT,
                             related_name="activities", help_text=_("该网格（含下级）的居民可以报名"))
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("主题"), max_length=100)
    description = models.TextField(_("内容"), blank=True)
    venue = models.ForeignKey("venues.Venue", verbose_name=_("场地"), on_delete=models.PROTECT, null=True,
                              blank=True, related_name="activities")
    place = models.CharField(_("地点"), max_length=120, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True, help_text=_("空表示不限"))
    signup_opens = models.DateTimeField(_("报名开始"), null=True, blank=True)
    signup_closes = models.DateTimeField(_("报名截止"), null=True, blank=True)
    party_only = models.BooleanField(_("仅限党员"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    organiser = models.ForeignKey("people.Organisation", verbose_name=_("主办单位"), on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="activities")
    organiser_person = models.ForeignKey("people.Person", verbose_name=_("负责人"), on_delete=models.SET_NULL,
                                         null=True, blank=True, related_name="organised_activities")
    checkin_token = models.CharField(_("签到码"), max_length=32, unique=True, default=new_token, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("社区活动")
        verbose_name_plural = _("社区活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after"),
        ]

    def __str__(self) -> str:
        return self.title

    def search_parts(self) -> tuple[str, ...]:
        return (self.title, self.place)

    def clean(self) -> None:
        if self.grid_id is not None:
            self.subdistrict = self.grid.tenant
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("结束时间应晚于开始时间")})
        if self.signup_opens and self.signup_closes and self.signup_closes <= self.signup_opens:
            raise ValidationError({"signup_closes": _("报名截止应晚于报名开始")})
        if self.capacity is not None and self.capacity < 1:
            raise ValidationError({"capacity": _("名额至少为1，不限名额请留空")})

    @property
    def where(self) -> str:
        return self.venue.name if self.venue_id else self.place

    @property
    def is_party(self) -> bool:
        return self.kind in PARTY_KINDS


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITING = "waiting", _("候补")
    CANCELLED = "cancelled", _("已取消")
    ATTENDED = "attended", _("已签到")


TAKING_PLACE = (SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED)  # sign-ups that take a place


class SignUp(TenantModel):
    activity = models.ForeignKey(Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="signups")
    person = models.ForeignKey("people.Person", verbose_name=_("居民"), on_delete=models.PROTECT,
                               related_name="activity_signups")
    grid = models.ForeignKey("registry.GridNode", verbose_name=_("所在微网格"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=SignUpStatus.choices, default=SignUpStatus.CONFIRMED)
    position = models.PositiveIntegerField(_("候补顺序"), null=True, blank=True)
    walk_in = models.BooleanField(_("现场登记"), default=False)
    signed_up_by = models.CharField(_("报名经办"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    attended_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.CharField(_("签到经办"), max_length=50, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["activity_id", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="signup_once_per_activity")]
        indexes = [models.Index(fields=["activity", "status", "position"], name="signup_queue")]

    def __str__(self) -> str:
        return f"{self.person} · {self.activity}"
