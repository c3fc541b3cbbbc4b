"""Emergencies in the demo subdistrict: the article's night fire and a fire drill, both cleared.

The article tells of several night-time fires put out by residents whom the property staff organised.
The demo keeps one of them as a cleared emergency in the featured community, about ten months before the
load: declared at 01:40 by the community's party secretary at one building, every household confirmed
by the micro-grid members within the hour (two needed help and got it), cleared with a report. A fire
drill of two buildings of another estate, three months before the load, shows the same flow marked as a
drill, with one household not reached at the all-clear.

History needs no notifications: the rows are bulk-written as the services would have left them."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from wangge.fieldwork.emergencies.models import (
    Emergency,
    HouseholdState,
    HouseholdStatus,
    Kind,
    Status,
    StatusChange,
)
from wangge.fieldwork.emergencies.services import summarize
from wangge.people.models import Duty, Role
from wangge.registry.models import Building, GridNode, Household, Level, Resident

from .generator import FEATURED_CODE

SEED = 4107
FIRE_REPORT = (
    "凌晨1时38分，{building}楼道内电动车充电起火，烟雾沿楼梯间上窜。物业夜班保安发现后立即报警并启动应急预案，"
    "社区党委书记1时40分宣布突发事件，系统同时通知全楼居民、网格员和城西消防救援站。物业人员和党员楼栋长组织居民"
    "用楼道灭火器初期处置，微网格员逐户敲门确认，1时52分消防救援站到场扑灭余火。全楼{total}户全部确认："
    "{safe}户安全撤离，{help}户（行动不便老人）由网格员和消防员协助转移，无人员伤亡。"
    "后续：清理楼道堆放的电动车，在小区增设集中充电棚，下一个议事日讨论电动车充电管理办法。"
)
DRILL_REPORT = (
    "消防疏散演练，按真实流程宣布、通知、逐户确认。{minutes}分钟内{confirmed}户确认，{unreached}户外出未联系上，"
    "已由楼栋管家电话补充确认。演练发现：部分老人不清楚集合地点，下次演练前由微网格员上门告知。"
)


def _micro_members() -> dict[int, int]:
    """micro-grid id → the person id of its micro-grid member (the first, by id)."""
    out: dict[int, int] = {}
    for grid_id, person_id in (Duty.objects.filter(role=Role.MICRO_GRID_MEMBER).order_by("id")
                               .values_list("grid_id", "person_id")):
        out.setdefault(grid_id, person_id)
    return out


def _declarer(community: GridNode) -> int | None:
    duty = (Duty.objects.filter(role=Role.TWO_COMMITTEE_MEMBER, grid=community).order_by("id").first()
            or Duty.objects.filter(role=Role.GRID_LEADER, grid__path__startswith=community.path).order_by("id").first())
    return duty.person_id if duty else None


def _write(*, kind: str, title: str, description: str, drill: bool, grid: GridNode, buildings: list[Building],
           declared_at: dt.datetime, declarer: int | None, statuses: dict[int, tuple[str, str]],
           minutes: int, report: str, rng: random.Random, members: dict[int, int]) -> tuple[Emergency, int]:
    emergency = Emergency(
        kind=kind, title=title, description=description, drill=drill, grid=grid, declared_by_id=declarer,
        declared_at=declared_at, status=Status.CLEARED, cleared_at=declared_at + dt.timedelta(minutes=minutes),
        cleared_by_id=declarer, subdistrict_id=grid.subdistrict_id, report="x",
    )
    emergency.refresh_search_text()
    emergency.save()
    emergency.buildings.set(buildings)
    households = list(Household.objects.filter(unit__building__in=buildings).select_related("unit")
                      .order_by("unit__building__name", "floor", "unit__name", "room"))
    rows = []
    for h in households:
        state, note = statuses.get(h.pk, (HouseholdState.SAFE, ""))
        at = declared_at + dt.timedelta(minutes=rng.randint(3, max(4, minutes - 5)))
        by = members.get(h.unit.micro_grid_id) or declarer
        rows.append(HouseholdStatus(
            emergency=emergency, household=h, status=state, note=note, subdistrict_id=grid.subdistrict_id,
            confirmed_by_id=None if state == HouseholdState.NOT_REACHED else by,
            confirmed_at=None if state == HouseholdState.NOT_REACHED else at,
        ))
    rows = HouseholdStatus.objects.bulk_create(rows)
    names = dict(Duty.objects.filter(person_id__in={r.confirmed_by_id for r in rows if r.confirmed_by_id})
                 .values_list("person_id", "person__name"))
    StatusChange.objects.bulk_create([
        StatusChange(entry=r, status=r.status, note=r.note, by_id=r.confirmed_by_id,
                     by_label=names.get(r.confirmed_by_id, ""), at=r.confirmed_at, subdistrict_id=r.subdistrict_id)
        for r in rows if r.confirmed_at is not None
    ])
    summary = summarize(emergency)
    summary["minutes"] = minutes
    counts = summary["counts"]
    emergency.summary = summary
    emergency.report = report.format(building=buildings[0].name, total=counts["total"], safe=counts["safe"],
                                     help=counts["needs_help"], minutes=minutes, confirmed=counts["confirmed"],
                                     unreached=counts["not_reached"])
    # What the declaration told, as the services would have counted it (history: nothing is re-sent).
    residents = Resident.objects.filter(household__in=households, left_at__isnull=True)
    with_person = residents.filter(person__isnull=False).count()
    texts = residents.filter(person__isnull=True).exclude(phone="").values("phone").distinct().count()
    emergency.notified = {
        "households": len(households), "residents": residents.count(), "resident_persons": with_person,
        "resident_texts": texts, "workers": len({r.confirmed_by_id for r in rows if r.confirmed_by_id}),
        "joint_unit_persons": 0, "joint_units": [], "unreachable_residents": 0,
    }
    emergency.save(update_fields=["summary", "report", "notified"])
    return emergency, len(rows)


def load_emergencies() -> dict[str, int]:
    """Write the demo's emergencies (see the module docstring). Returns the counts written."""
    rng = random.Random(SEED)
    community = GridNode.objects.get(code=FEATURED_CODE)
    estates = list(GridNode.objects.filter(level=Level.ESTATE_GRID, path__startswith=community.path).order_by("code"))
    members = _micro_members()
    declarer = _declarer(community)
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    written = {"emergencies": 0, "household_statuses": 0}

    fire_estate = estates[0]
    fire_building = (Building.objects.filter(estate_grid=fire_estate).order_by("name"))[rng.randrange(
        Building.objects.filter(estate_grid=fire_estate).count())]
    fire_households = list(Household.objects.filter(unit__building=fire_building, occupancy__in=["owner", "rented"])
                           .order_by("floor", "room").values_list("pk", flat=True))
    helped = rng.sample(fire_households, k=min(2, len(fire_households)))
    statuses = {pk: (HouseholdState.NEEDS_HELP, "行动不便的老人，已由网格员和消防员协助转移") for pk in helped}
    night = dt.datetime.combine(today - dt.timedelta(days=300), dt.time(1, 40), tzinfo=tz)
    _e, n = _write(kind=Kind.FIRE, title=f"{fire_building.name}夜间火情", drill=False, grid=fire_estate,
                   description=f"{fire_building.name}楼道电动车充电起火，烟雾较大", buildings=[fire_building],
                   declared_at=night, declarer=declarer, statuses=statuses, minutes=55, report=FIRE_REPORT, rng=rng,
                   members=members)
    written["emergencies"] += 1
    written["household_statuses"] += n

    drill_estate = estates[1] if len(estates) > 1 else estates[0]
    drill_buildings = list(Building.objects.filter(estate_grid=drill_estate).order_by("name")[:2])
    drill_households = list(Household.objects.filter(unit__building__in=drill_buildings).order_by("id")
                            .values_list("pk", flat=True))
    away = rng.choice(drill_households)
    morning = dt.datetime.combine(today - dt.timedelta(days=90), dt.time(9, 30), tzinfo=tz)
    _e, n = _write(kind=Kind.FIRE, title=f"{drill_estate.name}消防疏散演练", drill=True, grid=drill_estate,
                   description="119消防宣传月疏散演练", buildings=drill_buildings, declared_at=morning,
                   declarer=declarer, statuses={away: (HouseholdState.NOT_REACHED, "")}, minutes=40,
                   report=DRILL_REPORT, rng=rng, members=members)
    written["emergencies"] += 1
    written["household_statuses"] += n
    return written
