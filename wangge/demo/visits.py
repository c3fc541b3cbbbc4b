"""Door-to-door visits (定期入户) in the demo's featured community.

What is written: one visit plan on the community (every household once a quarter, care households once
a month — the defaults, set explicitly so that the plans page shows them), and about two periods of
visits by the micro-grid members: mostly met at the door, sometimes nobody home (then tried again a few
days later) or refused. Coverage comes out high but not perfect: a few households have lapsed past their
period and a few were never met, in every micro-grid and at least `MIN_GAPS` in the `microgrid` login's
own, so that its list for today is never empty. The demo matters raised on a visit (source `visit`, with
a household) get their visit, on the day and by the person who reported them.

Everything is bulk-written; the rules are those of `fieldwork.visits` (only `met` counts, the period from
the plan, care flags from the current residents).
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from wangge.fieldwork.visits import services
from wangge.fieldwork.visits.models import Outcome, Visit
from wangge.matters.models import Matter, Source
from wangge.people.access import ROLE_CAPABILITIES, VISIT
from wangge.people.models import Duty, Person, Role
from wangge.registry.models import GridNode, Household, Occupancy, Resident

from .generator import FEATURED_CODE

SEED = 20240804
LAPSED = 0.08       # share of households whose last met visit is past its period
NEVER = 0.015       # share never met
MIN_GAPS = 3        # gaps at least in the `microgrid` login's micro-grid
NOTES_MET = [
    "家中一切正常", "了解家庭近况，无特殊需求", "宣传防诈骗知识，发放宣传单", "提醒冬季用电用气安全",
    "老人身体尚可，叮嘱注意防滑", "宣讲社区议事日安排，欢迎参加", "核对常住人口信息，无变化", "居民对物业服务较满意",
    "询问电梯、供暖使用情况，无问题", "登记居民对小区停车的意见",
]
NOTES_CARE = ["老人独居，查看水电燃气安全", "陪老人聊天，了解用药情况", "送去社区关爱物资", "确认紧急联系人电话有效"]
NOTES_OTHER = {Outcome.NOBODY_HOME: ["敲门无人应答，改日再访", "家中无人，已留联系卡"],
               Outcome.REFUSED: ["住户表示不便，未入户", "住户婉拒入户，门口简单交流"]}


def _at(rng: random.Random, day: dt.date, tz) -> dt.datetime:
    hour = rng.choice([9, 9, 10, 10, 11, 14, 15, 15, 16, 16, 17, 19])
    return dt.datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=tz)


def load_visits() -> dict[str, int]:
    community = GridNode.objects.filter(code=FEATURED_CODE).first()
    if community is None:
        return {"visit_plans": 0, "visits": 0, "visit_matters": 0}
    rng = random.Random(SEED)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localdate(now)
    plan = services.visit_plan_create(actor=None, grid=community, period_days=91, care_period_days=30,
                                      note="每户每季度至少入户一次，独居老人、残疾人、低保户等关爱户每月一次")
    care_flags = set(plan.care_flags)

    # Who visits where: the micro-grid's member first, else a visiting duty above it.
    visiting = [r for r, caps in ROLE_CAPABILITIES.items() if VISIT in caps]
    duties = list(Duty.objects.current(now).filter(role__in=visiting, grid__path__startswith=community.path)
                  .select_related("grid").order_by("-grid__depth", "role", "id"))
    rank = {Role.MICRO_GRID_MEMBER: 0, Role.BUILDING_STEWARD: 1, Role.PARTY_BUILDING_HEAD: 2}

    def workers_for(micro: GridNode) -> list[int]:
        below = [d for d in duties if micro.path.startswith(d.grid.path)]
        below.sort(key=lambda d: (-d.grid.depth, rank.get(d.role, 9)))
        best = [d.person_id for d in below if d.grid_id == micro.pk and d.role == Role.MICRO_GRID_MEMBER]
        return best or [d.person_id for d in below[:1]]

    households = list(
        Household.objects.filter(unit__micro_grid__path__startswith=community.path)
        .exclude(occupancy=Occupancy.VACANT).select_related("unit__micro_grid").order_by("id")
    )
    flags: dict[int, set] = {}
    for hid, fl in Resident.objects.filter(
        left_at__isnull=True, household__unit__micro_grid__path__startswith=community.path
    ).values_list("household_id", "care_flags"):
        flags.setdefault(hid, set()).update(fl or [])

    User = get_user_model()
    login = User.objects.filter(username="microgrid").select_related("person").first()
    login_micro = None
    if login is not None and getattr(login, "person", None) is not None:
        d = Duty.objects.current(now).filter(person=login.person, role=Role.MICRO_GRID_MEMBER).first()
        login_micro = d.grid_id if d else None

    sub_id = community.subdistrict_id
    recorded = {p: u for p, u in Person.objects.filter(user__isnull=False).values_list("pk", "user_id")}
    cache: dict[int, list[int]] = {}
    rows: list[Visit] = []
    gaps_in_login_micro = 0
    login_candidates: list[Household] = []
    for h in households:
        micro = h.unit.micro_grid
        if micro.pk not in cache:
            cache[micro.pk] = workers_for(micro)
        workers = cache[micro.pk]
        if not workers:
            continue
        care = bool(flags.get(h.pk, set()) & care_flags)
        period = 30 if care else 91
        fate = rng.random()
        if fate < NEVER:
            gaps_in_login_micro += micro.pk == login_micro
            continue
        lapsed = fate < NEVER + LAPSED
        # Walk forward from about two periods back.
        day = today - dt.timedelta(days=int(period * rng.uniform(1.6, 2.4)))
        stop = today - dt.timedelta(days=int(period * rng.uniform(1.1, 1.6))) if lapsed else today
        while day <= stop:
            worker = rng.choice(workers)
            roll = rng.random()
            outcome = Outcome.MET if roll < 0.84 else Outcome.NOBODY_HOME if roll < 0.97 else Outcome.REFUSED
            notes_pool = NOTES_CARE + NOTES_MET[:3] if care and outcome == Outcome.MET else (
                NOTES_MET if outcome == Outcome.MET else NOTES_OTHER[outcome])
            follow = None
            if outcome == Outcome.MET and rng.random() < 0.05:
                follow = day + dt.timedelta(days=rng.randint(5, 14))
            rows.append(Visit(
                household_id=h.pk, grid_id=micro.pk, worker_id=worker, recorded_by_id=recorded.get(worker),
                visited_at=_at(rng, day, tz), outcome=outcome, notes=rng.choice(notes_pool) if rng.random() < 0.8 else "",
                follow_up_on=follow, subdistrict_id=sub_id,
            ))
            if outcome == Outcome.MET:
                day += dt.timedelta(days=int(period * rng.uniform(0.7, 0.97)))
            else:
                day += dt.timedelta(days=rng.randint(1, 6))
        if lapsed:
            gaps_in_login_micro += micro.pk == login_micro
        elif micro.pk == login_micro:
            login_candidates.append(h)

    rows = [v for v in rows if v.visited_at <= now]
    # Visit matters of the demo get their visit: met, on the day, by whoever reported them.
    matters = list(
        Matter.objects.filter(source=Source.VISIT, household__isnull=False, grid__path__startswith=community.path,
                              created_at__lte=now)
        .select_related("household__unit__micro_grid").order_by("id")
    )
    # The `microgrid` login always has something on today's list.
    if login_micro is not None and gaps_in_login_micro < MIN_GAPS:
        cutoff = now - dt.timedelta(days=100)
        recent = {m.household_id for m in matters if m.created_at >= cutoff}
        pool = [h for h in login_candidates if h.pk not in recent]
        lapse = {h.pk for h in pool[: MIN_GAPS - gaps_in_login_micro]}
        rows = [v for v in rows if v.household_id not in lapse or v.visited_at < cutoff]
    person_of_user = {u: p for p, u in recorded.items()}
    linked: list[tuple[int, Visit]] = []
    for m in matters:
        micro = m.household.unit.micro_grid
        if micro is None:
            continue
        if micro.pk not in cache:
            cache[micro.pk] = workers_for(micro)
        worker = person_of_user.get(m.reporter_user_id) or (cache[micro.pk] or [None])[0]
        v = Visit(household_id=m.household_id, grid_id=micro.pk, worker_id=worker,
                  recorded_by_id=m.reporter_user_id, visited_at=m.created_at, outcome=Outcome.MET,
                  notes="入户走访时居民反映问题，已登记为关键小事", subdistrict_id=sub_id)
        rows.append(v)
        linked.append((m.pk, v))
    Visit.objects.bulk_create(rows, batch_size=2000)
    Through = Visit.matters.through
    Through.objects.bulk_create([Through(visit_id=v.pk, matter_id=mid) for mid, v in linked], batch_size=2000)
    return {"visit_plans": 1, "visits": len(rows), "visit_matters": len(linked)}
