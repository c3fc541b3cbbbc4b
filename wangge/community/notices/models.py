"""通知公告: announcements to grid subtrees and/or buildings, optionally narrowed to party members or owners,
with read receipts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.models import TenantModel


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("全体居民")
    PARTY_MEMBERS = "party_members", _("党员")
    OWNERS = "owners", _("业主")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Notice(TenantModel):
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"), help_text=_("空行分段；以“- ”开头的行显示为列表"))
    grids = models.ManyToManyField("registry.GridNode", verbose_name=_("网格（含下级）"), blank=True,
                                   related_name="notices")
    buildings = models.ManyToManyField("registry.Building", verbose_name=_("楼栋"), blank=True, related_name="notices")
    audience = models.CharField(_("对象"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    publish_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey("people.Person", verbose_name=_("发布人"), on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+")
    author_label = models.CharField(_("发布人姓名"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    published_at = models.DateTimeField(_("实际发布时间"), null=True, blank=True)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True,
                                       help_text=_("已通知对象的时间；定时发布的公告到时才通知"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-pinned", "-publish_at", "-id"]
        indexes = [models.Index(fields=["status", "publish_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        now = timezone.now()
        return (self.status == Status.PUBLISHED and self.publish_at <= now
                and (self.expires_at is None or self.expires_at > now))

    def paragraphs(self) -> list[dict]:
        """The body's simple formatting: paragraphs separated by blank lines; lines starting with "- "
        become list items."""
        blocks = []
        for chunk in self.body.replace("\r\n", "\n").split("\n\n"):
            lines = [line for line in chunk.split("\n") if line.strip()]
            if not lines:
                continue
            if all(line.lstrip().startswith(("- ", "· ")) for line in lines):
                blocks.append({"list": [line.lstrip()[2:] for line in lines]})
            else:
                blocks.append({"text": "\n".join(lines)})
        return blocks


class Receipt(TenantModel):
    """That a person of the audience opened the notice (the first time)."""

    notice = models.ForeignKey(Notice, verbose_name=_("公告"), on_delete=models.CASCADE, related_name="receipts")
    person = models.ForeignKey("people.Person", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("阅读时间"), default=timezone.now)

    class Meta:
        verbose_name = _("阅读回执")
        verbose_name_plural = _("阅读回执")
        ordering = ["notice_id", "read_at"]
        constraints = [models.UniqueConstraint(fields=["notice", "person"], name="receipt_once_per_person")]

    def __str__(self) -> str:
        return f"{self.notice} · {self.person}"
