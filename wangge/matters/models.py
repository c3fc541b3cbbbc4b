"""Key small matters (关键小事): what a resident raises, who handles it, and every step it takes.

A matter moves through one state machine (`lifecycle.py`); each step is an append-only `Event`. The
category says how fast each stage must go (SLA), who handles it and where, and what Open311 clients
must send. A breached deadline escalates the matter one level up the grid, recorded once per deadline
in `Escalation`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.models import Searchable, TenantModel
from wangge.people.models import OrganisationKind, Role
from wangge.registry.models import Level


class SlaUnit(models.TextChoices):
    HOURS = "hours", _("自然小时")
    WORK_HOURS = "work_hours", _("工作小时")
    WORK_DAYS = "work_days", _("工作日")


class Stage(models.TextChoices):
    ACCEPT = "accept", _("受理")
    DISPATCH = "dispatch", _("派遣")
    RESOLVE = "resolve", _("处置")
    VERIFY = "verify", _("核查")


class Category(models.Model):
    """One kind of matter. A tree of two levels (group → kind); only leaves take reports. Shared by every
    subdistrict, edited in the admin."""

    code = models.SlugField(_("编码"), max_length=64, unique=True, help_text=_("如 property-lift；Open311 的 service_code"))
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级类别"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    description = models.CharField(_("说明"), max_length=300, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("以逗号分隔，供 Open311 检索"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    # Routing: which role (or which kind of organisation's liaison) handles it, found from which level up.
    handler_role = models.CharField(
        _("处置职责"), max_length=32, choices=Role.choices, default=Role.MICRO_GRID_MEMBER, blank=True
    )
    handler_org_kind = models.CharField(
        _("处置单位类别"), max_length=32, choices=OrganisationKind.choices, blank=True,
        help_text=_("填写后由该类单位的共建联络员处置，如派出所"),
    )
    handler_level = models.CharField(
        _("处置层级"), max_length=16, choices=Level.choices, default=Level.MICRO_GRID,
        help_text=_("从该层级起向上寻找处置人"),
    )
    is_public = models.BooleanField(_("公开"), default=True, help_text=_("公开的事项出现在公共地图和 Open311 中（不含个人信息）"))
    photos_required = models.PositiveSmallIntegerField(_("至少照片数"), default=0)
    duplicate_radius_m = models.PositiveIntegerField(_("疑似重复半径（米）"), default=50)
    duplicate_window_hours = models.PositiveIntegerField(_("疑似重复时间窗（小时）"), default=72)
    accept_sla = models.DecimalField(_("受理时限"), max_digits=6, decimal_places=2, default=2)
    accept_unit = models.CharField(_("受理时限单位"), max_length=12, choices=SlaUnit.choices, default=SlaUnit.WORK_HOURS)
    dispatch_sla = models.DecimalField(_("派遣时限"), max_digits=6, decimal_places=2, default=2)
    dispatch_unit = models.CharField(_("派遣时限单位"), max_length=12, choices=SlaUnit.choices, default=SlaUnit.WORK_HOURS)
    resolve_sla = models.DecimalField(_("处置时限"), max_digits=6, decimal_places=2, default=3)
    resolve_unit = models.CharField(_("处置时限单位"), max_length=12, choices=SlaUnit.choices, default=SlaUnit.WORK_DAYS)
    verify_sla = models.DecimalField(_("核查时限"), max_digits=6, decimal_places=2, default=1)
    verify_unit = models.CharField(_("核查时限单位"), max_length=12, choices=SlaUnit.choices, default=SlaUnit.WORK_DAYS)

    class Meta:
        verbose_name = _("事项类别")
        verbose_name_plural = _("事项类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def sla(self, stage: str) -> tuple[float, str]:
        return float(getattr(self, f"{stage}_sla")), getattr(self, f"{stage}_unit")


class AttributeType(models.TextChoices):
    STRING = "string", _("短文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("长文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


class CategoryAttribute(models.Model):
    """An extra question a category asks (Open311 attribute): e.g. the floor of a broken lift."""

    category = models.ForeignKey(Category, verbose_name=_("类别"), on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(_("编码"), max_length=40)
    description = models.CharField(_("问题"), max_length=200)
    datatype = models.CharField(_("类型"), max_length=20, choices=AttributeType.choices, default=AttributeType.STRING)
    required = models.BooleanField(_("必填"), default=False)
    variable = models.BooleanField(_("需填写"), default=True, help_text=_("否：仅为说明文字，不收集答案"))
    values = models.JSONField(
        _("选项"), default=list, blank=True, help_text=_('单选、多选的选项：[{"key": "1", "name": "一楼"}, …]')
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("类别附加项")
        verbose_name_plural = _("类别附加项")
        ordering = ["category_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="attribute_unique_code")]

    def __str__(self) -> str:
        return f"{self.category.code}.{self.code}"


class Holiday(models.Model):
    """The working calendar: public holidays, and weekend days made working days (调休)."""

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("名称"), max_length=30)
    is_workday = models.BooleanField(_("调休上班"), default=False, help_text=_("勾选：这天是补班的工作日"))

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Source(models.TextChoices):
    RESIDENT = "resident", _("居民上报")
    VISIT = "visit", _("入户走访")
    PATROL = "patrol", _("网格巡查")
    HOTLINE = "hotline", _("12345热线")
    API = "api", _("接口")
    OPEN311 = "open311", _("Open311")
    DELIBERATION = "deliberation", _("议事厅决议")


class State(models.TextChoices):
    REPORTED = "reported", _("已上报")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    DISPATCHED = "dispatched", _("已派遣")
    IN_PROGRESS = "in_progress", _("处置中")
    RESOLVED = "resolved", _("已处置")
    REWORK = "rework", _("返工")
    VERIFIED = "verified", _("已核查")
    CLOSED = "closed", _("已结案")
    EVALUATED = "evaluated", _("已评价")
    WITHDRAWN = "withdrawn", _("已撤回")
    MERGED = "merged", _("已合并")
    ON_HOLD = "on_hold", _("挂起")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


def _public_token() -> str:
    return secrets.token_urlsafe(12)


# The states of a matter still being worked (the lifecycle's OPEN_STATES): the worker's queue and the
# deadline sweep read only these, through partial indexes that hold only them.
OPEN_STATES = frozenset({
    State.REPORTED, State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS, State.RESOLVED, State.REWORK,
    State.VERIFIED, State.ON_HOLD,
})
_OPEN = Q(state__in=sorted(OPEN_STATES))


class Matter(TenantModel, Searchable):
    search_pinyin = False

    # The foreign keys that lead one of Meta.indexes (category, grid, assignee) have no index of their own,
    # and those seldom set (open311_client, supervised_by, merged_into) index only their rows that are: each
    # index is one more write per matter written and minutes of a ten-million-matter load.
    category = models.ForeignKey(Category, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="matters",
                                 db_index=False)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.REPORTED)
    description = models.TextField(_("描述"), max_length=2000)
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True)
    # Where: the grid node it was located to (a micro-grid when the point or unit says so), and either a
    # WGS84 point, a unit (and household), or both.
    grid = models.ForeignKey("registry.GridNode", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="matters",
                             db_index=False)
    unit = models.ForeignKey(
        "registry.Unit", verbose_name=_("单元"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("住户"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # Who: the reporter (a login, a person, or a name and phone typed by staff from a call).
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上报账号"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    reporter_name = models.CharField(_("上报人"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("上报人电话"), max_length=20, blank=True)
    reporter_email = models.EmailField(_("上报人邮箱"), blank=True)
    anonymous = models.BooleanField(_("对公众匿名"), default=False)
    open311_client = models.ForeignKey(
        "matters.Open311Client", verbose_name=_("Open311 客户端"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )
    device_id = models.CharField(_("设备标识"), max_length=100, blank=True)
    # Unique by a constraint (Meta), not `unique=True`, which on PostgreSQL adds a second index for LIKE
    # searches that a token never needs.
    token = models.CharField(_("回执令牌"), max_length=24, default=_public_token, editable=False)
    # Handling: the person on it now, the duty they were found by, and how far it has climbed.
    assignee = models.ForeignKey(
        "people.Person", verbose_name=_("处置人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_matters", db_index=False,
    )
    assignee_role = models.CharField(_("处置职责"), max_length=32, choices=Role.choices, blank=True)
    handling_grid = models.ForeignKey(
        "registry.GridNode", verbose_name=_("处置网格"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    escalation_level = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    # SLA: the running stage's deadline. `deadline_seq` changes whenever a new deadline is set, so that an
    # escalation is recorded once per deadline (see Escalation).
    stage = models.CharField(_("当前环节"), max_length=16, choices=Stage.choices, blank=True)
    deadline = models.DateTimeField(_("时限"), null=True, blank=True)
    deadline_seq = models.PositiveIntegerField(default=0, editable=False)
    held_state = models.CharField(_("挂起前状态"), max_length=16, choices=State.choices, blank=True)
    held_remaining_s = models.FloatField(null=True, blank=True, editable=False)
    breached = models.BooleanField(_("曾超时"), default=False)
    resolve_due = models.DateTimeField(_("处置时限"), null=True, blank=True)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    supervised_by = models.ForeignKey(
        "people.Person", verbose_name=_("督办人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reopened = models.BooleanField(_("已因不满意重启"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并到"), on_delete=models.SET_NULL, null=True, blank=True, related_name="merged",
        db_index=False,
    )
    created_at = models.DateTimeField(_("上报时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))
    resolved_at = models.DateTimeField(_("处置完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("关键小事")
        verbose_name_plural = _("关键小事")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["assignee", "state"]),
            models.Index(fields=["category", "created_at"]),
            models.Index(fields=["grid", "state"]),
            # A queue: open matters by deadline, of the whole city (an administrator), of the nodes in a
            # worker's scope, or handled in them. Partial: about one matter in a hundred is open.
            models.Index(fields=["deadline", "id"], condition=_OPEN, name="matter_open_by_deadline"),
            models.Index(fields=["grid", "deadline"], condition=_OPEN, name="matter_open_in_grid"),
            models.Index(fields=["handling_grid", "deadline"], condition=_OPEN, name="matter_open_handled_in"),
            # Seldom set: only the rows where they are.
            models.Index(fields=["open311_client"], condition=Q(open311_client__isnull=False),
                         name="matter_open311_client"),
            models.Index(fields=["supervised_by"], condition=Q(supervised_by__isnull=False), name="matter_supervised_by"),
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="matter_merged_into"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["token"], name="matter_token_unique"),
            models.CheckConstraint(
                condition=Q(lon__isnull=True, lat__isnull=True) | Q(lon__isnull=False, lat__isnull=False),
                name="matter_point_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category.name}"

    def search_parts(self) -> tuple[str, ...]:
        return (self.description, self.address)

    @property
    def is_open(self) -> bool:
        from .lifecycle import OPEN_STATES

        return self.state in OPEN_STATES


class Event(models.Model):
    """One step of a matter: append-only. `seq` orders a matter's events without relying on clocks."""

    # No index of its own: the unique (matter, seq) constraint leads with it.
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="events",
                               db_index=False)
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("动作"), max_length=20)
    from_state = models.CharField(_("原状态"), max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, choices=State.choices, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作账号"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人"), max_length=60, blank=True)
    note = models.CharField(_("说明"), max_length=1000, blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    public = models.BooleanField(_("居民可见"), default=True)

    class Meta:
        verbose_name = _("事项记录")
        verbose_name_plural = _("事项记录")
        ordering = ["matter_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["matter", "seq"], name="event_unique_seq")]

    def __str__(self) -> str:
        return f"#{self.matter_id}.{self.seq} {self.action}"


class PhotoKind(models.TextChoices):
    REPORT = "report", _("上报")
    BEFORE = "before", _("处置前")
    AFTER = "after", _("处置后")
    OTHER = "other", _("其他")


def _photo_path(instance, filename: str) -> str:
    return f"matters/{instance.matter_id}/{secrets.token_hex(8)}.{filename.rsplit('.', 1)[-1]}"


class Photo(models.Model):
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        Event, verbose_name=_("记录"), on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=PhotoKind.choices, default=PhotoKind.REPORT)
    file = models.FileField(_("文件"), upload_to=_photo_path, blank=True)
    url = models.URLField(_("外部地址"), max_length=500, blank=True, help_text=_("Open311 的 media_url"))
    content_type = models.CharField(_("类型"), max_length=40, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["matter_id", "id"]

    def __str__(self) -> str:
        return f"#{self.matter_id} {self.get_kind_display()}"


class Comment(models.Model):
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="comments")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作者"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    author_label = models.CharField(_("署名"), max_length=60)
    body = models.CharField(_("内容"), max_length=1000)
    internal = models.BooleanField(_("仅工作人员可见"), default=False)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("留言")
        verbose_name_plural = _("留言")
        ordering = ["matter_id", "id"]

    def __str__(self) -> str:
        return f"#{self.matter_id} {self.author_label}"


class Escalation(models.Model):
    """A breached deadline and what was done about it. Unique per (matter, deadline): however many
    sweeps run at once, or crash and rerun, one breach escalates once."""

    # No index of its own: the unique (matter, deadline_seq) constraint leads with it.
    matter = models.ForeignKey(Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="escalations",
                               db_index=False)
    deadline_seq = models.PositiveIntegerField()
    stage = models.CharField(_("环节"), max_length=16, choices=Stage.choices)
    deadline = models.DateTimeField(_("原时限"))
    at = models.DateTimeField(_("升级时间"))
    from_person = models.ForeignKey(
        "people.Person", verbose_name=_("原处置人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_person = models.ForeignKey(
        "people.Person", verbose_name=_("新处置人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_grid = models.ForeignKey(
        "registry.GridNode", verbose_name=_("升级到"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("超时升级")
        verbose_name_plural = _("超时升级")
        ordering = ["-at"]
        constraints = [models.UniqueConstraint(fields=["matter", "deadline_seq"], name="escalation_once_per_deadline")]

    def __str__(self) -> str:
        return f"#{self.matter_id} {self.get_stage_display()} {self.at:%Y-%m-%d %H:%M}"


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` (or an Open311 device's repeat): the same key from the same client
    returns the matter it first created."""

    client = models.CharField(max_length=80)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.client} {self.key}"


class Open311Client(TenantModel):
    """An Open311 client allowed to post requests for one jurisdiction (the subdistrict). Only the key's
    SHA-256 digest is stored."""

    name = models.CharField(_("名称"), max_length=100)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
