"""Every write to a dispute: opening it (from a matter or not), parties, mediators, sessions, the outcome,
the signed copy, the follow-up visit, and unmasking a party's personal data. Keyword-only, one
transaction each; bad input raises InvalidInput naming every wrong field, and nothing is half-written.

Who may write: whoever holds MEDIATE (`disputes.mediate`) over the dispute's grid — grid members, grid
leaders and two-committee members (see people/access.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from wangge.core import images, pii
from wangge.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from wangge.core.text import clean_text
from wangge.matters import services as matters
from wangge.matters.models import Matter, State
from wangge.notify.services import emit, notify
from wangge.people.access import MEDIATE, SUPERVISE, UNMASK, VIEW, Actor, Scope, require
from wangge.people.models import Duty, Person, PiiAccessLog
from wangge.registry.models import GridNode, Household, Resident

from .models import OPEN_STATUSES, Dispute, Kind, Party, ReferredTo, Session, Side, Status

TITLE_MAX = 100
SUMMARY_MAX = 2000
NOTES_MAX = 4000
TERMS_MAX = 4000
REASON_MAX = 1000
PARTIES_MAX = 20
MEDIATORS_MAX = 10
FOLLOW_UP_DAYS = 30
SIGNED_COPY_MAX_BYTES = 10 * 1024 * 1024
SIGNED_COPY_ACCEPTED = "PDF、JPEG、PNG、WebP 或 HEIC"


# -- who is acting ---------------------------------------------------------------------------------


def _lock(dispute_id: int, actor: Actor) -> Dispute:
    """The dispute, locked for this transaction: 404 outside the actor's scope, 403 inside without MEDIATE."""
    dispute = (
        Dispute.objects.select_for_update(of=("self",)).select_related("grid", "matter").filter(pk=dispute_id).first()
    )
    if dispute is None:
        raise NotFound("未找到该纠纷")
    require(actor.scope, MEDIATE, dispute.grid)
    return dispute


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(errors[0].message if len(errors) == 1 else "；".join(str(e) for e in errors),
                           errors=errors)


def _id(value, field_name: str) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput.field(field_name, "应为编号") from exc
    if pk < 1:
        raise InvalidInput.field(field_name, "应为编号")
    return pk


def _tell(dispute: Dispute, recipients, *, event: str, title: str, body: str = "") -> None:
    notify(recipients=recipients, event=event, title=title, body=body or dispute.title,
           link=f"/disputes/{dispute.pk}/", payload={"dispute": dispute.pk, "status": dispute.status},
           subdistrict_id=dispute.subdistrict_id)


def _emit(dispute: Dispute, event: str) -> None:
    emit(event=f"dispute.{event}",
         payload={"id": dispute.pk, "kind": dispute.kind, "status": dispute.status, "grid": dispute.grid_id},
         subdistrict_id=dispute.subdistrict_id)


# -- parties ---------------------------------------------------------------------------------------------


@dataclass
class PartyIn:
    """A party: `resident` (a resident id) or an outsider's `name` with an optional phone and ID number."""

    side: str = Side.APPLICANT
    resident: int | None = None
    name: str = ""
    phone: str = ""
    id_number: str = ""


def _party(actor: Actor, dispute: Dispute, data: PartyIn, *, prefix: str, at) -> Party:
    errors: list[FieldError] = []
    if data.side not in Side.values:
        errors.append(FieldError(f"{prefix}side", f"应为 {'、'.join(Side.values)} 之一"))
    if data.resident is not None:
        resident = (
            Resident.objects.select_related("household__unit__micro_grid")
            .filter(pk=_id(data.resident, f"{prefix}resident"), left_at__isnull=True).first()
        )
        micro = resident.household.unit.micro_grid if resident else None
        if resident is None or micro is None or not actor.scope.can(VIEW, micro):
            raise InvalidInput.field(f"{prefix}resident", "该居民不存在，或不在您的网格内")
        if data.phone or data.id_number:
            errors.append(FieldError(f"{prefix}resident", "登记在册的居民不需另填电话和身份证号"))
        _raise(errors)
        if dispute.pk and dispute.parties.filter(resident=resident).exists():
            raise InvalidInput.field(f"{prefix}resident", f"{resident.name}已是当事人")
        return Party(dispute=dispute, side=data.side, resident=resident, name=resident.name, added_at=at)
    name = clean_text(data.name, f"{prefix}name", limit=50, required=True, errors=errors, label="当事人姓名")
    phone = pii.normalize_phone(data.phone or "")
    if phone and (problem := pii.phone_problem(phone)):
        errors.append(FieldError(f"{prefix}phone", problem))
    id_number = pii.normalize_id_number(data.id_number or "")
    if id_number and (problem := pii.id_number_problem(id_number)):
        errors.append(FieldError(f"{prefix}id_number", f"身份证号{problem}"))
    _raise(errors)
    return Party(dispute=dispute, side=data.side, name=name, phone=phone, id_number=id_number, added_at=at)


@transaction.atomic
def dispute_party_add(*, actor, dispute_id: int, party: PartyIn, at: dt.datetime | None = None) -> Party:
    actor = Actor.of(actor)
    at = at or timezone.now()
    dispute = _lock(dispute_id, actor)
    if not dispute.is_open:
        raise Conflict(f"纠纷已{dispute.get_status_display()}，不能再添加当事人")
    if dispute.parties.count() >= PARTIES_MAX:
        raise InvalidInput.field("parties", f"当事人最多{PARTIES_MAX}位")
    row = _party(actor, dispute, party, prefix="", at=at)
    row.save()
    _touch(dispute, at)
    return row


# -- mediators --------------------------------------------------------------------------------------------


def _mediators(actor: Actor, grid: GridNode, ids, *, at) -> list[Person]:
    """The mediators: persons holding MEDIATE over the dispute's grid now; a leader (SUPERVISE over the
    grid) may also bring in anyone holding a current duty in their scope — a building head, a resident
    representative, the police station's liaison."""
    ids = list(dict.fromkeys(_id(i, "mediators") for i in (ids or [])))
    if len(ids) > MEDIATORS_MAX:
        raise InvalidInput.field("mediators", f"调解员最多{MEDIATORS_MAX}位")
    leader = actor.scope.is_admin or actor.scope.can(SUPERVISE, grid)
    duties = Duty.objects.current(at).filter(person_id__in=ids).select_related("grid", "person")
    by_person: dict[int, list[Duty]] = {}
    for duty in duties:
        by_person.setdefault(duty.person_id, []).append(duty)
    found = []
    for pid in ids:
        own = by_person.get(pid, [])
        mediates = any(Scope(user_id=None, grants=[_grant(d)]).can(MEDIATE, grid) for d in own)
        brought = leader and any(actor.scope.can(VIEW, d.grid) for d in own)
        if not (mediates or brought):
            raise InvalidInput.field(
                "mediators", f"人员 {pid} 不能担任调解员：须在该网格有调解职责（网格员、网格长等），或由网格长指定在岗人员")
        found.append(own[0].person)
    return found


def _grant(duty: Duty):
    from wangge.people.access import Grant

    return Grant(duty.grid.path, duty.role, duty.grid_id, duty.grid.level)


@transaction.atomic
def dispute_mediators_set(*, actor, dispute_id: int, mediators: list[int], at: dt.datetime | None = None) -> Dispute:
    """Set who mediates; those newly assigned are told."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    dispute = _lock(dispute_id, actor)
    if not dispute.is_open:
        raise Conflict(f"纠纷已{dispute.get_status_display()}，不能再调整调解员")
    persons = _mediators(actor, dispute.grid, mediators, at=at)
    if not persons:
        raise InvalidInput.field("mediators", "请至少指定一位调解员")
    before = set(dispute.mediators.values_list("pk", flat=True))
    dispute.mediators.set(persons)
    _touch(dispute, at)
    new = [p for p in persons if p.pk not in before]
    if new:
        _tell(dispute, new, event="dispute.assigned", title=f"请您调解纠纷：{dispute.title}")
    return dispute


# -- opening -------------------------------------------------------------------------------------------------


@dataclass
class DisputeIn:
    kind: str
    title: str
    summary: str = ""
    grid: int | None = None
    household: int | None = None
    matter: int | None = None
    mediators: list[int] = field(default_factory=list)
    parties: list[PartyIn] = field(default_factory=list)


def _matter_for(actor: Actor, matter_id) -> Matter:
    matter = (
        Matter.objects.select_related("grid", "household__unit", "reporter_user")
        .filter(pk=_id(matter_id, "matter")).first()
    )
    if matter is None or not (actor.scope.can(VIEW, matter.grid)):
        raise InvalidInput.field("matter", "未找到该事项")
    if not actor.scope.can(MEDIATE, matter.grid):
        raise PermissionDenied("您在该事项的网格没有调解权限")
    if not matter.is_open:
        raise InvalidInput.field("matter", f"该事项已{matter.get_state_display()}，不能再转为纠纷调解")
    if matter.disputes.filter(status__in=list(OPEN_STATUSES)).exists():
        raise InvalidInput.field("matter", "该事项已在调解中")
    return matter


def _reporter_party(matter: Matter) -> PartyIn | None:
    """The matter's reporter as the first party (the applicant): the resident behind their login if any,
    else the name and phone the matter was reported with."""
    person = Person.objects.filter(user_id=matter.reporter_user_id).select_related("resident").first() \
        if matter.reporter_user_id else None
    if person is not None and person.resident_id and person.resident.left_at is None:
        return PartyIn(side=Side.APPLICANT, resident=person.resident_id)
    name = matter.reporter_name or (person.name if person else "")
    if not name:
        return None
    phone = matter.reporter_phone if matter.reporter_phone and not pii.phone_problem(matter.reporter_phone) else ""
    return PartyIn(side=Side.APPLICANT, name=name, phone=phone)


# The forward path of a matter, one action per state, as far as `stop` (see matters/lifecycle.py).
_FORWARD = {
    State.ON_HOLD: "resume",
    State.REPORTED: "accept",
    State.ACCEPTED: "dispatch",
    State.DISPATCHED: "start",
    State.REWORK: "start",
    State.IN_PROGRESS: "resolve",
    State.RESOLVED: "verify",
    State.VERIFIED: "close",
}


def _walk_matter(actor: Actor, matter_id: int, *, stop: str, note: str, at) -> None:
    """Take the matter along its lifecycle through the matters service until it reaches `stop` (or is
    past it): every step is a legal transition, recorded as an event, in this same transaction."""
    order = [State.REPORTED, State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS, State.RESOLVED,
             State.VERIFIED, State.CLOSED]
    for _step in range(10):
        matter = Matter.objects.only("state").get(pk=matter_id)
        state = matter.state
        if state not in _FORWARD:
            return  # closed, evaluated, withdrawn, rejected or merged: nothing to do
        if state in order and order.index(state) >= order.index(stop):
            return
        matters.matter_transition(actor=actor, matter_id=matter_id, action=_FORWARD[state], note=note, at=at)


@transaction.atomic
def dispute_open(*, actor, data: DisputeIn, at: dt.datetime | None = None) -> Dispute:
    """Open a dispute. From a matter (`data.matter`): its grid and household, and its reporter as the
    first party; the matter is taken to 处置中 with a note pointing to the dispute."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    errors: list[FieldError] = []
    if data.kind not in Kind.values:
        errors.append(FieldError("kind", f"请选择纠纷类型（{'、'.join(Kind.values)}）"))
    title = clean_text(data.title, "title", limit=TITLE_MAX, required=True, errors=errors, label="标题")
    summary = clean_text(data.summary, "summary", limit=SUMMARY_MAX, errors=errors)
    _raise(errors)
    matter = None
    household = None
    first_party = None
    if data.matter is not None:
        matter = _matter_for(actor, data.matter)
        grid, household = matter.grid, matter.household
        first_party = _reporter_party(matter)
        summary = summary or matter.description[:SUMMARY_MAX]
    elif data.household is not None:
        household = Household.objects.select_related("unit__micro_grid").filter(
            pk=_id(data.household, "household")).first()
        grid = household.unit.micro_grid if household else None
        if grid is None or not actor.scope.can(VIEW, grid):
            raise InvalidInput.field("household", "该住户不存在，或不在您的网格内")
    elif data.grid is not None:
        grid = GridNode.objects.filter(pk=_id(data.grid, "grid")).first()
        if grid is None or not actor.scope.sees_grid(grid) and not actor.scope.is_admin:
            raise InvalidInput.field("grid", "未找到该网格")
    else:
        raise InvalidInput.field("grid", "请选择纠纷发生的网格或住户")
    require(actor.scope, MEDIATE, grid)
    if grid.level in ("district", "subdistrict"):
        raise InvalidInput.field("grid", "请选择社区及以下的网格")
    persons = _mediators(actor, grid, data.mediators, at=at)
    if not persons and actor.person is not None and actor.scope.can(MEDIATE, grid):
        persons = [actor.person]  # who opens it mediates it, unless others are named
    dispute = Dispute(
        grid=grid, household=household, kind=data.kind, title=title, summary=summary, matter=matter,
        opened_by=actor.user if actor.user_id else None, opened_by_label=actor.label[:60], opened_at=at,
        updated_at=at, subdistrict=grid.tenant,
    )
    if len(data.parties) > PARTIES_MAX:
        raise InvalidInput.field("parties", f"当事人最多{PARTIES_MAX}位")
    parties = [first_party] if first_party else []
    parties += list(data.parties)
    rows: list[Party] = []
    errors = []
    seen_residents: set[int] = set()
    for i, party in enumerate(parties):
        try:
            row = _party(actor, dispute, party, prefix=f"parties.{i - (1 if first_party else 0)}.", at=at)
        except InvalidInput as exc:
            errors += exc.errors
            continue
        if row.resident_id and row.resident_id in seen_residents:
            continue  # the reporter named again
        seen_residents.add(row.resident_id or 0)
        rows.append(row)
    _raise(errors)
    dispute.save()
    for row in rows:
        row.dispute = dispute
    Party.objects.bulk_create(rows)
    dispute.mediators.set(persons)
    if matter is not None:
        _walk_matter(actor, matter.pk, stop=State.IN_PROGRESS, note=f"转入矛盾纠纷调解（纠纷 #{dispute.pk}）", at=at)
    others = [p for p in persons if p != actor.person]
    if others:
        _tell(dispute, others, event="dispute.assigned", title=f"请您调解纠纷：{dispute.title}")
    _emit(dispute, "opened")
    return dispute


def _touch(dispute: Dispute, at) -> None:
    dispute.updated_at = at
    dispute.save(update_fields=["updated_at", "search_text"])


# -- sessions -----------------------------------------------------------------------------------------------


@transaction.atomic
def dispute_session_add(
    *, actor, dispute_id: int, held_at: dt.datetime | None = None, place: str, notes: str,
    parties_present: list[int] = (), mediators_present: list[int] = (), at: dt.datetime | None = None,
) -> Session:
    """Log a mediation session; the first one moves the dispute from 待调解 to 调解中."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    dispute = _lock(dispute_id, actor)
    if not dispute.is_open:
        raise Conflict(f"纠纷已{dispute.get_status_display()}，不能再记录调解")
    errors: list[FieldError] = []
    held_at = held_at or at
    if held_at > at + dt.timedelta(minutes=5):
        errors.append(FieldError("held_at", "调解时间不能晚于现在"))
    elif held_at < dispute.opened_at - dt.timedelta(days=1):
        errors.append(FieldError("held_at", "调解时间不能早于纠纷登记时间"))
    place = clean_text(place, "place", limit=100, required=True, errors=errors, label="调解地点")
    notes = clean_text(notes, "notes", limit=NOTES_MAX, required=True, errors=errors, label="调解记录")
    party_ids = {p.pk for p in dispute.parties.all()}
    wanted = {_id(p, "parties_present") for p in parties_present}
    if wanted - party_ids:
        errors.append(FieldError("parties_present", "到场当事人须是本纠纷的当事人"))
    mediator_ids = set(dispute.mediators.values_list("pk", flat=True))
    present = {_id(p, "mediators_present") for p in mediators_present}
    if present - mediator_ids:
        errors.append(FieldError("mediators_present", "到场调解员须是本纠纷的调解员"))
    _raise(errors)
    session = Session.objects.create(
        dispute=dispute, held_at=held_at, place=place, notes=notes, created_at=at,
        recorded_by=actor.user if actor.user_id else None, recorded_by_label=actor.label[:60],
    )
    session.parties_present.set(wanted)
    session.mediators_present.set(present)
    if dispute.status == Status.OPEN:
        dispute.status = Status.MEDIATING
    dispute.updated_at = at
    dispute.save()
    _emit(dispute, "session")
    return session


# -- the outcome ----------------------------------------------------------------------------------------------


@dataclass
class OutcomeIn:
    outcome: str
    agreement_terms: str = ""
    follow_up_on: dt.date | None = None
    referred_to: str = ""
    referred_body: str = ""
    failure_reason: str = ""
    withdrawal_reason: str = ""


_OUTCOME_NOTE = {
    Status.AGREEMENT: "调解达成协议",
    Status.REFERRED: "移交{body}处理",
    Status.FAILED: "调解不成",
    Status.WITHDRAWN: "当事人撤回",
}


@transaction.atomic
def dispute_conclude(*, actor, dispute_id: int, outcome: OutcomeIn, at: dt.datetime | None = None) -> Dispute:
    """Record the outcome with the fields it requires:

    - agreement: `agreement_terms`, at least one applicant and one respondent, a mediator; the follow-up
      visit is due on `follow_up_on` (default 30 days on);
    - referred: `referred_to` (police / court / other) and `referred_body` (the body's name);
    - failed: `failure_reason`; withdrawn: `withdrawal_reason`.

    A dispute that came from a matter closes it, through the matters lifecycle, in this transaction."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    dispute = _lock(dispute_id, actor)
    if not dispute.is_open:
        raise Conflict(f"纠纷已{dispute.get_status_display()}，不能再次结案")
    o = outcome
    errors: list[FieldError] = []
    if o.outcome not in (Status.AGREEMENT, Status.REFERRED, Status.FAILED, Status.WITHDRAWN):
        raise InvalidInput.field("outcome", "请选择调解结果：agreement（达成协议）、referred（移交）、failed（调解不成）"
                                            "或 withdrawn（撤回）")
    terms = referred_body = failure = withdrawal = ""
    referred_to = ""
    follow_up = None
    if o.outcome == Status.AGREEMENT:
        terms = clean_text(o.agreement_terms, "agreement_terms", limit=TERMS_MAX, required=True, errors=errors,
                      label="协议内容")
        today = timezone.localdate(at)
        follow_up = o.follow_up_on or today + dt.timedelta(days=FOLLOW_UP_DAYS)
        if follow_up <= today:
            errors.append(FieldError("follow_up_on", "回访日期应晚于今天"))
        elif follow_up > today + dt.timedelta(days=366):
            errors.append(FieldError("follow_up_on", "回访日期应在一年之内"))
        sides = set(dispute.parties.values_list("side", flat=True))
        if Side.APPLICANT not in sides or Side.RESPONDENT not in sides:
            errors.append(FieldError("parties", "达成协议须至少有一位申请人和一位被申请人"))
        if not dispute.mediators.exists():
            errors.append(FieldError("mediators", "达成协议须有调解员"))
    elif o.outcome == Status.REFERRED:
        if o.referred_to not in ReferredTo.values:
            errors.append(FieldError("referred_to", "请选择移交去向：police（派出所）、court（人民法院）或 other（其他部门）"))
        else:
            referred_to = o.referred_to
        referred_body = clean_text(o.referred_body, "referred_body", limit=100, required=True, errors=errors,
                              label="接收单位名称")
    elif o.outcome == Status.FAILED:
        failure = clean_text(o.failure_reason, "failure_reason", limit=REASON_MAX, required=True, errors=errors,
                        label="调解不成的原因")
    else:
        withdrawal = clean_text(o.withdrawal_reason, "withdrawal_reason", limit=REASON_MAX, required=True, errors=errors,
                           label="撤回原因")
    # Fields of the other outcomes are refused rather than silently dropped.
    stray = {
        "agreement_terms": o.agreement_terms if o.outcome != Status.AGREEMENT else "",
        "follow_up_on": o.follow_up_on if o.outcome != Status.AGREEMENT else None,
        "referred_to": o.referred_to if o.outcome != Status.REFERRED else "",
        "referred_body": o.referred_body if o.outcome != Status.REFERRED else "",
        "failure_reason": o.failure_reason if o.outcome != Status.FAILED else "",
        "withdrawal_reason": o.withdrawal_reason if o.outcome != Status.WITHDRAWN else "",
    }
    for name, value in stray.items():
        if value not in ("", None) and not (isinstance(value, str) and not value.strip()):
            errors.append(FieldError(name, f"结果为“{Status(o.outcome).label}”时不填此项"))
    _raise(errors)
    dispute.status = o.outcome
    dispute.agreement_terms, dispute.follow_up_on = terms, follow_up
    dispute.referred_to, dispute.referred_body = referred_to, referred_body
    dispute.failure_reason, dispute.withdrawal_reason = failure, withdrawal
    dispute.concluded_at = at
    dispute.concluded_by_label = actor.label[:60]
    dispute.updated_at = at
    dispute.save()
    if dispute.matter_id:
        note = f"纠纷 #{dispute.pk}：" + _OUTCOME_NOTE[o.outcome].format(body=referred_body)
        _walk_matter(actor, dispute.matter_id, stop=State.CLOSED, note=note[:1000], at=at)
    recipients = [p for p in dispute.mediators.all() if p != actor.person]
    if recipients:
        _tell(dispute, recipients, event="dispute.concluded",
              title=f"纠纷已结案（{dispute.get_status_display()}）：{dispute.title}")
    _emit(dispute, "concluded")
    return dispute


# -- after an agreement ------------------------------------------------------------------------------------------


def _sniff_signed_copy(raw: bytes) -> str | None:
    if raw.startswith(b"%PDF-"):
        return "pdf"
    return "image" if images.sniff(raw[:32]) else None


@transaction.atomic
def dispute_signed_copy(*, actor, dispute_id: int, data, at: dt.datetime | None = None) -> Dispute:
    """Keep the agreement as signed on paper: a PDF scan, or a photo (re-encoded, its metadata dropped).
    The type is judged by the content, never by the name. A new upload replaces the previous one."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    dispute = _lock(dispute_id, actor)
    if dispute.status != Status.AGREEMENT:
        raise Conflict("只有达成协议的纠纷可以上传签字协议")
    raw = data if isinstance(data, bytes | bytearray) else (data.read(SIGNED_COPY_MAX_BYTES + 1) or b"")
    raw = bytes(raw)
    if not raw:
        raise InvalidInput.field("file", "文件是空的")
    if len(raw) > SIGNED_COPY_MAX_BYTES:
        raise InvalidInput.field("file", f"文件不能超过 {SIGNED_COPY_MAX_BYTES // 2**20} MB")
    kind = _sniff_signed_copy(raw)
    if kind is None:
        raise InvalidInput.field("file", f"只支持 {SIGNED_COPY_ACCEPTED} 格式的文件")
    if kind == "pdf":
        if b"%%EOF" not in raw[-2048:]:
            raise InvalidInput.field("file", "PDF 文件不完整")
        content, content_type, extension = raw, "application/pdf", "pdf"
    else:
        image = images.clean_image(raw, field="file", max_bytes=SIGNED_COPY_MAX_BYTES, max_side=2400)
        content, content_type, extension = image.content, image.content_type, image.extension
    old = dispute.signed_copy.name if dispute.signed_copy else ""
    dispute.signed_copy.save(f"signed.{extension}", ContentFile(content), save=False)
    dispute.signed_copy_type = content_type
    dispute.signed_copy_at = at
    dispute.updated_at = at
    dispute.save()
    if old:
        storage = dispute.signed_copy.storage
        transaction.on_commit(lambda: storage.delete(old))
    _emit(dispute, "signed_copy")
    return dispute


@transaction.atomic
def dispute_follow_up(*, actor, dispute_id: int, note: str, done_on: dt.date | None = None,
                      at: dt.datetime | None = None) -> Dispute:
    """The follow-up visit after an agreement is done: when, and how the agreement holds."""
    actor = Actor.of(actor)
    at = at or timezone.now()
    dispute = _lock(dispute_id, actor)
    if dispute.status != Status.AGREEMENT:
        raise Conflict("只有达成协议的纠纷需要回访")
    if dispute.follow_up_done_on is not None:
        raise Conflict(f"已于 {dispute.follow_up_done_on:%Y-%m-%d} 回访")
    errors: list[FieldError] = []
    note = clean_text(note, "note", limit=REASON_MAX, required=True, errors=errors, label="回访情况")
    done_on = done_on or timezone.localdate(at)
    if done_on > timezone.localdate(at):
        errors.append(FieldError("done_on", "回访日期不能晚于今天"))
    elif dispute.concluded_at and done_on < timezone.localdate(dispute.concluded_at):
        errors.append(FieldError("done_on", "回访日期不能早于达成协议的日期"))
    _raise(errors)
    dispute.follow_up_done_on, dispute.follow_up_note = done_on, note
    dispute.updated_at = at
    dispute.save()
    _emit(dispute, "followed_up")
    return dispute


def follow_up_remind(*, today: dt.date | None = None) -> int:
    """Tell the mediators of every agreement whose follow-up visit is due (today or overdue) and not yet
    done; once per dispute. Returns how many disputes were reminded."""
    today = today or timezone.localdate()
    due = list(
        Dispute.objects.filter(status=Status.AGREEMENT, follow_up_done_on__isnull=True, follow_up_on__lte=today,
                               follow_up_reminded_on__isnull=True).values_list("pk", flat=True)[:1000]
    )
    done = 0
    for pk in due:
        with transaction.atomic():
            dispute = Dispute.objects.select_for_update().filter(pk=pk, follow_up_reminded_on__isnull=True).first()
            if dispute is None:
                continue
            dispute.follow_up_reminded_on = today
            dispute.save(update_fields=["follow_up_reminded_on"])
            _tell(dispute, list(dispute.mediators.all()), event="dispute.follow_up_due",
                  title=f"调解回访到期：{dispute.title}", body=f"回访日期 {dispute.follow_up_on:%Y-%m-%d}")
            done += 1
    return done


# -- personal data ------------------------------------------------------------------------------------------------


@transaction.atomic
def dispute_party_unmask(*, actor, dispute_id: int, party_id: int, reason: str) -> dict[str, str]:
    """A party's phone and ID number in full, for those who may unmask personal information over the
    dispute's grid (UNMASK) and mediate there. Who, whom, when and why goes to the access log."""
    actor = Actor.of(actor)
    if actor.user_id is None:
        raise PermissionDenied("需要登录")
    dispute = _lock(dispute_id, actor)
    if not actor.scope.can(UNMASK, dispute.grid):
        raise PermissionDenied("您不能查看当事人的完整个人信息")
    party = dispute.parties.select_related("resident").filter(pk=party_id).first()
    if party is None:
        raise NotFound("未找到该当事人")
    reason = clean_text(reason, "reason", limit=200, required=True, label="查看事由")
    if len(reason) < 2:
        raise InvalidInput.field("reason", "请说明查看事由")
    PiiAccessLog.objects.create(
        actor=actor.user, resident=party.resident, subject_name=party.name[:50], fields="phone,id_number",
        purpose="dispute", reason=f"纠纷 #{dispute.pk} {reason}"[:200],
    )
    return {"phone": party.full_phone(), "id_number": party.full_id_number()}
