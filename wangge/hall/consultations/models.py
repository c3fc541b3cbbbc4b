"""征求意见: the data.

A consultation asks the residents of some grids or buildings of a community about a major matter (征求意见的
重大事) before the hall decides it: the proposal with its documents, a questionnaire, and one response per
resident or per household — the database holds that rule (`consultations_one_per_resident`,
`consultations_one_per_household`), not only the form.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.models import Searchable, TenantModel


class Basis(models.TextChoices):
    RESIDENT = "resident", _("每位居民一份")
    HOUSEHOLD = "household", _("每户一份")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("征求中")
    CLOSED = "closed", _("已结束")


class Consultation(TenantModel, Searchable):
    search_pinyin = False

    community = models.ForeignKey(
        "registry.GridNode", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="consultations"
    )
    item = models.ForeignKey(
        "agenda.Item", verbose_name=_("议题"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="consultations", help_text=_("征求意见的重大事"),
    )
    title = models.CharField(_("标题"), max_length=100)
    proposal = models.TextField(_("方案说明"), max_length=8000, blank=True)
    basis = models.CharField(_("作答方式"), max_length=10, choices=Basis.choices, default=Basis.RESIDENT)
    grids = models.ManyToManyField(
        "registry.GridNode", verbose_name=_("征求网格"), blank=True, related_name="+",
        help_text=_("这些网格（含下级）内现住的居民"),
    )
    buildings = models.ManyToManyField(
        "registry.Building", verbose_name=_("征求楼栋"), blank=True, related_name="+",
        help_text=_("这些楼栋内现住的居民"),
    )
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True)
    publish_results = models.BooleanField(_("向居民公开结果"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    opened_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        ordering = ["-closes_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def search_parts(self) -> tuple[str, ...]:
        return (self.title,)

    def is_accepting(self, at=None) -> bool:
        """Open and inside its window: answers are taken now."""
        at = at or timezone.now()
        return (
            self.status == Status.OPEN
            and (self.opens_at is None or self.opens_at <= at)
            and at < self.closes_at
        )

    def effective_status(self, at=None) -> str:
        """The status as people see it: an open consultation past its closing time is closed, whether or
        not the periodic job has written that yet."""
        at = at or timezone.now()
        if self.status == Status.OPEN and at >= self.closes_at:
            return Status.CLOSED
        return self.status

    def is_closed(self, at=None) -> bool:
        return self.effective_status(at) == Status.CLOSED

    def status_label(self, at=None) -> str:
        status = self.effective_status(at)
        if status == Status.OPEN and self.opens_at and (at or timezone.now()) < self.opens_at:
            return str(_("未开始"))
        return str(Status(status).label)


class Kind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    SCALE = "scale", _("量表")
    TEXT = "text", _("文字")


class Question(TenantModel):
    consultation = models.ForeignKey(
        Consultation, verbose_name=_("征求意见"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("题号"))
    kind = models.CharField(_("题型"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("题目"), max_length=300)
    required = models.BooleanField(_("必答"), default=True)
    scale_min = models.SmallIntegerField(_("量表最小值"), default=1)
    scale_max = models.SmallIntegerField(_("量表最大值"), default=5)
    min_label = models.CharField(_("最小值说明"), max_length=20, blank=True)
    max_label = models.CharField(_("最大值说明"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["consultation_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "position"], name="consultations_question_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"

    @property
    def is_choice(self) -> bool:
        return self.kind in (Kind.SINGLE, Kind.MULTIPLE)

    @property
    def scale_values(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))


class Option(TenantModel):
    question = models.ForeignKey(Question, verbose_name=_("题目"), on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("顺序"))
    text = models.CharField(_("选项"), max_length=100)

    class Meta:
        verbose_name = _("选项")
        verbose_name_plural = _("选项")
        ordering = ["question_id", "position"]

    def __str__(self) -> str:
        return self.text


def _document_path(instance, filename: str) -> str:
    # Random names: the file is served only through a scoped view, never from a guessable address.
    return f"consultations/{secrets.token_hex(12)}.{filename.rsplit('.', 1)[-1]}"


class Document(TenantModel):
    consultation = models.ForeignKey(
        Consultation, verbose_name=_("征求意见"), on_delete=models.CASCADE, related_name="documents"
    )
    name = models.CharField(_("文件名"), max_length=100)
    file = models.FileField(_("文件"), upload_to=_document_path)
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("方案附件")
        verbose_name_plural = _("方案附件")
        ordering = ["consultation_id", "id"]

    def __str__(self) -> str:
        return self.name


class Response(TenantModel):
    """One resident's (or one household's) answers. `basis` is the consultation's, copied so that the
    database can hold one response per resident or per household."""

    consultation = models.ForeignKey(
        Consultation, verbose_name=_("征求意见"), on_delete=models.CASCADE, related_name="responses"
    )
    basis = models.CharField(_("作答方式"), max_length=10, choices=Basis.choices)
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("作答居民"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("住户"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    updated_at = models.DateTimeField(_("修改时间"))

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["consultation_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "resident"], condition=Q(basis=Basis.RESIDENT),
                                    name="consultations_one_per_resident"),
            models.UniqueConstraint(fields=["consultation", "household"], condition=Q(basis=Basis.HOUSEHOLD),
                                    name="consultations_one_per_household"),
        ]

    def __str__(self) -> str:
        return f"{self.consultation} #{self.pk}"


class Answer(TenantModel):
    """One answer to one question: a chosen option (one row per chosen option of a multiple choice), a
    scale value, or a text."""

    response = models.ForeignKey(Response, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name=_("题目"), on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(
        Option, verbose_name=_("选项"), on_delete=models.CASCADE, null=True, blank=True, related_name="answers"
    )
    value = models.SmallIntegerField(_("分值"), null=True, blank=True)
    text = models.TextField(_("文字"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        ordering = ["response_id", "question_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question", "option"], name="consultations_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.option or self.value or self.text[:20]}"
