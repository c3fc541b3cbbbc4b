"""门岗值守: gate posts. Shift templates, rosters, swaps and check-ins build on the post; visitor checks
(wangge.fieldwork.visitors) hang from it too."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.models import TenantModel


def new_qr_token() -> str:
    return secrets.token_hex(12)


class Post(TenantModel):
    """A staffed gate of an estate (小区出入口). Its QR token is what the visitor's code at the gate carries."""

    estate = models.ForeignKey(
        "registry.GridNode", verbose_name=_("小区网格"), on_delete=models.PROTECT, related_name="gate_posts"
    )
    name = models.CharField(_("名称"), max_length=60)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    checkin_radius_m = models.PositiveIntegerField(_("签到半径（米）"), default=200)
    qr_token = models.CharField(_("二维码令牌"), max_length=32, unique=True, default=new_qr_token, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("门岗")
        verbose_name_plural = _("门岗")
        ordering = ["estate_id", "name"]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="gate_post_name_per_estate")]

    def __str__(self) -> str:
        return self.name
