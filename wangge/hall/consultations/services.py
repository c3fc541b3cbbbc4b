"""Every write of 征求意见: create and edit a draft, attach documents, open, close (by hand or when the
closing time passes), and take a resident's answers.

Rules worth knowing:
- Only those with CONSULT over the community create, edit, open and close (404 outside the scope, 403
  inside without it). A consultation is edited only while it is a draft (its documents too); once open,
  only its closing time may move later and `publish_results` may change.
- The audience is the residents currently living (not left) in the chosen grids (with their subtrees)
  and/or buildings; no choice means the whole community.
- One response per resident or per household, held by the database (conditional unique constraints).
  A resident may change their answers until the consultation closes; with the household basis the
  household's response belongs to the member who gave it: another member is told that the household has
  already answered (409), so that one household is never represented twice.
- Answers are taken while the consultation is open and `opens_at <= now < closes_at`; outside the window,
  not in the audience, or an answer that does not fit its question: a clear error, nothing written.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from wangge.core import images
from wangge.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from wangge.core.text import clean_text
from wangge.people.access import Actor
from wangge.registry.models import Building, GridNode, Level, Resident

from . import selectors
from .models import Answer, Basis, Consultation, Document, Kind, Option, Question, Response, Status

TITLE_MAX = 100
PROPOSAL_MAX = 8000
QUESTION_MAX = 300
OPTION_MAX = 100
LABEL_MAX = 20
TEXT_ANSWER_MAX = 1000
QUESTIONS_MAX = 50
OPTIONS_MAX = 20
DOCUMENTS_MAX = 10
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_ACCEPTED = "PDF、JPEG、PNG、WebP 或 HEIC"
SCALE_LIMITS = (0, 10)

logger = logging.getLogger(__name__)


@dataclass
class QuestionSpec:
    kind: str
    text: str
    options: list[str] = field(default_factory=list)
    required: bool = True
    scale_min: int = 1
    scale_max: int = 5
    min_label: str = ""
    max_label: str = ""


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(errors[0].message if len(errors) == 1 else "请检查填写的内容", errors=errors)


def _text(value, name: str, *, limit: int, required: bool, errors: list[FieldError], label: str = "") -> str:
    try:
        return clean_text(value, name, limit=limit, required=required)
    except InvalidInput as exc:
        message = exc.errors[0].message
        errors.append(FieldError(name, f"{label}{message}" if label else message))
        return ""


def _community(actor: Actor, community_id) -> GridNode:
    node = GridNode.objects.filter(pk=community_id).first() if isinstance(community_id, int) else None
    if node is None:
        raise NotFound("未找到该社区")
    selectors.require_consult(actor.scope, node)
    if node.level != Level.COMMUNITY:
        raise InvalidInput.field("community", "征求意见应在社区一级发起")
    return node


def _lock(actor: Actor, consultation_id: int) -> Consultation:
    """The consultation locked for a change by someone who may run it (404 outside, 403 inside without
    CONSULT)."""
    consultation = (
        Consultation.objects.select_for_update(of=("self",)).select_related("community")
        .filter(pk=consultation_id).first()
    )
    if consultation is None:
        raise NotFound("未找到该征求意见")
    selectors.require_consult(actor.scope, consultation.community)
    return consultation


# -- the draft ---------------------------------------------------------------------------------------------


def _questions(specs, errors: list[FieldError]) -> list[QuestionSpec]:
    if not isinstance(specs, list | tuple):
        errors.append(FieldError("questions", "问卷题目格式不对"))
        return []
    if len(specs) > QUESTIONS_MAX:
        errors.append(FieldError("questions", f"题目不能超过{QUESTIONS_MAX}道"))
        return []
    out = []
    for n, spec in enumerate(specs, start=1):
        if isinstance(spec, dict):
            spec = QuestionSpec(**{k: v for k, v in spec.items() if k in QuestionSpec.__dataclass_fields__})
        name = f"questions.{n}"
        label = f"第{n}题："
        if spec.kind not in Kind.values:
            errors.append(FieldError(f"{name}.kind", f"{label}题型应为单选、多选、量表或文字"))
            continue
        text = _text(spec.text, f"{name}.text", limit=QUESTION_MAX, required=True, errors=errors, label=label)
        options: list[str] = []
        if spec.kind in (Kind.SINGLE, Kind.MULTIPLE):
            raw = spec.options if isinstance(spec.options, list | tuple) else []
            for i, option in enumerate(raw, start=1):
                option = _text(option, f"{name}.options.{i}", limit=OPTION_MAX, required=False, errors=errors,
                               label=f"{label}选项{i}：")
                if option:
                    options.append(option)
            if len(options) < 2:
                errors.append(FieldError(f"{name}.options", f"{label}单选、多选题至少要有两个选项"))
            elif len(options) > OPTIONS_MAX:
                errors.append(FieldError(f"{name}.options", f"{label}选项不能超过{OPTIONS_MAX}个"))
            elif len(set(options)) != len(options):
                errors.append(FieldError(f"{name}.options", f"{label}选项有重复"))
        elif spec.options and any(str(o).strip() for o in spec.options):
            errors.append(FieldError(f"{name}.options", f"{label}只有单选、多选题才有选项"))
        scale_min, scale_max = spec.scale_min, spec.scale_max
        min_label = max_label = ""
        if spec.kind == Kind.SCALE:
            low, high = SCALE_LIMITS
            if not (isinstance(scale_min, int) and isinstance(scale_max, int)
                    and low <= scale_min < scale_max <= high):
                errors.append(FieldError(f"{name}.scale", f"{label}量表范围应在{low}到{high}之间，且最小值小于最大值"))
            min_label = _text(spec.min_label, f"{name}.min_label", limit=LABEL_MAX, required=False, errors=errors,
                              label=label)
            max_label = _text(spec.max_label, f"{name}.max_label", limit=LABEL_MAX, required=False, errors=errors,
                              label=label)
        else:
            scale_min, scale_max = 1, 5
        out.append(QuestionSpec(kind=spec.kind, text=text, options=options, required=bool(spec.required),
                                scale_min=scale_min, scale_max=scale_max, min_label=min_label, max_label=max_label))
    return out


def _item(community: GridNode, item_id, errors: list[FieldError]):
    from wangge.hall.agenda.models import Item, ItemKind

    if item_id in (None, ""):
        return None
    item = Item.objects.select_related("hall").filter(pk=item_id).first() if isinstance(item_id, int) else None
    if item is None or item.hall.community_id != community.pk:
        errors.append(FieldError("item", "未找到该社区议事厅的这个议题"))
        return None
    if item.kind != ItemKind.MAJOR:
        errors.append(FieldError("item", "只有“征求意见的重大事”类议题可以征求意见"))
        return None
    return item


def _audience(community: GridNode, grid_ids, building_ids, errors: list[FieldError]):
    grid_ids = list(dict.fromkeys(grid_ids or []))
    building_ids = list(dict.fromkeys(building_ids or []))
    grids = list(GridNode.objects.filter(pk__in=[g for g in grid_ids if isinstance(g, int)],
                                         path__startswith=community.path))
    if len(grids) != len(grid_ids):
        errors.append(FieldError("grids", "征求网格应是本社区的网格"))
    buildings = list(Building.objects.filter(pk__in=[b for b in building_ids if isinstance(b, int)],
                                             estate_grid__path__startswith=community.path))
    if len(buildings) != len(building_ids):
        errors.append(FieldError("buildings", "征求楼栋应是本社区的楼栋"))
    if not grids and not buildings:
        grids = [community]
    return grids, buildings


def _window(opens_at, closes_at, errors: list[FieldError], *, now: dt.datetime) -> None:
    if closes_at is None:
        errors.append(FieldError("closes_at", "请填写截止时间"))
        return
    if closes_at <= now:
        errors.append(FieldError("closes_at", "截止时间应晚于现在"))
    if opens_at is not None and opens_at >= closes_at:
        errors.append(FieldError("opens_at", "开始时间应早于截止时间"))


def _write_questions(consultation: Consultation, specs: list[QuestionSpec]) -> None:
    consultation.questions.all().delete()
    sub = consultation.subdistrict_id
    questions = Question.objects.bulk_create([
        Question(subdistrict_id=sub, consultation=consultation, position=n, kind=s.kind, text=s.text,
                 required=s.required, scale_min=s.scale_min, scale_max=s.scale_max, min_label=s.min_label,
                 max_label=s.max_label)
        for n, s in enumerate(specs, start=1)
    ])
    if _without_ids(questions):
        questions = list(consultation.questions.order_by("position"))
    Option.objects.bulk_create([
        Option(subdistrict_id=sub, question=q, position=i, text=text)
        for q, s in zip(questions, specs, strict=True) for i, text in enumerate(s.options, start=1)
    ])


def _without_ids(rows) -> bool:
    return any(r.pk is None for r in rows)


@transaction.atomic
def consultation_create(
    *, actor, community: int, title: str, closes_at: dt.datetime, basis: str = Basis.RESIDENT,
    proposal: str = "", opens_at: dt.datetime | None = None, item: int | None = None,
    grids: Iterable[int] = (), buildings: Iterable[int] = (), questions: list = (),
    publish_results: bool = False, at: dt.datetime | None = None,
) -> Consultation:
    """A draft consultation of a community: the proposal, the audience, the window and the questionnaire."""
    actor = Actor.of(actor)
    now = at or timezone.now()
    node = _community(actor, community)
    errors: list[FieldError] = []
    title = _text(title, "title", limit=TITLE_MAX, required=True, errors=errors, label="标题：")
    proposal = _text(proposal, "proposal", limit=PROPOSAL_MAX, required=False, errors=errors, label="方案说明：")
    if basis not in Basis.values:
        errors.append(FieldError("basis", "作答方式应为每位居民一份或每户一份"))
    _window(opens_at, closes_at, errors, now=now)
    the_item = _item(node, item, errors)
    grid_rows, building_rows = _audience(node, list(grids), list(buildings), errors)
    specs = _questions(list(questions), errors)
    _raise(errors)
    consultation = Consultation.objects.create(
        subdistrict_id=node.tenant_id, community=node, item=the_item, title=title,
        proposal=proposal, basis=basis, opens_at=opens_at, closes_at=closes_at, publish_results=bool(publish_results),
        created_by=actor.user if actor.user_id else None,
    )
    consultation.grids.set(grid_rows)
    consultation.buildings.set(building_rows)
    _write_questions(consultation, specs)
    return consultation


_UNSET = object()


@transaction.atomic
def consultation_update(
    *, actor, consultation_id: int, title=_UNSET, proposal=_UNSET, basis=_UNSET, opens_at=_UNSET,
    closes_at=_UNSET, item=_UNSET, grids=_UNSET, buildings=_UNSET, questions=_UNSET, publish_results=_UNSET,
    at: dt.datetime | None = None,
) -> Consultation:
    """Change a draft: each field given replaces what is there (`questions` replaces the whole
    questionnaire: add, change, reorder, remove — a draft has no answers yet). Checked as a whole before
    anything is written: one wrong field and nothing changes.

    Once published the proposal, the audience, the basis and the questionnaire are fixed (the answers
    already given would lose their meaning). Two things may still change: `publish_results` at any time,
    and `closes_at` while the consultation is open — only later (extending the time to answer), never
    earlier (closing early is `consultation_close`)."""
    actor = Actor.of(actor)
    now = at or timezone.now()
    c = _lock(actor, consultation_id)
    if c.status != Status.DRAFT:
        return _update_published(c, closes_at=closes_at, publish_results=publish_results, now=now, fixed=(
            title, proposal, basis, opens_at, item, grids, buildings, questions))
    errors: list[FieldError] = []
    if title is not _UNSET:
        c.title = _text(title, "title", limit=TITLE_MAX, required=True, errors=errors, label="标题：")
    if proposal is not _UNSET:
        c.proposal = _text(proposal, "proposal", limit=PROPOSAL_MAX, required=False, errors=errors, label="方案说明：")
    if basis is not _UNSET:
        if basis not in Basis.values:
            errors.append(FieldError("basis", "作答方式应为每位居民一份或每户一份"))
        else:
            c.basis = basis
    if opens_at is not _UNSET:
        c.opens_at = opens_at
    if closes_at is not _UNSET:
        c.closes_at = closes_at
    if opens_at is not _UNSET or closes_at is not _UNSET:
        _window(c.opens_at, c.closes_at, errors, now=now)
    if item is not _UNSET:
        c.item = _item(c.community, item, errors)
    audience = None
    if grids is not _UNSET or buildings is not _UNSET:
        audience = _audience(
            c.community,
            list(grids or []) if grids is not _UNSET else [g for g in c.grids.values_list("pk", flat=True)
                                                     if g != c.community_id],
            list(buildings or []) if buildings is not _UNSET else list(c.buildings.values_list("pk", flat=True)),
            errors,
        )
    specs = _questions(list(questions or []), errors) if questions is not _UNSET else None
    if publish_results is not _UNSET:
        c.publish_results = bool(publish_results)
    _raise(errors)
    c.save()
    if audience is not None:
        c.grids.set(audience[0])
        c.buildings.set(audience[1])
    if specs is not None:
        _write_questions(c, specs)
    return c


def _update_published(c: Consultation, *, closes_at, publish_results, now: dt.datetime, fixed: tuple) -> Consultation:
    if any(v is not _UNSET for v in fixed):
        raise Conflict("征求意见已发布，方案、征求对象和问卷不能再修改（只能延长截止时间或修改是否公开结果）")
    fields = []
    if closes_at is not _UNSET:
        if c.status != Status.OPEN or c.is_closed(now):
            raise Conflict("征求意见已结束，不能再修改截止时间")
        if closes_at is None:
            raise InvalidInput.field("closes_at", "请填写截止时间")
        if closes_at <= c.closes_at:
            raise InvalidInput.field(
                "closes_at",
                f"截止时间只能延后（现为 {timezone.localtime(c.closes_at):%Y-%m-%d %H:%M}）；要提前结束请用“立即结束征求”",
            )
        c.closes_at = closes_at
        fields.append("closes_at")
    if publish_results is not _UNSET:
        c.publish_results = bool(publish_results)
        fields.append("publish_results")
    if fields:
        c.save(update_fields=fields)
    return c


@transaction.atomic
def document_add(*, actor, consultation_id: int, data, name: str = "") -> Document:
    """Attach a document to a draft: a PDF, or a photo (re-encoded, its metadata dropped). The type is
    judged by the content, never by the name or the client's content type."""
    actor = Actor.of(actor)
    c = _lock(actor, consultation_id)
    if c.status != Status.DRAFT:
        raise Conflict("已发布的征求意见不能再添加附件")
    if c.documents.count() >= DOCUMENTS_MAX:
        raise InvalidInput.field("file", f"附件不能超过{DOCUMENTS_MAX}个")
    errors: list[FieldError] = []
    name = _text(name, "name", limit=80, required=False, errors=errors, label="文件名：")
    _raise(errors)
    raw = data if isinstance(data, bytes | bytearray) else (data.read(DOCUMENT_MAX_BYTES + 1) or b"")
    raw = bytes(raw)
    if not raw:
        raise InvalidInput.field("file", "文件是空的")
    if len(raw) > DOCUMENT_MAX_BYTES:
        raise InvalidInput.field("file", f"文件不能超过 {DOCUMENT_MAX_BYTES // 2**20} MB")
    if raw.startswith(b"%PDF-"):
        if b"%%EOF" not in raw[-2048:]:
            raise InvalidInput.field("file", "PDF 文件不完整")
        content, content_type, extension = raw, "application/pdf", "pdf"
    elif images.sniff(raw[:32]):
        image = images.clean_image(raw, field="file", max_bytes=DOCUMENT_MAX_BYTES, max_side=2400)
        content, content_type, extension = image.content, image.content_type, image.extension
    else:
        raise InvalidInput.field("file", f"只支持 {DOCUMENT_ACCEPTED} 格式的文件")
    document = Document(subdistrict_id=c.subdistrict_id, consultation=c, content_type=content_type,
                        size=len(content), name=name or f"附件{c.documents.count() + 1}.{extension}")
    if not document.name.lower().endswith(f".{extension}"):
        document.name = f"{document.name}.{extension}"[:100]
    document.file.save(f"doc.{extension}", ContentFile(content), save=False)
    document.save()
    return document


@transaction.atomic
def document_remove(*, actor, consultation_id: int, document_id: int) -> None:
    """Remove a document attached by mistake, while the consultation is a draft (once published the
    residents answer on the documents they were shown). The row goes at once, so the document is no longer
    served; the stored file is deleted once the transaction commits. Who removed what is written to the
    log (a draft's documents are seen only by those who run it, so there is no audit trail to keep)."""
    actor = Actor.of(actor)
    c = _lock(actor, consultation_id)
    document = c.documents.filter(pk=document_id).first()
    if document is None:
        raise NotFound("未找到该附件")
    if c.status != Status.DRAFT:
        raise Conflict("已发布的征求意见不能再删除附件")
    storage, stored = document.file.storage, document.file.name
    document.delete()
    logger.info("consultation %s: document %s removed by user %s", c.pk, document_id, actor.user_id)
    transaction.on_commit(lambda: storage.delete(stored))


# -- open and close ----------------------------------------------------------------------------------------


@transaction.atomic
def consultation_open(*, actor, consultation_id: int, at: dt.datetime | None = None,
                      notify_audience: bool = True) -> Consultation:
    """Publish a draft: the audience may answer from `opens_at` (now when not set) until `closes_at`. The
    residents of the audience who have an account are told."""
    actor = Actor.of(actor)
    now = at or timezone.now()
    c = _lock(actor, consultation_id)
    if c.status != Status.DRAFT:
        raise Conflict(f"该征求意见{Status(c.status).label}，不能再发布")
    if not c.questions.exists():
        raise InvalidInput.field("questions", "请至少设置一道题目再发布")
    if c.closes_at <= now:
        raise InvalidInput.field("closes_at", "截止时间已过，请先修改截止时间")
    c.status = Status.OPEN
    c.opened_at = now
    if c.opens_at is None:
        c.opens_at = now
    c.save(update_fields=["status", "opened_at", "opens_at"])
    if notify_audience:
        _tell_audience(c)
    return c


def _tell_audience(c: Consultation) -> None:
    from wangge.notify.services import notify
    from wangge.people.models import Person

    residents = selectors.audience_residents(c)
    recipients = list(Person.objects.filter(resident__in=residents, user__isnull=False))
    if recipients:
        notify(recipients=recipients, event="consultation.opened", title=f"征求意见：{c.title}",
               body=f"请在 {timezone.localtime(c.closes_at):%Y-%m-%d %H:%M} 前提交您的意见。",
               link=f"/consultations/{c.pk}/answer/", subdistrict_id=c.subdistrict_id)


@transaction.atomic
def consultation_close(*, actor, consultation_id: int, at: dt.datetime | None = None) -> Consultation:
    """Close by hand (before the closing time, or to write down that the time has passed)."""
    actor = Actor.of(actor)
    now = at or timezone.now()
    c = _lock(actor, consultation_id)
    if c.status != Status.OPEN:
        raise Conflict("只有征求中的征求意见可以结束" if c.status == Status.DRAFT else "该征求意见已结束")
    _close(c, now)
    return c


def _close(c: Consultation, now: dt.datetime) -> None:
    c.status = Status.CLOSED
    c.closed_at = min(now, c.closes_at)
    c.closes_at = c.closed_at
    c.save(update_fields=["status", "closed_at", "closes_at"])


def consultation_close_due(*, at: dt.datetime | None = None) -> int:
    """Write `closed` on every open consultation past its closing time (the periodic job). Reads never
    depend on it: `Consultation.effective_status` already counts such a consultation as closed."""
    now = at or timezone.now()
    closed = 0
    for pk in Consultation.objects.filter(status=Status.OPEN, closes_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            c = Consultation.objects.select_for_update(of=("self",)).get(pk=pk)
            if c.status == Status.OPEN and c.closes_at <= now:
                _close(c, now)
                closed += 1
    return closed


# -- answers -----------------------------------------------------------------------------------------------


def _respondent(actor: Actor) -> Resident | None:
    person = actor.person
    if person is None or not person.resident_id:
        return None
    resident = Resident.objects.select_related("household__unit__building").filter(pk=person.resident_id).first()
    if resident is None or resident.left_at is not None:
        return None
    return resident


def _answers(c: Consultation, answers, errors: list[FieldError]) -> list[Answer]:
    """Check every answer against its question; the Answer rows to write (response not set yet)."""
    questions = {q.pk: q for q in c.questions.prefetch_related("options")}
    given: dict[int, dict] = {}
    if not isinstance(answers, list | tuple):
        errors.append(FieldError("answers", "答案格式不对"))
        return []
    for i, answer in enumerate(answers, start=1):
        answer = answer if isinstance(answer, dict) else {}
        qid = answer.get("question")
        if qid not in questions:
            errors.append(FieldError(f"answers.{i}.question", f"第{i}个答案对应的题目不属于本次征求意见"))
            continue
        if qid in given:
            errors.append(FieldError(f"answers.{i}.question", f"第{questions[qid].position}题回答了两次"))
            continue
        given[qid] = answer
    rows: list[Answer] = []
    sub = c.subdistrict_id
    for q in sorted(questions.values(), key=lambda x: x.position):
        name = f"questions.{q.position}"
        label = f"第{q.position}题："
        answer = given.get(q.pk, {})
        if q.is_choice:
            options = answer.get("options") or []
            if not isinstance(options, list | tuple):
                options = [options]
            valid = {o.pk: o for o in q.options.all()}
            if any(o not in valid for o in options):
                errors.append(FieldError(name, f"{label}所选选项不属于这道题"))
                continue
            options = list(dict.fromkeys(options))
            if q.kind == Kind.SINGLE and len(options) > 1:
                errors.append(FieldError(name, f"{label}单选题只能选一项"))
                continue
            if not options:
                if q.required:
                    errors.append(FieldError(name, f"{label}此题必答"))
                continue
            rows += [Answer(subdistrict_id=sub, question=q, option=valid[o]) for o in options]
        elif q.kind == Kind.SCALE:
            value = answer.get("value")
            if value is None or value == "":
                if q.required:
                    errors.append(FieldError(name, f"{label}此题必答"))
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not q.scale_min <= value <= q.scale_max:
                errors.append(FieldError(name, f"{label}分值应在{q.scale_min}到{q.scale_max}之间"))
                continue
            rows.append(Answer(subdistrict_id=sub, question=q, value=value))
        else:
            text = _text(answer.get("text"), name, limit=TEXT_ANSWER_MAX, required=q.required, errors=errors,
                         label=label)
            if text:
                rows.append(Answer(subdistrict_id=sub, question=q, text=text))
    return rows


@transaction.atomic
def consultation_respond(*, actor, consultation_id: int, answers: list, at: dt.datetime | None = None) -> Response:
    """A resident of the audience answers (or changes their answers) while the consultation is open.
    `answers`: [{"question": id, "options": [option ids]} | {"question": id, "value": n} |
    {"question": id, "text": "…"}]."""
    actor = Actor.of(actor)
    now = at or timezone.now()
    # The consultation's row is locked first: responses to one consultation are taken one at a time, and a
    # close by hand waits for an answer being written (or the answer waits for the close and is refused).
    c = Consultation.objects.select_for_update(of=("self",)).select_related("community").filter(
        pk=consultation_id).first()
    if c is None:
        raise NotFound("未找到该征求意见")
    resident = _respondent(actor)
    in_audience = resident is not None and selectors.audience_residents(c).filter(pk=resident.pk).exists()
    role = selectors.role_of(actor.scope, c)
    if c.status == Status.DRAFT:
        if role == selectors.MANAGE:
            raise Conflict("该征求意见尚未发布，不能作答")
        raise NotFound("未找到该征求意见")
    if not in_audience:
        if role is None and not actor.scope.is_admin:
            raise NotFound("未找到该征求意见")
        if resident is None:
            raise PermissionDenied("只有征求范围内的居民可以作答")
        raise PermissionDenied(f"您不在本次征求意见的范围内（征求对象：{selectors.audience_label(c)}）")
    if c.opens_at and now < c.opens_at:
        raise Conflict(f"征求意见尚未开始，{timezone.localtime(c.opens_at):%Y-%m-%d %H:%M} 起可以作答")
    if not c.is_accepting(now):
        raise Conflict(f"征求意见已于 {timezone.localtime(c.closes_at):%Y-%m-%d %H:%M} 截止，不能再作答")
    errors: list[FieldError] = []
    rows = _answers(c, answers, errors)
    _raise(errors)
    if c.basis == Basis.HOUSEHOLD:
        existing = Response.objects.filter(consultation=c, basis=Basis.HOUSEHOLD,
                                           household_id=resident.household_id).first()
    else:
        existing = Response.objects.filter(consultation=c, basis=Basis.RESIDENT, resident=resident).first()
    if existing is not None and existing.resident_id != resident.pk:
        raise Conflict("您家已有家庭成员提交了意见，本次征求每户只能提交一份")
    if existing is None:
        response = Response(subdistrict_id=c.subdistrict_id, consultation=c, basis=c.basis, resident=resident,
                            household_id=resident.household_id, submitted_at=now, updated_at=now)
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError:
            # Another request of the same person or household got there first (the lock is a no-op on
            # databases without row locks; the constraint holds anyway).
            raise Conflict("您家已有家庭成员提交了意见，本次征求每户只能提交一份" if c.basis == Basis.HOUSEHOLD
                           else "您已提交过意见，请刷新后修改") from None
    else:
        response = existing
        response.answers.all().delete()
        response.updated_at = now
        response.save(update_fields=["updated_at"])
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    return response
