"""案事件: vehicle damage, lost items, theft and the like. A case is reported by an owner or a worker,
footage is reviewed by the property company against cameras and time windows, the case may be handed
to the police station, and its outcome is recorded. Every step is an append-only `Event`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wangge.core.models import Searchable, TenantModel


class Kind(models.TextChoices):
    VEHICLE_DAMAGE = "vehicle_damage", _("车辆损坏")
    LOST_ITEM = "lost_item", _("物品丢失")
    THEFT = "theft", _("盗窃")
    HIGH_RISE_THROW = "high_rise_throw", _("高空抛物")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    REPORTED = "reported", _("已报案")
    REVIEWING = "reviewing", _("调阅监控中")
    HANDED_TO_POLICE = "handed_to_police", _("已移交派出所")
    SOLVED = "solved", _("已破获/已找回")
    UNSOLVED = "unsolved", _("未能查明")
    CLOSED = "closed", _("已关闭")


OPEN_STATUSES = (Status.REPORTED, Status.REVIEWING, Status.HANDED_TO_POLICE)
FINAL_STATUSES = (Status.SOLVED, Status.UNSOLVED, Status.CLOSED)


class Incident(TenantModel, Searchable):
    search_pinyin = False

    grid = models.ForeignKey("registry.GridNode", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("经过"), max_length=2000)
    occurred_from = models.DateTimeField(_("发生时间（起）"))
    occurred_to = models.DateTimeField(_("发生时间（止）"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报案账号"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    reporter_person = models.ForeignKey(
        "people.Person", verbose_name=_("报案人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter_label = models.CharField(_("报案人姓名"), max_length=60, blank=True)
    by_resident = models.BooleanField(_("业主自报"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REPORTED)
    outcome = models.TextField(_("结果"), max_length=2000, blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    police = models.ForeignKey(
        "people.Organisation", verbose_name=_("移交派出所"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    police_name = models.CharField(_("移交单位"), max_length=100, blank=True)
    police_ref = models.CharField(_("接警/案件编号"), max_length=50, blank=True)
    handed_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("报案时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("案事件")
        verbose_name_plural = _("案事件")
        ordering = ["-id"]
        indexes = [models.Index(fields=["grid", "status"]), models.Index(fields=["reporter_user", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(occurred_to__gte=F("occurred_from")), name="incident_window_order"),
            models.CheckConstraint(
                condition=Q(lon__isnull=True, lat__isnull=True) | Q(lon__isnull=False, lat__isnull=False),
                name="incident_point_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def search_parts(self) -> tuple[str, ...]:
        return (self.title, self.description, self.place, self.police_ref)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class FootageReview(TenantModel):
    """A request to the property company to review the footage of some cameras over a time window, and
    what the reviewer found."""

    incident = models.ForeignKey(Incident, verbose_name=_("案事件"), on_delete=models.CASCADE, related_name="reviews")
    cameras = models.ManyToManyField("cameras.Camera", verbose_name=_("摄像头"), related_name="footage_reviews")
    window_from = models.DateTimeField(_("调阅时段（起）"))
    window_to = models.DateTimeField(_("调阅时段（止）"))
    note = models.CharField(_("调阅要求"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请账号"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    requested_label = models.CharField(_("申请人"), max_length=60, blank=True)
    requested_at = models.DateTimeField(_("申请时间"))
    reviewer = models.ForeignKey(
        "people.Person", verbose_name=_("调阅人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewer_label = models.CharField(_("调阅人姓名"), max_length=60, blank=True)
    reviewed_at = models.DateTimeField(_("调阅时间"), null=True, blank=True)
    finding = models.TextField(_("调阅结果"), max_length=2000, blank=True)
    found = models.BooleanField(_("发现线索"), null=True, blank=True)

    class Meta:
        verbose_name = _("监控调阅")
        verbose_name_plural = _("监控调阅")
        ordering = ["incident_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(window_to__gt=F("window_from")), name="footage_window_order"),
        ]

    def __str__(self) -> str:
        return f"#{self.incident_id} {self.window_from:%m-%d %H:%M}–{self.window_to:%H:%M}"

    @property
    def done(self) -> bool:
        return self.reviewed_at is not None


class Event(models.Model):
    """One step of an incident: append-only, ordered by `seq`."""

    incident = models.ForeignKey(Incident, verbose_name=_("案事件"), on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("动作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作账号"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人"), max_length=60, blank=True)
    note = models.CharField(_("说明"), max_length=2000, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案事件记录")
        verbose_name_plural = _("案事件记录")
        ordering = ["incident_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["incident", "seq"], name="incident_event_unique_seq")]

    def __str__(self) -> str:
        return f"#{self.incident_id}.{self.seq} {self.action}"
