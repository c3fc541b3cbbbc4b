"""The grid tree and what sits in it: buildings (楼栋), units (单元), households (户) and residents (居民)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core import pii
from wangge.core.jobs import Job
from wangge.core.models import Searchable, TenantModel


class Level(models.TextChoices):
    DISTRICT = "district", _("县（区）")
    SUBDISTRICT = "subdistrict", _("街道")
    COMMUNITY = "community", _("社区")
    AREA_GRID = "area_grid", _("社区区域网格")
    ESTATE_GRID = "estate_grid", _("小区全科网格")
    MICRO_GRID = "micro_grid", _("楼栋单元微网格")


LEVEL_ORDER = [choice.value for choice in Level]
# Digits a code has at each level: the national 15-digit grid code is 6 (county division) + 3
# (subdistrict) + 3 (community) + 3 (grid sequence); wangge extends it with 3 more digits per lower level.
CODE_LENGTH = {
    Level.DISTRICT: 6,
    Level.SUBDISTRICT: 9,
    Level.COMMUNITY: 12,
    Level.AREA_GRID: 15,
    Level.ESTATE_GRID: 18,
    Level.MICRO_GRID: 21,
}
# Boundaries are required down to the estate grid and optional below.
BOUNDARY_REQUIRED = {Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID}


def child_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


def path_ids(path: str) -> list[int]:
    """The node ids of a materialised path ("/1/5/23/"), from the root down to the node itself."""
    return [int(part) for part in path.strip("/").split("/") if part]


def common_ancestor_id(paths: Iterable[str]) -> int | None:
    """The id of the deepest node whose subtree holds every one of these materialised paths (a node's own
    path counts: the common ancestor of a node alone is itself), or None when they share no root."""
    common = posixpath.commonpath([path.rstrip("/") or "/" for path in paths])
    ids = path_ids(common)
    return ids[-1] if ids else None


class GridNode(TenantModel, Searchable):
    """One node of the grid tree. `path` is the materialised path of ids ("/1/4/17/"), so a subtree is
    one indexed prefix query."""

    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    code = models.CharField(_("网格编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    path = models.CharField(_("路径"), max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("深度"), editable=False, default=0)
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)
    boundary_changed_at = models.DateTimeField(_("边界更新时间"), null=True, blank=True, editable=False)
    responsible_organisation = models.ForeignKey(
        "people.Organisation",
        verbose_name=_("责任组织"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsible_for",
    )

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "path"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


    def search_parts(self) -> tuple[str, ...]:
        return (self.name, self.code)

    @property
    def tenant(self) -> GridNode | None:
        """The subdistrict that rows hanging from this node carry (the node itself at that level)."""
        return self if self.level == Level.SUBDISTRICT else self.subdistrict

    @property
    def tenant_id(self) -> int | None:
        """The tenant's id, without loading it."""
        return self.pk if self.level == Level.SUBDISTRICT else self.subdistrict_id

    def ancestor_ids(self) -> list[int]:
        return path_ids(self.path)[:-1]


class Building(TenantModel, Searchable):
    search_pinyin = False

    estate_grid = models.ForeignKey(
        GridNode, verbose_name=_("小区网格"), on_delete=models.PROTECT, related_name="buildings"
    )
    name = models.CharField(_("楼栋"), max_length=50, help_text=_("如“3号楼”"))
    floors = models.PositiveSmallIntegerField(_("层数"), default=6)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["estate_grid_id", "name"]
        constraints = [models.UniqueConstraint(fields=["estate_grid", "name"], name="building_unique_name")]

    def __str__(self) -> str:
        return self.name



class Unit(TenantModel):
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("单元"), max_length=50, help_text=_("如“1单元”"))
    micro_grid = models.ForeignKey(
        GridNode,
        verbose_name=_("微网格"),
        on_delete=models.PROTECT,
        related_name="units",
        null=True,
        blank=True,
        help_text=_("每个单元属于且只属于一个微网格"),
    )

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["building_id", "name"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="unit_unique_name")]

    def __str__(self) -> str:
        return f"{self.building.name}{self.name}"


class Occupancy(models.TextChoices):
    OWNER = "owner", _("自住")
    RENTED = "rented", _("出租")
    VACANT = "vacant", _("空置")


class Household(TenantModel):
    unit = models.ForeignKey(Unit, verbose_name=_("单元"), on_delete=models.PROTECT, related_name="households")
    floor = models.SmallIntegerField(_("楼层"))
    room = models.CharField(_("房号"), max_length=20)
    occupancy = models.CharField(_("居住状态"), max_length=10, choices=Occupancy.choices, default=Occupancy.OWNER)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["unit_id", "floor", "room"]
        constraints = [models.UniqueConstraint(fields=["unit", "room"], name="household_unique_room")]

    def __str__(self) -> str:
        return f"{self.unit}{self.room}"

    @property
    def address(self) -> str:
        building = self.unit.building
        return f"{building.estate_grid.name}{building.name}{self.unit.name}{self.room}室"

    @property
    def masked_address(self) -> str:
        building = self.unit.building
        return f"{building.estate_grid.name}{building.name}{self.unit.name}{pii.mask_room(self.room)}室"


class Relation(models.TextChoices):
    SELF = "self", _("本人")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    TENANT = "tenant", _("租户")
    OTHER = "other", _("其他")


class CareFlag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    DISABLED = "disabled", _("残疾人")
    LOW_INCOME = "low_income", _("低保户")
    SPECIAL_NEEDS = "special_needs", _("特困人员")
    VETERAN = "veteran", _("退役军人")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")


class LeftReason(models.TextChoices):
    MOVED_AWAY = "moved_away", _("迁出")
    DECEASED = "deceased", _("去世")
    OTHER = "other", _("其他")


class Resident(TenantModel, Searchable):
    """A resident of a household. One who leaves (moves away, dies) keeps their row with `left_at` set:
    lists and counts skip them, their ID number stays taken (see docs/architecture.md, "Residents who
    leave")."""


    household = models.ForeignKey(
        Household, verbose_name=_("住户"), on_delete=models.PROTECT, related_name="residents"
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices, default=Relation.SELF)
    gender = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))], blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    care_flags = models.JSONField(_("关爱标签"), default=list, blank=True)
    is_party_member = models.BooleanField(_("党员"), default=False)
    left_at = models.DateField(_("离开日期"), null=True, blank=True, help_text=_("已迁出或去世；空表示仍在住"))
    left_reason = models.CharField(_("离开原因"), max_length=16, choices=LeftReason.choices, blank=True)
    left_note = models.CharField(_("离开说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["household_id", "id"]
        constraints = [models.UniqueConstraint(fields=["id_number"], name="resident_unique_id_number")]

    def __str__(self) -> str:
        return self.name


    @property
    def has_left(self) -> bool:
        return self.left_at is not None

    @property
    def masked_id_number(self) -> str:
        return pii.mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return pii.mask_phone(self.phone)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportStage(models.TextChoices):
    READ = "read", _("读取文件")
    CHECK = "check", _("校验")
    WRITE = "write", _("写入")


def _import_upload_to(instance, filename: str) -> str:
    # The stored name is random: file names often carry a community's or a person's name.
    import uuid
    from pathlib import PurePath

    return f"imports/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class ImportJob(Job):
    """One upload of a household/resident file, run by a background job. The stored file is deleted when
    the job finishes (it holds full ID numbers); the report stays."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(GridNode, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="import_jobs")
    file = models.FileField(_("文件"), upload_to=_import_upload_to, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    skip_invalid = models.BooleanField(_("跳过有错误的住户"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    stage = models.CharField(_("阶段"), max_length=10, choices=ImportStage.choices, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    report = models.JSONField(_("导入报告"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "created_at"])]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    # Share of the whole job each stage stands for, in percent: (start, width).
    STAGE_SPANS = {"read": (0, 50), "check": (50, 20), "write": (70, 30)}

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        start, width = self.STAGE_SPANS.get(self.stage, (0, 0))
        if not self.total_rows:
            return start
        return min(99, start + int(width * min(self.processed_rows, self.total_rows) / self.total_rows))
