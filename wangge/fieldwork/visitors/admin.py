"""Admin: check rules are edited here (or on the rules page / API); visitor records are looked at only —
their phones masked — and removed by the retention purge."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wangge.core.admin import ReadOnlyAdmin
from wangge.core.pii import mask_phone

from .models import CheckItem, Visitor


@admin.register(CheckItem)
class CheckItemAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "grid", "kind", "unit", "min_value", "max_value", "pass_label", "required",
                    "order", "active", "updated_at"]
    list_filter = ["kind", "active", "required"]
    list_editable = ["order", "active"]
    search_fields = ["code", "label", "grid__name"]
    list_select_related = ["grid"]
    raw_id_fields = ["grid"]
    exclude = ["subdistrict"]


@admin.register(Visitor)
class VisitorAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["id", "name", "phone_masked", "estate", "post", "status", "flagged", "registered_at",
                    "checked_by_label", "host_confirmed"]
    list_filter = ["status", "flagged", "host_confirmed"]
    search_fields = ["search_text", "ticket"]
    date_hierarchy = "registered_at"
    list_select_related = ["estate", "post"]
    exclude = ["phone", "search_text"]
    readonly_fields = ["phone_masked"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("手机号"))
    def phone_masked(self, obj):
        return mask_phone(obj.phone)
