"""矛盾纠纷调解: the data.

A dispute (纠纷) happened somewhere in the grid, between parties (当事人: residents of the registry, or
outsiders typed in by the mediator), and is mediated by one or more mediators (调解员) in sessions
(调解记录). It ends with one outcome — an agreement (调解协议), a referral to another body, a failure or a
withdrawal — each with the fields it requires. After an agreement a follow-up visit (回访) is due.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core import pii
from wangge.core.models import Searchable, TenantModel


class Kind(models.TextChoices):
    NEIGHBOURS = "neighbours", _("邻里纠纷")
    NOISE = "noise", _("噪音")
    LEAK = "leak", _("楼上楼下漏水")
    PARKING = "parking", _("停车")
    PROPERTY_FEE = "property_fee", _("物业费")
    FAMILY = "family", _("家庭纠纷")
    TENANCY = "tenancy", _("租赁")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    OPEN = "open", _("待调解")
    MEDIATING = "mediating", _("调解中")
    AGREEMENT = "agreement", _("达成协议")
    REFERRED = "referred", _("已移交")
    FAILED = "failed", _("调解不成")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = frozenset({Status.OPEN, Status.MEDIATING})
OUTCOMES = (Status.AGREEMENT, Status.REFERRED, Status.FAILED, Status.WITHDRAWN)


class ReferredTo(models.TextChoices):
    POLICE = "police", _("派出所")
    COURT = "court", _("人民法院")
    OTHER = "other", _("其他部门")


class Side(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    OTHER = "other", _("其他当事人")


def _signed_copy_path(instance, filename: str) -> str:
    # Random names: a file name can carry a person's name; the file is served only through a scoped view.
    return f"disputes/{instance.pk}/{secrets.token_hex(8)}.{filename.rsplit('.', 1)[-1]}"


class Dispute(TenantModel, Searchable):
    search_pinyin = False

    grid = models.ForeignKey(
        "registry.GridNode", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="disputes",
        help_text=_("纠纷发生地所在的网格"),
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("发生地住户"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    kind = models.CharField(_("纠纷类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=100)
    summary = models.TextField(_("纠纷事实"), max_length=2000, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    matter = models.ForeignKey(
        "matters.Matter", verbose_name=_("来源事项"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="disputes",
    )
    mediators = models.ManyToManyField(
        "people.Person", verbose_name=_("调解员"), related_name="mediated_disputes", blank=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记账号"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    opened_by_label = models.CharField(_("登记人"), max_length=60, blank=True)
    opened_at = models.DateTimeField(_("登记时间"), db_index=True)
    updated_at = models.DateTimeField(_("更新时间"))
    concluded_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    concluded_by_label = models.CharField(_("结案人"), max_length=60, blank=True)
    # Outcome: which fields each outcome requires is decided in services.dispute_conclude.
    agreement_terms = models.TextField(_("协议内容"), max_length=4000, blank=True)
    referred_to = models.CharField(_("移交去向"), max_length=16, choices=ReferredTo.choices, blank=True)
    referred_body = models.CharField(_("移交单位"), max_length=100, blank=True)
    failure_reason = models.CharField(_("调解不成原因"), max_length=1000, blank=True)
    withdrawal_reason = models.CharField(_("撤回原因"), max_length=1000, blank=True)
    # The follow-up visit after an agreement (回访).
    follow_up_on = models.DateField(_("回访日期"), null=True, blank=True)
    follow_up_done_on = models.DateField(_("回访完成日期"), null=True, blank=True)
    follow_up_note = models.CharField(_("回访情况"), max_length=1000, blank=True)
    follow_up_reminded_on = models.DateField(_("回访提醒日期"), null=True, blank=True, editable=False)
    # The agreement as signed on paper, scanned or photographed.
    signed_copy = models.FileField(_("签字协议"), upload_to=_signed_copy_path, blank=True)
    signed_copy_type = models.CharField(_("签字协议类型"), max_length=40, blank=True)
    signed_copy_at = models.DateTimeField(_("签字协议上传时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["grid", "status"]), models.Index(fields=["status", "follow_up_on"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def search_parts(self) -> tuple[str, ...]:
        return (self.title, self.summary)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def number(self) -> str:
        """The agreement's number as a mediation committee writes it: （2025）调字第 12 号."""
        year = (self.concluded_at or self.opened_at).year
        return f"（{year}）调字第 {self.pk} 号"


class Party(models.Model):
    """A party to a dispute: a resident of the registry (whose phone and ID number stay on the resident
    row), or an outsider whose data is kept here. Phones and ID numbers are masked in every answer."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("纠纷"), on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("身份"), max_length=16, choices=Side.choices, default=Side.APPLICANT)
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("居民"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    added_at = models.DateTimeField(_("添加时间"))

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["dispute_id", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_side_display()}）"

    @property
    def is_resident(self) -> bool:
        return self.resident_id is not None

    def full_phone(self) -> str:
        return self.resident.phone if self.resident_id else self.phone

    def full_id_number(self) -> str:
        return self.resident.id_number if self.resident_id else self.id_number

    @property
    def masked_phone(self) -> str:
        return pii.mask_phone(self.full_phone())

    @property
    def masked_id_number(self) -> str:
        return pii.mask_id_number(self.full_id_number())


class Session(models.Model):
    """One mediation session: when and where, what was said, who came."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("纠纷"), on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("地点"), max_length=100)
    notes = models.TextField(_("调解记录"), max_length=4000)
    parties_present = models.ManyToManyField(Party, verbose_name=_("到场当事人"), related_name="sessions", blank=True)
    mediators_present = models.ManyToManyField(
        "people.Person", verbose_name=_("到场调解员"), related_name="mediation_sessions", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录账号"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    recorded_by_label = models.CharField(_("记录人"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["dispute_id", "held_at", "id"]

    def __str__(self) -> str:
        return f"#{self.dispute_id} {self.held_at:%Y-%m-%d %H:%M} {self.place}"
