import json

from django import forms
from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from wangge.core import pii
from wangge.core.admin import ReadOnlyAdmin
from wangge.core.errors import InvalidInput
from wangge.registry.models import Level

from . import services
from .models import Delivery, Notification, Preference, Webhook, WebhookAttempt, WebhookDelivery


def _pretty(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: notifications are written by notify() and read by their recipient."""

    list_display = ["created_at", "recipient", "event", "title", "read_at"]
    list_select_related = ["recipient"]
    search_fields = ["title", "event", "recipient__search_text"]
    date_hierarchy = "created_at"
    fields = ["recipient", "event", "title", "body", "link", "payload_json", "attachment_list", "created_at", "read_at",
              "subdistrict"]
    readonly_fields = fields

    @admin.display(description=_("数据"))
    def payload_json(self, obj):
        return _pretty(obj.payload)

    @admin.display(description=_("附件"))
    def attachment_list(self, obj):
        """The files its email carried: name, type and size (the content stays in the database)."""
        return format_html_join(", ", "{} ({}, {} B)",
                                ((a.filename, a.mimetype, a.size) for a in obj.attachments.all())) or "—"


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: each person chooses their own channels (on the inbox's preferences page)."""

    list_display = ["person", "email", "sms", "digest", "updated_at"]
    list_filter = ["email", "sms", "digest"]
    list_select_related = ["person"]
    search_fields = ["person__search_text"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The log of emails, text messages and digests: what was sent, what is waiting to be retried, and
    what was given up, with the last error."""

    list_display = ["created_at", "person", "number", "channel", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["channel", "state"]
    list_select_related = ["person"]
    search_fields = ["person__search_text", "last_error"]
    date_hierarchy = "created_at"
    fields = ["person", "number", "text", "channel", "notification", "digest_day", "state", "attempts", "last_error",
              "next_attempt_at", "created_at", "sent_at", "subdistrict"]
    readonly_fields = fields

    @admin.display(description=_("手机号码"))
    def number(self, obj: Delivery) -> str:
        """A text to a bare number: the number, masked like every phone in wangge."""
        return pii.mask_phone(obj.address) if obj.address else ""


class WebhookForm(forms.ModelForm):
    """The service's rules, checked in the form so that the admin shows them beside their fields."""

    url = forms.URLField(label=_("地址"), max_length=500, assume_scheme="https")

    class Meta:
        model = Webhook
        fields = ["subdistrict", "name", "url", "events", "active"]

    def clean_events(self):
        try:
            return services.clean_events(self.cleaned_data.get("events") or [])
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_url(self):
        url = self.cleaned_data.get("url", "")
        address = services.blocked_address(url) if url else None
        if address is not None:
            raise forms.ValidationError(_("不能发往本机或链路本地地址（%(address)s）") % {"address": address})
        return url

    def clean_subdistrict(self):
        subdistrict = self.cleaned_data.get("subdistrict")
        if subdistrict is not None and subdistrict.level != Level.SUBDISTRICT:
            raise forms.ValidationError(_("Webhook 应设在街道一级"))
        return subdistrict


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Webhooks are kept, not deleted (their delivery log refers to them): switch one off instead. The
    signing secret is generated, and shown once — when created, or when renewed by the action."""

    form = WebhookForm
    list_display = ["name", "subdistrict", "url", "events", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    raw_id_fields = ["subdistrict"]
    readonly_fields = ["secret_hint", "created_at"]
    actions = ["rotate_secret"]

    def get_fields(self, request, obj=None):
        return ["subdistrict", "name", "url", "events", "active", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # A webhook stays in its subdistrict: its deliveries carry that tenant key.
        return [*self.readonly_fields, "subdistrict"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("签名密钥"))
    def secret_hint(self, obj):
        return f"{obj.secret[:6]}…" if obj.secret else _("保存后生成，只显示一次")

    def _show_secret(self, request, webhook):
        self.message_user(
            request, _("%(name)s 的签名密钥（只显示这一次，请复制保存）：%(secret)s")
            % {"name": webhook.name, "secret": webhook.secret}, messages.WARNING,
        )

    def save_model(self, request, obj, form, change):
        # Writes go through the services, which check the actor's permission and generate the secret.
        if change:
            services.webhook_update(actor=request.user, webhook=obj, name=obj.name, url=obj.url,
                                    events=obj.events, active=obj.active)
            return
        created = services.webhook_create(actor=request.user, subdistrict=obj.subdistrict, name=obj.name,
                                          url=obj.url, events=obj.events, active=obj.active)
        obj.pk, obj.secret, obj.created_at = created.pk, created.secret, created.created_at
        self._show_secret(request, created)

    @admin.action(description=_("重新生成签名密钥"))
    def rotate_secret(self, request, queryset):
        for webhook in queryset:
            self._show_secret(request, services.webhook_rotate_secret(actor=request.user, webhook=webhook))


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "at", "response_status", "error", "duration_ms"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The webhook delivery log: every event sent, and every attempt's answer (status, error, time)."""

    list_display = ["created_at", "webhook", "event", "state", "attempts", "response_status", "next_attempt_at",
                    "delivered_at"]
    list_filter = ["state", "webhook"]
    list_select_related = ["webhook"]
    search_fields = ["event", "last_error"]
    date_hierarchy = "created_at"
    fields = ["webhook", "event", "payload_json", "state", "attempts", "response_status", "last_error",
              "next_attempt_at", "created_at", "delivered_at", "subdistrict"]
    readonly_fields = fields
    inlines = [WebhookAttemptInline]

    @admin.display(description=_("数据"))
    def payload_json(self, obj):
        return _pretty(obj.payload)
