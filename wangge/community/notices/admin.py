from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin

from .models import Notice, Receipt


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: notices are written, published and withdrawn on their pages (the services tell the
    audience)."""

    list_display = ["title", "audience", "status", "pinned", "publish_at", "expires_at", "author_label"]
    list_filter = ["status", "audience", "pinned"]
    search_fields = ["title"]
    date_hierarchy = "publish_at"
    filter_horizontal = ["grids", "buildings"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["notice", "person", "read_at"]
    list_select_related = ["notice", "person"]
    raw_id_fields = ["notice", "person"]
