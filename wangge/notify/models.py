"""Notifications: the inbox, each person's channels, the outbox of emails and text messages, and
outbound webhooks with their delivery log.

Email, text messages and webhooks go out through outbox rows written in the same transaction as the
change they announce: a job sends them after the commit, and a sweep every minute sends whatever is
due (a retry, or a row whose job was lost), so nothing is lost between the commit and the queue."""

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.models import TenantModel


class Attachment(TenantModel):
    """A file sent with the emails of one notify() call (a calendar invitation's .ics, say): stored once
    however many recipients, and attached to each notification's email (not to the daily digest)."""

    filename = models.CharField(_("文件名"), max_length=100)
    mimetype = models.CharField(_("类型"), max_length=100, help_text=_("如 text/calendar"))
    content = models.BinaryField(_("内容"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("通知附件")
        verbose_name_plural = _("通知附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def size(self) -> int:
        return len(self.content or b"")


class Notification(TenantModel):
    """One inbox entry of one person. The inbox is always on, whatever the person's channels."""

    recipient = models.ForeignKey(
        "people.Person", verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.CharField(_("事件"), max_length=64, help_text=_("事件代码，如 matter.assigned"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True, help_text=_("本站内的路径，如 /matters/12/"))
    payload = models.JSONField(_("数据"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    attachments = models.ManyToManyField(Attachment, verbose_name=_("附件"), blank=True, related_name="notifications")

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "-created_at"], name="notify_inbox_newest"),
        ]

    def __str__(self) -> str:
        return self.title


class Preference(TenantModel):
    """How one person wants to hear of notifications beyond the inbox. Created the first time they
    change it; until then `preference_get` answers the defaults."""

    person = models.OneToOneField(
        "people.Person", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="notify_preference"
    )
    email = models.BooleanField(_("电子邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=False)
    digest = models.BooleanField(
        _("每日汇总"), default=False, help_text=_("开启后不再逐条发送邮件和短信，每天早上发一封邮件汇总前一天的通知")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return str(self.person)


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    DIGEST = "digest", _("每日汇总邮件")


class State(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("已放弃")


class Outbox(TenantModel):
    """What an email, a text message and a webhook call share: a state, and when to try next. A sender
    claims a row by moving `next_attempt_at` on with a conditional UPDATE (services._claim), so two
    workers never send one row twice, and a worker that dies mid-send leaves a row that is retried."""

    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        abstract = True


class Delivery(Outbox):
    """One email or text message about one notification, or one person's daily digest email — or one
    urgent text message to a bare phone number (`address`, `text`; no person, no notification), for
    someone who must be reached but has no person record (see services.sms_to_numbers)."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notify_deliveries",
        null=True, blank=True,
    )
    notification = models.ForeignKey(
        Notification, verbose_name=_("通知"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="deliveries",
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    digest_day = models.DateField(_("汇总日期"), null=True, blank=True)
    address = models.CharField(_("手机号码"), max_length=20, blank=True,
                               help_text=_("发给没有人员记录的人的短信：号码；其他发送记录为空"))
    text = models.CharField(_("短信内容"), max_length=500, blank=True,
                            help_text=_("发给没有人员记录的人的短信：内容；其他发送记录为空"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta(Outbox.Meta):
        verbose_name = _("邮件和短信发送记录")
        verbose_name_plural = _("邮件和短信发送记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notify_delivery_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel="digest", notification__isnull=True, digest_day__isnull=False)
                | (~Q(channel="digest") & Q(digest_day__isnull=True) & (Q(notification__isnull=False)
                                                                       | Q(person__isnull=True))),
                name="delivery_digest_xor_notification",
            ),
            # A person's delivery has a person; a text to a bare number has its number and text instead.
            models.CheckConstraint(
                condition=Q(person__isnull=False, address="", text="")
                | Q(person__isnull=True, channel="sms", notification__isnull=True) & ~Q(address="") & ~Q(text=""),
                name="delivery_person_xor_number",
            ),
            # The daily digest is sent once per person and day, however often the job runs.
            models.UniqueConstraint(
                fields=["person", "digest_day"], condition=Q(channel="digest"), name="delivery_one_digest_a_day"
            ),
        ]

    def __str__(self) -> str:
        to = self.person if self.person_id else self.address
        return f"{self.get_channel_display()} → {to}（{self.get_state_display()}）"


class Webhook(TenantModel):
    """An outside system told of events of one subdistrict by a signed POST (see services.webhook_deliver)."""

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("地址"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    secret = models.CharField(_("签名密钥"), max_length=64, editable=False)
    events = models.JSONField(
        _("事件"), default=list, blank=True,
        help_text=_('事件代码列表，以“.”结尾的表示前缀，如 ["matter.", "hall.session_opened"]；留空表示全部事件'),
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook")
        verbose_name_plural = _("Webhook")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return not self.events or any(event == e or (e.endswith(".") and event.startswith(e)) for e in self.events)


class WebhookDelivery(Outbox):
    """One event for one webhook; every attempt to deliver it is logged as a WebhookAttempt."""

    webhook = models.ForeignKey(
        Webhook, verbose_name=_("Webhook"), on_delete=models.PROTECT, related_name="deliveries"
    )
    event = models.CharField(_("事件"), max_length=64)
    payload = models.JSONField(_("数据"), default=dict, encoder=DjangoJSONEncoder)
    response_status = models.PositiveSmallIntegerField(_("响应状态码"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta(Outbox.Meta):
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notify_webhook_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook}（{self.get_state_display()}）"


class WebhookAttempt(TenantModel):
    """The result of one POST of a webhook delivery: the delivery log."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("投递"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField(_("第几次"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    response_status = models.PositiveSmallIntegerField(_("响应状态码"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        verbose_name = _("Webhook 投递尝试")
        verbose_name_plural = _("Webhook 投递尝试")
        ordering = ["delivery_id", "number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.response_status or self.error[:40]}"

    @property
    def ok(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300
