"""访客登记 (一测三查一登记): the check rules, as data, and the visitor records.

- `CheckItem`: one item of a gate's check rules — a measurement (体温 °C, allowed 35.0–37.2) or a
  pass/fail check (健康码 绿码, 行程卡, 身份证核验). Items hang from a grid node (a subdistrict's default, a
  community's or an estate's override) or from nothing (the built-in default). The rules of an estate are
  the active items of the nearest node, the estate itself first, that has any items at all.
- `Visitor`: one registration at a gate post. It keeps a snapshot of the rules in force when the visitor
  registered and, once the guard has checked them, the values, so later rule changes never alter an old
  record. Records are purged after `VISITOR_RETENTION_DAYS` (default 30).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core import pii
from wangge.core.models import Searchable, TenantModel


class Kind(models.TextChoices):
    MEASURE = "measure", _("测量")
    CHECK = "check", _("查验")


class CheckItem(TenantModel):
    grid = models.ForeignKey(
        "registry.GridNode", verbose_name=_("网格"), on_delete=models.CASCADE, related_name="visitor_check_items",
        help_text=_("街道的默认规则，或社区、小区的单独规则（都没有时用系统内置的一测三查）"),
    )
    code = models.SlugField(_("代码"), max_length=30, help_text=_("如 temp、health_code"))
    label = models.CharField(_("名称"), max_length=30, help_text=_("如“体温”“健康码”"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    unit = models.CharField(_("单位"), max_length=10, blank=True, help_text=_("测量项的单位，如 °C"))
    min_value = models.DecimalField(_("下限"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("上限"), max_digits=8, decimal_places=2, null=True, blank=True)
    pass_label = models.CharField(_("通过标准"), max_length=30, blank=True, help_text=_("查验项的通过标准，如“绿码”"))
    required = models.BooleanField(_("必填"), default=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("访客查验项")
        verbose_name_plural = _("访客查验项")
        ordering = ["grid_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "code"], name="visitor_check_item_code_per_grid"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.grid_id is not None:
            self.subdistrict = self.grid.tenant
        if self.kind == Kind.MEASURE:
            if self.min_value is None and self.max_value is None:
                raise ValidationError({"min_value": _("测量项需要允许范围（下限或上限）")})
            if None not in (self.min_value, self.max_value) and self.min_value > self.max_value:
                raise ValidationError({"max_value": _("上限不能小于下限")})

    def snapshot(self) -> dict:
        return {
            "code": self.code, "label": self.label, "kind": self.kind, "unit": self.unit,
            "min": float(self.min_value) if self.min_value is not None else None,
            "max": float(self.max_value) if self.max_value is not None else None,
            "pass_label": self.pass_label, "required": self.required,
        }


class Status(models.TextChoices):
    REGISTERED = "registered", _("待查验")
    ADMITTED = "admitted", _("已放行")
    REFUSED = "refused", _("已劝返")


class Visitor(TenantModel, Searchable):
    search_pinyin = True

    post = models.ForeignKey("gates.Post", verbose_name=_("门岗"), on_delete=models.PROTECT, related_name="visitors")
    estate = models.ForeignKey("registry.GridNode", verbose_name=_("小区网格"), on_delete=models.PROTECT,
                               related_name="visitors")
    ticket = models.CharField(_("登记码"), max_length=8, db_index=True,
                              help_text=_("访客手机上显示的短码，门岗凭此查找"))
    name = models.CharField(_("姓名"), max_length=30)
    phone = models.CharField(_("手机号"), max_length=20)
    purpose = models.CharField(_("来访事由"), max_length=100)
    host_household = models.ForeignKey(
        "registry.Household", verbose_name=_("被访住户"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="visitors",
    )
    host_text = models.CharField(_("被访地址"), max_length=60, help_text=_("访客填写的楼栋、单元、房号"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    rules = models.JSONField(_("登记时的查验规则"), default=list, blank=True)
    checks = models.JSONField(_("查验结果"), default=list, blank=True)
    flagged = models.BooleanField(_("有异常"), default=False, help_text=_("有测量值超出范围或查验未通过"))
    note = models.CharField(_("门岗备注"), max_length=200, blank=True)
    registered_at = models.DateTimeField(_("登记时间"), db_index=True)
    checked_at = models.DateTimeField(_("查验时间"), null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查验人"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    checked_by_label = models.CharField(_("查验人姓名"), max_length=60, blank=True)
    checked_post = models.ForeignKey("gates.Post", verbose_name=_("查验门岗"), on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    host_confirmed = models.BooleanField(_("住户确认"), null=True, blank=True,
                                         help_text=_("是：住户确认是自己的访客；否：住户表示不认识；空：未答复"))
    host_answered_at = models.DateTimeField(_("住户答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("访客登记")
        verbose_name_plural = _("访客登记")
        ordering = ["-registered_at", "-id"]
        indexes = [models.Index(fields=["estate", "status", "registered_at"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.registered_at:%Y-%m-%d %H:%M}）"

    def search_parts(self) -> tuple[str, ...]:
        return (self.name, self.ticket, self.purpose, self.host_text, self.phone[-4:])

    @property
    def masked_phone(self) -> str:
        return pii.mask_phone(self.phone)

    @property
    def masked_host(self) -> str:
        """The host address with the room's door hidden (3号楼1单元3**)."""
        if self.host_household_id is not None:
            h = self.host_household
            return f"{h.unit.building.name}{h.unit.name}{pii.mask_room(h.room)}"
        return pii.mask_room(self.host_text) if len(self.host_text) <= 4 else self.host_text[:-2] + "**"
