"""Reports in the admin: read-only (they are made by the job), and the subscriptions, which an admin may add
and remove for anyone through the service."""

from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin

from . import services
from .models import Report, ReportSubscription


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "grid", "month", "status", "stage", "progress", "requested_by", "finished_at"]
    list_filter = ["status", "month"]
    list_select_related = ["grid", "requested_by"]
    search_fields = ["grid__name", "grid__code", "error"]
    date_hierarchy = "created_at"


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "grid", "created_at"]
    list_select_related = ["user", "grid"]
    search_fields = ["user__username", "grid__name", "grid__code"]
    raw_id_fields = ["user", "grid"]
    fields = ["user", "grid"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # add or remove; a subscription has nothing to change

    def save_model(self, request, obj, form, change):
        # Through the service, which checks the node's level and that the user may see it.
        saved = services.subscription_set(actor=request.user, user=obj.user, node_id=obj.grid_id, subscribed=True)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.subscription_set(actor=request.user, user=obj.user, node_id=obj.grid_id, subscribed=False)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("user"):
            self.delete_model(request, obj)
