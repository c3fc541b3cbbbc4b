"""评选: awards elections (最美党员, 最美业主 …) of a community.

An election runs through a nomination period and a voting window. A vote is split in two rows written in
one transaction: the `Ballot` records that a voter (a resident, or their household) has voted — unique per
election and voter key, so the database itself refuses a second vote — and the `Vote` rows carry the
chosen candidates without any link to the voter (secret ballot). The audit trail (`AuditEntry`) is
append-only."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.models import TenantModel


class Eligibility(models.TextChoices):
    RESIDENTS = "residents", _("本社区居民")
    PARTY_MEMBERS = "party_members", _("本社区党员")


class Basis(models.TextChoices):
    RESIDENT = "resident", _("每位居民一票")
    HOUSEHOLD = "household", _("每户一票")


class Phase(models.TextChoices):
    DRAFT = "draft", _("草稿")
    UPCOMING = "upcoming", _("即将开始")
    NOMINATING = "nominating", _("提名中")
    REVIEWING = "reviewing", _("候选人审核中")
    VOTING = "voting", _("投票中")
    COUNTING = "counting", _("投票结束，待公布")
    FINISHED = "finished", _("结果已公布")


class Election(TenantModel):
    community = models.ForeignKey("registry.GridNode", verbose_name=_("社区"), on_delete=models.PROTECT,
                                  related_name="elections")
    title = models.CharField(_("评选名称"), max_length=100, help_text=_("如“最美党员”"))
    description = models.TextField(_("说明"), blank=True)
    eligibility = models.CharField(_("候选人条件"), max_length=16, choices=Eligibility.choices,
                                   default=Eligibility.RESIDENTS)
    basis = models.CharField(_("投票方式"), max_length=10, choices=Basis.choices, default=Basis.RESIDENT)
    votes_per_voter = models.PositiveSmallIntegerField(_("每票可选人数"), default=1)
    nomination_opens = models.DateTimeField(_("提名开始"))
    nomination_closes = models.DateTimeField(_("提名截止"))
    voting_opens = models.DateTimeField(_("投票开始"))
    voting_closes = models.DateTimeField(_("投票截止"))
    announced_at = models.DateTimeField(_("发布时间"), null=True, blank=True, help_text=_("空表示草稿，居民看不到"))
    results_published_at = models.DateTimeField(_("结果公布时间"), null=True, blank=True)
    created_by = models.ForeignKey("people.Person", verbose_name=_("创建人"), on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评选")
        verbose_name_plural = _("评选")
        ordering = ["-voting_closes", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nomination_closes__gt=models.F("nomination_opens"))
                & Q(voting_opens__gte=models.F("nomination_closes"))
                & Q(voting_closes__gt=models.F("voting_opens")),
                name="election_windows_in_order",
            ),
            models.CheckConstraint(condition=Q(votes_per_voter__gte=1) & Q(votes_per_voter__lte=10),
                                   name="election_votes_per_voter_range"),
        ]

    def __str__(self) -> str:
        return self.title

    def phase(self, now=None) -> str:
        now = now or timezone.now()
        if self.announced_at is None:
            return Phase.DRAFT
        if self.results_published_at is not None:
            return Phase.FINISHED
        if now < self.nomination_opens:
            return Phase.UPCOMING
        if now < self.nomination_closes:
            return Phase.NOMINATING
        if now < self.voting_opens:
            return Phase.REVIEWING
        if now < self.voting_closes:
            return Phase.VOTING
        return Phase.COUNTING

    @property
    def phase_label(self) -> str:
        return str(Phase(self.phase()).label)

    def nominating(self, now=None) -> bool:
        now = now or timezone.now()
        return self.nomination_opens <= now < self.nomination_closes

    def voting(self, now=None) -> bool:
        now = now or timezone.now()
        return self.voting_opens <= now < self.voting_closes


class NominationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已确定为候选人")
    DECLINED = "declined", _("未通过")


class Nomination(TenantModel):
    """A resident put forward; once approved by the staff, a candidate."""

    election = models.ForeignKey(Election, verbose_name=_("评选"), on_delete=models.CASCADE,
                                 related_name="nominations")
    nominee = models.ForeignKey("registry.Resident", verbose_name=_("被提名人"), on_delete=models.PROTECT,
                                related_name="+")
    nominated_by = models.ForeignKey("people.Person", verbose_name=_("提名人"), on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    nominated_by_label = models.CharField(_("提名人姓名"), max_length=50, blank=True)
    reason = models.TextField(_("提名理由"))
    status = models.CharField(_("状态"), max_length=10, choices=NominationStatus.choices,
                              default=NominationStatus.PENDING)
    citation = models.CharField(_("推荐词"), max_length=200, blank=True)
    decided_by = models.ForeignKey("people.Person", verbose_name=_("审核人"), on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提名时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提名")
        verbose_name_plural = _("提名")
        ordering = ["election_id", "id"]
        constraints = [models.UniqueConstraint(fields=["election", "nominee"], name="nomination_once_per_nominee")]

    def __str__(self) -> str:
        return f"{self.election} · {self.nominee}"


class Ballot(TenantModel):
    """That a voter has voted: one per resident or per household (`voter_key` "r:<resident id>" or
    "h:<household id>"), enforced by the database. It does not say for whom."""

    election = models.ForeignKey(Election, verbose_name=_("评选"), on_delete=models.CASCADE, related_name="ballots")
    voter_key = models.CharField(_("投票人键"), max_length=32)
    voter = models.ForeignKey("registry.Resident", verbose_name=_("投票人"), on_delete=models.PROTECT,
                              related_name="+")
    cast_at = models.DateTimeField(_("投票时间"), default=timezone.now)

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        ordering = ["election_id", "id"]
        constraints = [models.UniqueConstraint(fields=["election", "voter_key"], name="ballot_one_per_voter")]

    def __str__(self) -> str:
        return f"{self.election} · {self.voter_key}"


class Vote(TenantModel):
    """One chosen candidate of one ballot, without the voter (secret ballot)."""

    election = models.ForeignKey(Election, verbose_name=_("评选"), on_delete=models.CASCADE, related_name="votes")
    candidate = models.ForeignKey(Nomination, verbose_name=_("候选人"), on_delete=models.PROTECT,
                                  related_name="votes")

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        ordering = ["election_id", "id"]
        indexes = [models.Index(fields=["election", "candidate"])]

    def __str__(self) -> str:
        return f"{self.election} · {self.candidate_id}"


class Action(models.TextChoices):
    CREATED = "created", _("创建评选")
    UPDATED = "updated", _("修改评选")
    WINDOW_CHANGED = "window_changed", _("调整时间")
    ANNOUNCED = "announced", _("发布评选")
    NOMINATED = "nominated", _("提名")
    APPROVED = "approved", _("确定候选人")
    DECLINED = "declined", _("提名未通过")
    VOTED = "voted", _("投票")
    RESULTS_PUBLISHED = "results_published", _("公布结果")


class AuditEntry(TenantModel):
    """Append-only: every nomination, decision, vote (that the voter voted, not for whom), window change
    and publication."""

    election = models.ForeignKey(Election, verbose_name=_("评选"), on_delete=models.CASCADE, related_name="audit")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey("people.Person", verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    actor_label = models.CharField(_("操作人姓名"), max_length=50)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("评选日志")
        verbose_name_plural = _("评选日志")
        ordering = ["election_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.election} · {self.get_action_display()}"
