"""突发事件: the data.

An emergency (or a drill) is declared at a grid node and/or on buildings; every household of the
affected buildings gets one `HouseholdStatus` row at the declaration (not reached), which workers set to
safe or needs help from their phones; every change is appended to `StatusChange`. The all-clear closes
the emergency with a report and a generated summary."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.models import Searchable, TenantModel


class Kind(models.TextChoices):
    FIRE = "fire", _("火灾")
    FLOOD = "flood", _("洪涝")
    GAS_LEAK = "gas_leak", _("燃气泄漏")
    POWER_CUT = "power_cut", _("停电")
    EARTHQUAKE = "earthquake", _("地震")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    ACTIVE = "active", _("处置中")
    CLEARED = "cleared", _("已解除")


class HouseholdState(models.TextChoices):
    NOT_REACHED = "not_reached", _("未联系上")
    SAFE = "safe", _("安全")
    NEEDS_HELP = "needs_help", _("需要救助")


class Emergency(TenantModel, Searchable):
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("情况说明"), blank=True)
    drill = models.BooleanField(_("演练"), default=False, help_text=_("演练走同样的流程，所有通知标题都标明“演练”"))
    grid = models.ForeignKey(
        "registry.GridNode", verbose_name=_("发生网格"), on_delete=models.PROTECT, related_name="emergencies",
        help_text=_("宣布的网格；只选楼栋时为这些楼栋共同的最低一级网格"),
    )
    buildings = models.ManyToManyField("registry.Building", verbose_name=_("受影响楼栋"), related_name="emergencies")
    declared_by = models.ForeignKey(
        "people.Person", verbose_name=_("宣布人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    declared_at = models.DateTimeField(_("宣布时间"), default=timezone.now, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        "people.Person", verbose_name=_("解除人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    report = models.TextField(_("处置报告"), blank=True)
    summary = models.JSONField(_("汇总"), default=dict, blank=True, help_text=_("解除时生成：各状态户数、未联系上和需要救助的住户"))
    notified = models.JSONField(_("通知情况"), default=dict, blank=True, help_text=_("宣布时发出的通知数"))

    class Meta:
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="active", cleared_at__isnull=True) | Q(status="cleared", cleared_at__isnull=False),
                name="emergency_cleared_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{'【演练】' if self.drill else ''}{self.title}"

    def search_parts(self) -> tuple[str, ...]:
        return (self.title, self.get_kind_display())

    @property
    def is_active(self) -> bool:
        return self.status == Status.ACTIVE


class HouseholdStatus(TenantModel):
    """Where one affected household stands in one emergency."""

    emergency = models.ForeignKey(Emergency, verbose_name=_("突发事件"), on_delete=models.CASCADE,
                                  related_name="households")
    household = models.ForeignKey("registry.Household", verbose_name=_("住户"), on_delete=models.PROTECT,
                                  related_name="emergency_statuses")
    status = models.CharField(_("状态"), max_length=12, choices=HouseholdState.choices,
                              default=HouseholdState.NOT_REACHED)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    confirmed_by = models.ForeignKey(
        "people.Person", verbose_name=_("确认人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("住户状态")
        verbose_name_plural = _("住户状态")
        ordering = ["emergency_id", "household__unit__building__name", "household__floor", "household__unit__name",
                    "household__room"]
        constraints = [models.UniqueConstraint(fields=["emergency", "household"], name="emergency_household_once")]
        indexes = [models.Index(fields=["emergency", "status"])]

    def __str__(self) -> str:
        return f"{self.household} · {self.get_status_display()}"


class StatusChange(TenantModel):
    """Append-only history of the household statuses: who set what, when."""

    entry = models.ForeignKey(HouseholdStatus, verbose_name=_("住户状态"), on_delete=models.CASCADE,
                              related_name="changes")
    status = models.CharField(_("状态"), max_length=12, choices=HouseholdState.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    by = models.ForeignKey("people.Person", verbose_name=_("确认人"), on_delete=models.SET_NULL, null=True,
                           blank=True, related_name="+")
    by_label = models.CharField(_("确认人姓名"), max_length=50, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("住户状态记录")
        verbose_name_plural = _("住户状态记录")
        ordering = ["entry_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.entry.household} → {self.get_status_display()}"
