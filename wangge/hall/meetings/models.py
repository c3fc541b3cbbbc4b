"""议事会议: the deliberation day itself — invitations and RSVPs, attendance and quorum, minutes per item,
motions and their votes, resolutions with their follow-up matters, and publication to residents.

Built on `agenda.Hall`, `agenda.Session` and `agenda.Item` (owned by the agenda app): what a session needs
beyond them lives here, one-to-one (`HallRules` for a hall's quorum, `MeetingRecord` for a session's
check-in token and publication)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.models import TenantModel


def new_token() -> str:
    return secrets.token_urlsafe(18)


class HallRules(TenantModel):
    """The quorum rules of a hall (法定人数): all set conditions must hold before a vote may be opened."""

    hall = models.OneToOneField("agenda.Hall", verbose_name=_("议事厅"), on_delete=models.CASCADE,
                                related_name="meeting_rules")
    min_attendees = models.PositiveSmallIntegerField(_("最少到会人数"), default=0)
    min_invited_share = models.PositiveSmallIntegerField(
        _("受邀个人最低到会比例（%）"), default=0, help_text=_("受邀个人中已签到的比例，0 表示不要求"))
    required_kinds = models.JSONField(
        _("必须到会的组织类别"), default=list, blank=True,
        help_text=_("组织类别代码列表，如 [\"property_company\"]：该类受邀组织须有人签到"))

    class Meta:
        verbose_name = _("议事规则")
        verbose_name_plural = _("议事规则")

    def __str__(self) -> str:
        return str(self.hall)


class MeetingRecord(TenantModel):
    """What a session carries for its meeting day: the check-in token of its QR code, when it was marked
    held (答复/已召开) and when it was published (公开)."""

    session = models.OneToOneField("agenda.Session", verbose_name=_("会议"), on_delete=models.CASCADE,
                                   related_name="meeting")
    checkin_token = models.CharField(_("签到令牌"), max_length=32, unique=True, default=new_token, editable=False)
    held_at = models.DateTimeField(_("标记已召开时间"), null=True, blank=True)
    held_by_label = models.CharField(_("标记人"), max_length=50, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    published_by_label = models.CharField(_("公开人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("会议记录")
        verbose_name_plural = _("会议记录")

    def __str__(self) -> str:
        return str(self.session)


class Response(models.TextChoices):
    PENDING = "pending", _("未答复")
    ACCEPTED = "accepted", _("将出席")
    DECLINED = "declined", _("不能出席")


class Invitation(TenantModel):
    """An invitation of a person or an organisation to a session, answered by its RSVP link."""

    session = models.ForeignKey("agenda.Session", verbose_name=_("会议"), on_delete=models.CASCADE,
                                related_name="invitations")
    person = models.ForeignKey("people.Person", verbose_name=_("受邀人"), on_delete=models.CASCADE, null=True,
                               blank=True, related_name="meeting_invitations")
    organisation = models.ForeignKey("people.Organisation", verbose_name=_("受邀组织"), on_delete=models.CASCADE,
                                     null=True, blank=True, related_name="meeting_invitations")
    capacity = models.CharField(_("身份"), max_length=50, blank=True, help_text=_("如 居民代表、楼栋管家"))
    token = models.CharField(_("回复令牌"), max_length=32, unique=True, default=new_token, editable=False)
    response = models.CharField(_("回复"), max_length=10, choices=Response.choices, default=Response.PENDING)
    note = models.CharField(_("回复说明"), max_length=300, blank=True)
    delegates = models.CharField(_("出席人员"), max_length=200, blank=True, help_text=_("组织回复时填写谁将出席"))
    responded_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    invited_at = models.DateTimeField(_("邀请时间"))
    invited_by_label = models.CharField(_("邀请人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("会议邀请")
        verbose_name_plural = _("会议邀请")
        ordering = ["session_id", "organisation_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(organisation__isnull=True))
                | (Q(person__isnull=True) & Q(organisation__isnull=False)),
                name="meetings_invitation_person_xor_org"),
            models.UniqueConstraint(fields=["session", "person"], condition=Q(person__isnull=False),
                                    name="meetings_invite_person_once"),
            models.UniqueConstraint(fields=["session", "organisation"], condition=Q(organisation__isnull=False),
                                    name="meetings_invite_org_once"),
        ]

    def __str__(self) -> str:
        return str(self.person or self.organisation)

    @property
    def invitee_name(self) -> str:
        return self.person.name if self.person_id else self.organisation.name


class CheckinMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    RSVP_LINK = "link", _("邀请链接签到")
    MANUAL = "manual", _("工作人员登记")


class Attendance(TenantModel):
    """One attendee checked in to a session: an invited person, someone for an invited organisation, or
    a walk-in entered by the secretary (name and organisation)."""

    session = models.ForeignKey("agenda.Session", verbose_name=_("会议"), on_delete=models.CASCADE,
                                related_name="attendances")
    person = models.ForeignKey("people.Person", verbose_name=_("人员"), on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="meeting_attendances")
    invitation = models.ForeignKey(Invitation, verbose_name=_("邀请"), on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="attendances")
    organisation = models.ForeignKey("people.Organisation", verbose_name=_("所属组织"), on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=_("住户"), on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    organisation_name = models.CharField(_("单位"), max_length=100, blank=True)
    method = models.CharField(_("签到方式"), max_length=10, choices=CheckinMethod.choices)
    checked_in_at = models.DateTimeField(_("签到时间"))
    recorded_by_label = models.CharField(_("登记人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        ordering = ["session_id", "checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], condition=Q(person__isnull=False),
                                    name="meetings_attend_person_once"),
            models.UniqueConstraint(fields=["session", "invitation"],
                                    condition=Q(invitation__isnull=False, person__isnull=True),
                                    name="meetings_attend_link_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Minutes(TenantModel):
    """The minutes of one agenda item (会议纪要), edited by the hall's secretary."""

    item = models.OneToOneField("agenda.Item", verbose_name=_("议题"), on_delete=models.CASCADE,
                                related_name="meeting_minutes")
    text = models.TextField(_("纪要"), max_length=8000, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("最后编辑人账号"),
                                  on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    edited_by_label = models.CharField(_("最后编辑人"), max_length=50, blank=True)
    edited_at = models.DateTimeField(_("最后编辑时间"))

    class Meta:
        verbose_name = _("议题纪要")
        verbose_name_plural = _("议题纪要")

    def __str__(self) -> str:
        return str(self.item)


class Method(models.TextChoices):
    HANDS = "hands", _("举手表决")
    ELECTRONIC = "electronic", _("电子表决")


class Basis(models.TextChoices):
    PERSON = "person", _("一人一票")
    HOUSEHOLD = "household", _("一户一票")


class Threshold(models.TextChoices):
    SIMPLE = "simple", _("过半数")
    TWO_THIRDS = "two_thirds", _("三分之二以上")


class MotionStatus(models.TextChoices):
    DRAFT = "draft", _("待表决")
    OPEN = "open", _("表决中")
    CLOSED = "closed", _("已结束")


class Result(models.TextChoices):
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")


class Choice(models.TextChoices):
    FOR = "for", _("赞成")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")


class Motion(TenantModel):
    """A motion put to a vote on an agenda item."""

    session = models.ForeignKey("agenda.Session", verbose_name=_("会议"), on_delete=models.CASCADE,
                                related_name="motions")
    item = models.ForeignKey("agenda.Item", verbose_name=_("议题"), on_delete=models.CASCADE, related_name="motions")
    text = models.TextField(_("表决事项"), max_length=2000)
    method = models.CharField(_("表决方式"), max_length=10, choices=Method.choices, default=Method.HANDS)
    basis = models.CharField(_("计票单位"), max_length=10, choices=Basis.choices, default=Basis.PERSON)
    secret = models.BooleanField(_("无记名"), default=False)
    threshold = models.CharField(_("通过标准"), max_length=10, choices=Threshold.choices, default=Threshold.SIMPLE)
    status = models.CharField(_("状态"), max_length=8, choices=MotionStatus.choices, default=MotionStatus.DRAFT)
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices, blank=True)
    votes_for = models.PositiveIntegerField(_("赞成"), default=0)
    votes_against = models.PositiveIntegerField(_("反对"), default=0)
    votes_abstain = models.PositiveIntegerField(_("弃权"), default=0)
    eligible = models.PositiveIntegerField(_("表决时到会人数"), default=0)
    opened_at = models.DateTimeField(_("开始表决"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束表决"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by_label = models.CharField(_("提出人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("表决事项")
        verbose_name_plural = _("表决事项")
        ordering = ["session_id", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def votes_cast(self) -> int:
        return self.votes_for + self.votes_against + self.votes_abstain


class Voter(TenantModel):
    """Who has voted on an electronic motion — the uniqueness of one vote per person (or per household),
    held by the database. It records no choice."""

    motion = models.ForeignKey(Motion, verbose_name=_("表决事项"), on_delete=models.CASCADE, related_name="voters")
    key = models.CharField(_("投票单位"), max_length=24, help_text=_("p:<人员> 或 h:<住户>"))
    attendance = models.ForeignKey(Attendance, verbose_name=_("签到记录"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("已投票人")
        verbose_name_plural = _("已投票人")
        constraints = [models.UniqueConstraint(fields=["motion", "key"], name="meetings_one_vote_per_key")]


class Ballot(TenantModel):
    """One electronic vote's choice. For an open (记名) vote it names the voter; for a secret vote it
    carries no voter, no time and no link to `Voter`."""

    motion = models.ForeignKey(Motion, verbose_name=_("表决事项"), on_delete=models.CASCADE, related_name="ballots")
    choice = models.CharField(_("选择"), max_length=8, choices=Choice.choices)
    voter_name = models.CharField(_("投票人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")


class Resolution(TenantModel):
    """A resolution of an item: text, who is responsible and by when; its follow-ups are matters with
    source `deliberation` (created for it, or the item's own matters adopted)."""

    session = models.ForeignKey("agenda.Session", verbose_name=_("会议"), on_delete=models.CASCADE,
                                related_name="resolutions")
    item = models.ForeignKey("agenda.Item", verbose_name=_("议题"), on_delete=models.CASCADE,
                             related_name="resolutions")
    motion = models.ForeignKey(Motion, verbose_name=_("表决事项"), on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="resolutions")
    text = models.TextField(_("决议内容"), max_length=2000)
    responsible_person = models.ForeignKey("people.Person", verbose_name=_("责任人"), on_delete=models.PROTECT,
                                           null=True, blank=True, related_name="+")
    responsible_organisation = models.ForeignKey("people.Organisation", verbose_name=_("责任单位"),
                                                 on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    due_on = models.DateField(_("完成时限"))
    matters = models.ManyToManyField("matters.Matter", verbose_name=_("跟踪事项"), blank=True,
                                     related_name="hall_resolutions")
    created_at = models.DateTimeField(_("创建时间"))
    created_by_label = models.CharField(_("记录人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("决议")
        verbose_name_plural = _("决议")
        ordering = ["session_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible_person__isnull=False) | Q(responsible_organisation__isnull=False),
                name="meetings_resolution_has_owner"),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def responsible_label(self) -> str:
        parts = [x.name for x in (self.responsible_organisation, self.responsible_person) if x is not None]
        return "·".join(parts)
