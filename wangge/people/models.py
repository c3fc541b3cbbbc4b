"""People, organisations, memberships and duties — and the tokens and logs of access."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core import pii
from wangge.core.models import Searchable, TenantModel


class Person(TenantModel, Searchable):
    """Anyone who holds a duty or belongs to an organisation. Optionally a resident, optionally a login."""

    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    resident = models.OneToOneField(
        "registry.Resident",
        verbose_name=_("居民"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    # Where a person who is not a resident (property staff, a joint unit's officer…) was registered: it
    # puts them in the scope of the people who manage that grid before they hold any duty there.
    grid = models.ForeignKey(
        "registry.GridNode",
        verbose_name=_("登记网格"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registered_persons",
        help_text=_("不是居民的人员在哪个网格登记；居民随其住户"),
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


    @property
    def masked_phone(self) -> str:
        return pii.mask_phone(self.phone)


class OrganisationKind(models.TextChoices):
    COMMUNITY_PARTY_COMMITTEE = "community_party_committee", _("社区党委")
    GRID_PARTY_GROUP = "grid_party_group", _("网格党小组")
    PROPERTY_PARTY_ORG = "property_party_org", _("物业企业党组织")
    RESIDENTS_COMMITTEE = "residents_committee", _("社区居委会")
    PROPERTY_COMPANY = "property_company", _("物业服务企业")
    SUBDISTRICT_OFFICE = "subdistrict_office", _("街道办事处")
    POLICE_STATION = "police_station", _("派出所")
    HOUSING_BUREAU = "housing_bureau", _("住建局")
    FIRE_BRIGADE = "fire_brigade", _("消防队")
    JOINT_UNIT = "joint_unit", _("其他共驻共建单位")


JOINT_UNIT_KINDS = {
    OrganisationKind.POLICE_STATION,
    OrganisationKind.HOUSING_BUREAU,
    OrganisationKind.FIRE_BRIGADE,
    OrganisationKind.JOINT_UNIT,
}
PARTY_KINDS = {
    OrganisationKind.COMMUNITY_PARTY_COMMITTEE,
    OrganisationKind.GRID_PARTY_GROUP,
    OrganisationKind.PROPERTY_PARTY_ORG,
}


class Organisation(TenantModel, Searchable):
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=32, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级组织"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    grid = models.ForeignKey(
        "registry.GridNode",
        verbose_name=_("所在网格"),
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text=_("组织所在或负责的网格节点"),
    )

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


    @property
    def is_joint_unit(self) -> bool:
        return self.kind in JOINT_UNIT_KINDS


class Membership(TenantModel):
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="memberships"
    )
    post = models.CharField(_("职务"), max_length=50, blank=True)
    is_party_member = models.BooleanField(_("党员"), default=False)
    start = models.DateField(_("开始日期"), default=timezone.localdate)
    end = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        ordering = ["organisation_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"], condition=Q(end__isnull=True), name="membership_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organisation}"


class Role(models.TextChoices):
    TWO_COMMITTEE_MEMBER = "two_committee_member", _("社区两委成员")
    GRID_LEADER = "grid_leader", _("网格长")
    GRID_MEMBER = "grid_member", _("网格员")
    MICRO_GRID_MEMBER = "micro_grid_member", _("微网格员")
    BUILDING_STEWARD = "building_steward", _("楼栋管家")
    INFORMATION_OFFICER = "information_officer", _("信息员")
    PROPERTY_SUPERVISOR = "property_supervisor", _("物业服务监督员")
    PROPERTY_STAFF = "property_staff", _("物业服务人员")
    JOINT_UNIT_LIAISON = "joint_unit_liaison", _("共建单位联络员")
    RESIDENT_REPRESENTATIVE = "resident_representative", _("居民代表")
    PARTY_BUILDING_HEAD = "party_building_head", _("党员楼栋长")


class DutyQuerySet(models.QuerySet):
    def current(self, at=None):
        at = at or timezone.now()
        return self.filter(Q(start__lte=at) & (Q(end__isnull=True) | Q(end__gt=at)))


class Duty(TenantModel):
    """Person × role × grid node × period. One person holds many. A duty whose `end` has passed gives
    no access at all, from that instant."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="duties")
    role = models.CharField(_("职责"), max_length=32, choices=Role.choices)
    grid = models.ForeignKey(
        "registry.GridNode", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="duties"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属组织"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duties",
    )
    start = models.DateTimeField(_("开始"), default=timezone.now)
    end = models.DateTimeField(_("结束"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = DutyQuerySet.as_manager()

    class Meta:
        verbose_name = _("职责")
        verbose_name_plural = _("职责")
        ordering = ["grid_id", "role", "id"]
        indexes = [models.Index(fields=["person", "end"]), models.Index(fields=["grid", "role"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gt=models.F("start")), name="duty_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.grid.name}"

    @property
    def is_current(self) -> bool:
        now = timezone.now()
        return self.start <= now and (self.end is None or self.end > now)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked = models.BooleanField(_("已吊销"), default=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class PiiAccessLog(models.Model):
    """Who saw whose personal information in full, when and why. Append-only; admins read it."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT)
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("被查看居民"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    person = models.ForeignKey(Person, verbose_name=_("被查看人员"), on_delete=models.SET_NULL, null=True, related_name="+")
    subject_name = models.CharField(_("被查看人姓名"), max_length=50)
    fields = models.CharField(_("字段"), max_length=100)
    purpose = models.CharField(_("用途"), max_length=30, default="view")
    reason = models.CharField(_("事由"), max_length=200)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.actor} → {self.subject_name} ({self.at:%Y-%m-%d %H:%M})"
