from django.db import models
from django.utils.translation import gettext_lazy as _

from .text import search_key


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


class Searchable(models.Model):
    """Rows found by `q=`: `search_text` holds the simplified, lower-case text of `search_parts()`, with
    pinyin and initials for Chinese names (see core.text). Kept current on every save; bulk inserts call
    `refresh_search_text()` themselves."""

    search_text = models.TextField(editable=False, default="")
    search_pinyin = True

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.refresh_search_text()
        super().save(*args, **kwargs)

    def search_parts(self) -> tuple[str, ...]:
        return (self.name,)

    def refresh_search_text(self) -> None:
        self.search_text = search_key(*self.search_parts(), pinyin=self.search_pinyin)
