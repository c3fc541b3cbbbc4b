"""Open311 clients in the admin: who holds a key, for which subdistrict, and whether it still works.
Keys are issued with `wangge open311-key create` (the key is shown once); here they can be revoked."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ..models import Open311Client
from . import keys


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "subdistrict", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    fields = ["name", "prefix", "subdistrict", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "subdistrict", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # the key would have to be shown once: `wangge open311-key create`

    def has_delete_permission(self, request, obj=None):
        return False  # matters keep pointing at the client that sent them; revoke instead

    @admin.action(description=_("吊销所选客户端的密钥"))
    def revoke(self, request, queryset):
        done = 0
        for client in queryset.filter(revoked_at__isnull=True):
            keys.client_revoke_id(client_id=client.pk)
            done += 1
        self.message_user(request, _("已吊销 %(n)d 个客户端") % {"n": done}, messages.SUCCESS)
