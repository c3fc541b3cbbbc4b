"""Every write of emergencies: declare (and reach everyone at once), confirm a household's status, give
the all-clear. Keyword-only, one transaction each; notifications, text messages and the webhook are
written in the same transaction and go out through the notify outbox after it commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from wangge.core import pii
from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, full_clean
from wangge.core.text import clean_text
from wangge.notify.services import emit, notify, sms_to_numbers
from wangge.people.access import EMERGENCY, VIEW, Scope, actor_scope, require
from wangge.people.models import Duty, Membership, Organisation, OrganisationKind, Person, Role
from wangge.registry.models import (
    Building,
    GridNode,
    Household,
    Level,
    Resident,
    common_ancestor_id,
    path_ids,
)

from . import selectors
from .models import Emergency, HouseholdState, HouseholdStatus, Kind, Status, StatusChange

TITLE_MAX = 100
DESCRIPTION_MAX = 2000
NOTE_MAX = 200
REPORT_MIN = 10
REPORT_MAX = 10000
BUILDINGS_MAX = 200
# Levels an emergency may be declared at: a community at most (a whole subdistrict is not one event).
DECLARE_LEVELS = {Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID, Level.MICRO_GRID}
# The workers told: every duty on the path of the affected units from the community down, but the joint
# units' liaisons (told as joint units) and resident representatives (told as residents).
WORKER_ROLES = set(Role.values) - {Role.JOINT_UNIT_LIAISON, Role.RESIDENT_REPRESENTATIVE}
# The joint units concerned by each kind of emergency.
JOINT_UNITS = {
    Kind.FIRE: [OrganisationKind.FIRE_BRIGADE, OrganisationKind.POLICE_STATION],
    Kind.GAS_LEAK: [OrganisationKind.FIRE_BRIGADE, OrganisationKind.POLICE_STATION],
    Kind.FLOOD: [OrganisationKind.FIRE_BRIGADE, OrganisationKind.POLICE_STATION],
    Kind.EARTHQUAKE: [OrganisationKind.FIRE_BRIGADE, OrganisationKind.POLICE_STATION],
    Kind.POWER_CUT: [OrganisationKind.POLICE_STATION],
    Kind.OTHER: [OrganisationKind.FIRE_BRIGADE, OrganisationKind.POLICE_STATION],
}
RESIDENT_ADVICE = {
    Kind.FIRE: "请立即经楼梯有序撤离，切勿乘坐电梯，用湿毛巾捂住口鼻，到小区空旷处集合。",
    Kind.FLOOD: "请关闭电源燃气，转移到高处，远离地下室和车库。",
    Kind.GAS_LEAK: "请勿开关电器、勿用明火，打开门窗，立即撤离到室外。",
    Kind.POWER_CUT: "请关闭大功率电器，注意用火安全，有困难请联系网格员。",
    Kind.EARTHQUAKE: "请就近避险，震动停止后有序撤离到空旷处，远离建筑物。",
    Kind.OTHER: "请听从网格员和物业人员指挥。",
}


def _person(actor) -> Person | None:
    if actor is None or isinstance(actor, Scope):
        return None
    return getattr(actor, "person", None) if getattr(actor, "is_authenticated", False) else None


def prefix(emergency: Emergency) -> str:
    return "【演练】" if emergency.drill else "【紧急】"


def place_label(emergency: Emergency, buildings: Iterable[Building]) -> str:
    names = [b.name for b in buildings]
    shown = "、".join(names[:5]) + (f"等{len(names)}栋楼" if len(names) > 5 else "")
    return f"{emergency.grid.name}{shown}" if emergency.grid.level != Level.MICRO_GRID else shown


# -- declare --------------------------------------------------------------------------------------------------


@transaction.atomic
def emergency_declare(
    *, actor, kind: str, title: str = "", description: str = "", drill: bool = False,
    grid: int | None = None, buildings: list[int] | None = None,
) -> Emergency:
    """Declare an emergency (or a drill) on a grid (all its buildings) and/or on buildings, and reach
    everyone at once: every current resident of the affected buildings (their person: inbox, email and
    text message whatever they chose; no person: a text message to the phone in the registry), every
    worker on the path of those buildings' units, the liaisons of the joint units concerned, and the
    subdistrict's webhooks. Needs the emergency capability on the emergency's grid."""
    scope = actor_scope(actor)
    if kind not in Kind.values:
        raise InvalidInput.field("kind", f"类别应为：{'、'.join(str(k.label) for k in Kind)}")
    title = clean_text(title, "title", limit=TITLE_MAX, label="标题")
    description = clean_text(description, "description", limit=DESCRIPTION_MAX, label="情况说明")
    building_ids = list(dict.fromkeys(buildings or []))
    if grid is None and not building_ids:
        raise InvalidInput.field("grid", "请选择发生的网格或楼栋")
    if len(building_ids) > BUILDINGS_MAX:
        raise InvalidInput.field("buildings", f"一次最多选择{BUILDINGS_MAX}栋楼")

    node = None
    if grid is not None:
        node = GridNode.objects.filter(pk=grid).first()
        if node is None or not (scope.sees_grid(node) or scope.is_admin):
            raise NotFound("未找到该网格")
        require(scope, EMERGENCY, node)
        if node.level not in DECLARE_LEVELS:
            raise InvalidInput.field("grid", "突发事件应宣布在社区、网格、小区或微网格，不能是整个街道或县区")
    chosen = list(Building.objects.filter(pk__in=building_ids).select_related("estate_grid"))
    if len(chosen) != len(building_ids):
        missing = sorted(set(building_ids) - {b.pk for b in chosen})
        raise NotFound(f"未找到楼栋：{'、'.join(map(str, missing[:10]))}")
    for building in chosen:
        require(scope, EMERGENCY, building.estate_grid)
    if node is not None:
        under = Building.objects.filter(Q(estate_grid__path__startswith=node.path)
                                        | Q(units__micro_grid__path__startswith=node.path)).distinct()
        if chosen:
            outside = [b.name for b in chosen if b.pk not in set(under.values_list("pk", flat=True))]
            if outside:
                raise InvalidInput.field("buildings", f"楼栋不在所选网格内：{'、'.join(outside)}")
        else:
            chosen = list(under.select_related("estate_grid").order_by("name"))
            if not chosen:
                raise InvalidInput.field("grid", "该网格下没有登记楼栋")
    else:
        common = common_ancestor_id(b.estate_grid.path for b in chosen)
        if common is None:
            raise InvalidInput.field("buildings", "所选楼栋不在同一个县区内，请分别宣布")
        node = GridNode.objects.get(pk=common)
        require(scope, EMERGENCY, node)
    chosen.sort(key=lambda b: (b.estate_grid.code, b.name))

    emergency = Emergency(
        kind=kind, title=title, description=description, drill=bool(drill), grid=node,
        declared_by=_person(actor), declared_at=timezone.now(), subdistrict_id=node.tenant_id,
    )
    if not emergency.title:
        emergency.title = f"{place_label(emergency, chosen)}{Kind(kind).label}"[:TITLE_MAX]
    full_clean(emergency)
    emergency.save()
    emergency.buildings.set(chosen)
    households = list(Household.objects.filter(unit__building__in=chosen).select_related("unit"))
    HouseholdStatus.objects.bulk_create([
        HouseholdStatus(emergency=emergency, household=h, subdistrict_id=emergency.subdistrict_id) for h in households
    ])
    emergency.notified = _reach(emergency, chosen, households)
    emergency.save(update_fields=["notified"])
    emit(event="emergency.declared", payload=_payload(emergency, chosen), subdistrict_id=emergency.subdistrict_id)
    return emergency


def _payload(emergency: Emergency, buildings: list[Building]) -> dict:
    return {
        "emergency_id": emergency.pk, "kind": emergency.kind, "drill": emergency.drill, "title": emergency.title,
        "status": emergency.status,
        "grid": {"id": emergency.grid_id, "code": emergency.grid.code, "name": emergency.grid.name},
        "buildings": [{"id": b.pk, "name": b.name} for b in buildings],
        "households": emergency.notified.get("households", 0), "declared_at": emergency.declared_at,
    }


def _workers(households: list[Household], buildings: list[Building]) -> list[Person]:
    node_ids: set[int] = set()
    for b in buildings:
        node_ids.update(path_ids(b.estate_grid.path))
    micro_ids = {h.unit.micro_grid_id for h in households if h.unit.micro_grid_id}
    for micro in GridNode.objects.filter(pk__in=micro_ids):
        node_ids.update(path_ids(micro.path))
    duties = (Duty.objects.current().filter(grid_id__in=node_ids, role__in=WORKER_ROLES)
              .filter(grid__level__in=list(DECLARE_LEVELS)).select_related("person").order_by("grid__depth", "id"))
    return [d.person for d in duties]


def joint_unit_liaisons(emergency: Emergency) -> tuple[list[Organisation], list[Person]]:
    """The joint units concerned (by the kind of emergency) in the emergency's area or above it, and their
    liaisons: current members, and those on a joint-unit liaison duty for them."""
    grid = emergency.grid
    orgs = list(Organisation.objects.filter(kind__in=JOINT_UNITS[emergency.kind])
                .filter(Q(grid_id__in=grid.ancestor_ids()) | Q(grid__path__startswith=grid.path)).order_by("id"))
    today = timezone.localdate()
    members = (Membership.objects.filter(organisation__in=orgs, start__lte=today)
               .filter(Q(end__isnull=True) | Q(end__gte=today)).select_related("person"))
    liaisons = Duty.objects.current().filter(organisation__in=orgs, role=Role.JOINT_UNIT_LIAISON).select_related("person")
    return orgs, [m.person for m in members] + [d.person for d in liaisons]


def _reach(emergency: Emergency, buildings: list[Building], households: list[Household]) -> dict:
    """Tell everyone concerned, urgently. Returns what was sent, for the page and the report."""
    sub = emergency.subdistrict_id
    kind = emergency.get_kind_display()
    head = f"{prefix(emergency)}{kind}：{emergency.title}"
    live = reverse("emergency-live", args=[emergency.pk])
    workers = list({p.pk: p for p in _workers(households, buildings)}.values())
    worker_ids = {p.pk for p in workers}
    notify(recipients=workers, event="emergency.declared", title=f"{head}，请立即逐户确认住户安全",
           body=emergency.description, link=live, payload={"emergency_id": emergency.pk}, subdistrict_id=sub,
           urgent=True)
    orgs, liaisons = joint_unit_liaisons(emergency)
    liaisons = [p for p in {p.pk: p for p in liaisons}.values() if p.pk not in worker_ids]
    notify(recipients=liaisons, event="emergency.declared", title=f"{head}（{place_label(emergency, buildings)}）",
           body=emergency.description, payload={"emergency_id": emergency.pk}, subdistrict_id=sub, urgent=True)
    told = worker_ids | {p.pk for p in liaisons}

    residents = list(Resident.objects.filter(household__in=households, left_at__isnull=True)
                     .select_related("person").order_by("id"))
    persons = []
    for r in residents:
        person = getattr(r, "person", None)
        if person is not None and person.pk not in told:
            persons.append(person)
    advice = RESIDENT_ADVICE[emergency.kind]
    notify(recipients=persons, event="emergency.declared", title=f"{head}。{advice}",
           body=emergency.description, payload={"emergency_id": emergency.pk}, subdistrict_id=sub, urgent=True)
    # A text to every other number in the registry, once per number: the persons' own phones are texted
    # by notify() already.
    covered = {pii.normalize_phone(p.phone) for p in [*workers, *liaisons, *persons] if p.phone}
    numbers = []
    for r in residents:
        number = pii.normalize_phone(r.phone)
        if number and not pii.phone_problem(number) and number not in covered:
            covered.add(number)
            numbers.append(number)
    texts = sms_to_numbers(phones=numbers, title=f"{head}。{advice}", subdistrict_id=sub) if numbers else []
    return {
        "households": len(households), "residents": len(residents), "resident_persons": len(persons),
        "resident_texts": len(texts), "workers": len(workers), "joint_unit_persons": len(liaisons),
        "joint_units": [o.name for o in orgs],
        "unreachable_residents": sum(1 for r in residents if getattr(r, "person", None) is None
                                     and (not r.phone or pii.phone_problem(r.phone))),
    }


# -- confirm a household -----------------------------------------------------------------------------------


@transaction.atomic
def emergency_household_status(
    *, actor, emergency_id: int, household_id: int, status: str, note: str = "",
) -> HouseholdStatus:
    """A worker confirms where one household stands: safe, needs help, or (back to) not reached. Any
    worker who may view the household's grid may; every change is kept."""
    scope = actor_scope(actor)
    emergency = selectors.emergency_get(actor=scope, emergency_id=emergency_id)
    entry = (HouseholdStatus.objects.select_for_update(of=("self",))
             .select_related("household__unit__micro_grid", "household__unit__building__estate_grid")
             .filter(emergency=emergency, household_id=household_id).first())
    if entry is None:
        raise NotFound("该住户不在此次突发事件范围内")
    unit = entry.household.unit
    require(scope, VIEW, unit.micro_grid or unit.building.estate_grid)
    if status not in HouseholdState.values:
        raise InvalidInput.field("status", f"状态应为：{'、'.join(str(s.label) for s in HouseholdState)}")
    note = clean_text(note, "note", limit=NOTE_MAX, label="备注")
    if not emergency.is_active:
        raise Conflict("突发事件已解除，不能再更改住户状态")
    person = _person(actor)
    now = timezone.now()
    entry.status, entry.note, entry.confirmed_by, entry.confirmed_at = status, note, person, now
    if status == HouseholdState.NOT_REACHED:
        entry.confirmed_at = None
    entry.save(update_fields=["status", "note", "confirmed_by", "confirmed_at"])
    label = person.name if person else (getattr(actor, "get_username", lambda: "系统")() if actor else "系统")
    StatusChange.objects.create(entry=entry, status=status, note=note, by=person, by_label=label[:50], at=now,
                                subdistrict_id=entry.subdistrict_id)
    if status == HouseholdState.NEEDS_HELP:
        _tell_needs_help(emergency, entry)
    return entry


def _tell_needs_help(emergency: Emergency, entry: HouseholdStatus) -> None:
    """A household that needs help is told to the declarer at once (they direct the rescue)."""
    if emergency.declared_by_id is None:
        return
    notify(recipients=[emergency.declared_by], event="emergency.needs_help",
           title=f"{prefix(emergency)}{entry.household}需要救助", body=entry.note,
           link=reverse("emergency-live", args=[emergency.pk]), payload={"emergency_id": emergency.pk},
           subdistrict_id=emergency.subdistrict_id, urgent=not emergency.drill)


# -- all-clear ------------------------------------------------------------------------------------------------


def summarize(emergency: Emergency) -> dict:
    rows = HouseholdStatus.objects.filter(emergency=emergency).select_related("household__unit__building")
    counts = selectors.counts(rows)

    def listed(state: str) -> list[dict]:
        return [{"household_id": r.household_id, "label": str(r.household), "note": r.note}
                for r in rows.filter(status=state).order_by("household__unit__building__name", "household__floor",
                                                              "household__room")]

    return {"counts": counts, "not_reached": listed(HouseholdState.NOT_REACHED),
            "needs_help": listed(HouseholdState.NEEDS_HELP),
            "minutes": _minutes(emergency.declared_at, timezone.now())}


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))


@transaction.atomic
def emergency_clear(*, actor, emergency_id: int, report: str) -> Emergency:
    """The all-clear: close the emergency with the report (required) and a generated summary, and tell
    everyone who was told of it. Needs the emergency capability on the emergency's grid; only once."""
    scope = actor_scope(actor)
    emergency = selectors.emergency_get(actor=scope, emergency_id=emergency_id)
    if not scope.can(EMERGENCY, emergency.grid):  # they see it (found above): say why they may not
        raise PermissionDenied("只有在该网格有宣布突发事件权限的人员可以解除")
    emergency = Emergency.objects.select_for_update(of=("self",)).select_related("grid", "declared_by").get(pk=emergency.pk)
    if not emergency.is_active:
        raise Conflict("该突发事件已解除")
    report = (report or "").strip()
    if len(report) < REPORT_MIN:
        raise InvalidInput.field("report", f"请填写处置报告（至少{REPORT_MIN}字）：经过、救助情况、损失和后续安排")
    if len(report) > REPORT_MAX:
        raise InvalidInput.field("report", f"处置报告不能超过{REPORT_MAX}字")
    now = timezone.now()
    emergency.summary = summarize(emergency)
    emergency.summary["minutes"] = _minutes(emergency.declared_at, now)
    emergency.status, emergency.cleared_at, emergency.cleared_by, emergency.report = (
        Status.CLEARED, now, _person(actor), report)
    full_clean(emergency)
    emergency.save(update_fields=["status", "cleared_at", "cleared_by", "report", "summary"])
    buildings = list(emergency.buildings.select_related("estate_grid"))
    households = list(Household.objects.filter(emergency_statuses__emergency=emergency).select_related("unit"))
    workers = _workers(households, buildings)
    _orgs, liaisons = joint_unit_liaisons(emergency)
    residents = Person.objects.filter(resident__household__in=households, resident__left_at__isnull=True)
    title = f"{prefix(emergency)}{emergency.get_kind_display()}：{emergency.title}已解除"
    notify(recipients=[*workers, *liaisons, *residents], event="emergency.cleared", title=title,
           payload={"emergency_id": emergency.pk}, subdistrict_id=emergency.subdistrict_id)
    emit(event="emergency.cleared", payload={**_payload(emergency, buildings), "summary": emergency.summary},
         subdistrict_id=emergency.subdistrict_id)
    return emergency
