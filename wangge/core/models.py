from django.db import models
from django.utils.translation import gettext_lazy as _


class TenantModel(models.Model):
    """Every tenant row carries the id of its subdistrict (街道), so that tables can later be distributed
    on it (Citus) without a migration of meaning. Services set it from the row's place in the grid."""

    subdistrict = models.ForeignKey(
        "registry.GridNode",
        verbose_name=_("街道"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=True,
    )

    class Meta:
        abstract = True
