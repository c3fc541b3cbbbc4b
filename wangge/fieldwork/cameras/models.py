"""治安联防监控: the camera registry. A camera sits at a point (WGS84), in a grid node (an estate grid or a
micro-grid), and watches a building entrance or a gate post, or just a spot (a car park, a corner)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wangge.core.models import Searchable, TenantModel


class Kind(models.TextChoices):
    BULLET = "bullet", _("枪机")
    DOME = "dome", _("球机")
    MINIDOME = "minidome", _("半球")
    FACE = "face", _("人脸抓拍")
    PLATE = "plate", _("车牌识别")
    HIGH_RISE = "high_rise", _("高空抛物")


class OwnerKind(models.TextChoices):
    PROPERTY = "property", _("物业公司")
    POLICE = "police", _("公安机关")
    COMMITTEE = "committee", _("社区居委会")
    OTHER = "other", _("其他单位")


class Status(models.TextChoices):
    IN_SERVICE = "in_service", _("在用")
    FAULTY = "faulty", _("故障")
    REMOVED = "removed", _("已拆除")


RADIUS_DEFAULT = 30
RADIUS_MAX = 200


class Camera(TenantModel, Searchable):
    search_pinyin = False

    grid = models.ForeignKey("registry.GridNode", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("编号"), max_length=40, help_text=_("街道内唯一，如 KN-001"))
    name = models.CharField(_("名称"), max_length=60)
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    building = models.ForeignKey(
        "registry.Building", verbose_name=_("看护楼栋"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="cameras",
    )
    gate = models.ForeignKey(
        "gates.Post", verbose_name=_("看护门岗"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="cameras",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.BULLET)
    owner_kind = models.CharField(_("产权方类别"), max_length=16, choices=OwnerKind.choices, default=OwnerKind.PROPERTY)
    owner = models.ForeignKey(
        "people.Organisation", verbose_name=_("产权单位"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_SERVICE)
    installed_on = models.DateField(_("安装日期"))
    removed_on = models.DateField(_("拆除日期"), null=True, blank=True)
    radius_m = models.PositiveSmallIntegerField(_("视野半径（米）"), default=RADIUS_DEFAULT)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("摄像头")
        verbose_name_plural = _("摄像头")
        ordering = ["code"]
        indexes = [models.Index(fields=["status", "lon", "lat"]), models.Index(fields=["installed_on"])]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "code"], name="camera_code_per_subdistrict"),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=F("installed_on")),
                name="camera_removed_after_installed",
            ),
            models.CheckConstraint(
                condition=Q(building__isnull=True) | Q(gate__isnull=True), name="camera_building_or_gate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def search_parts(self) -> tuple[str, ...]:
        return (self.code, self.name, self.note)

    @property
    def watches(self) -> str:
        if self.building_id:
            return self.building.name
        if self.gate_id:
            return self.gate.name
        return ""
