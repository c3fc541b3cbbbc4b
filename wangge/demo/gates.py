"""Gate duty (门岗值守, 3班倒) in the demo's featured community.

Every estate gets one or two gate posts near its buildings, three guards per post (property staff with a
duty on the estate) and the three default shifts (早班 08:00–16:00, 中班 16:00–24:00, 夜班 00:00–08:00).
Rosters cover last week, this week and next week around the clock, except one deliberate gap: next
Wednesday's night shift at the first estate's main gate, so that its roster page shows a red gap. Past
shifts are checked in and out (two of them missed); shifts in progress are checked in, except the `guard`
login's own, left for the demo user to check in.

The login `guard` / the demo password keeps the main gate of the estate holding the demo point
(lon 112.16497, lat 37.197044). Posts, guards and duties go through the services; the shifts (a few
hundred) are bulk-written, the overlaps being impossible by construction (one shift a day per guard).
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db.models import Avg
from django.utils import timezone

from wangge.fieldwork.gates import services as gates
from wangge.fieldwork.gates.models import Shift, ShiftStatus
from wangge.people import services as people
from wangge.people.models import Role
from wangge.registry.locate import locate_id
from wangge.registry.models import Building, GridNode, Level

from .generator import DEMO_PASSWORD, FEATURED_CODE
from .names import SURNAMES

SEED = 4_2024
DEMO_POINT = (112.16497, 37.197044)
GUARD_LOGIN = "guard"
GIVEN = "建国志强军伟勇刚建平卫东海涛斌峰新明文亮学忠晋利俊杰永宏"
GUARDS_PER_POST = 3
MISSED = 2


def _name(rng: random.Random) -> str:
    surnames, weights = zip(*SURNAMES, strict=True)
    return rng.choices(surnames, weights)[0] + "".join(rng.sample(GIVEN, rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return f"13{rng.randint(5, 9)}{rng.randint(0, 99_999_999):08d}"


def load_gates(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    rng = random.Random(SEED)
    featured = GridNode.objects.get(code=FEATURED_CODE)
    estates = list(GridNode.objects.filter(level=Level.ESTATE_GRID, path__startswith=featured.path).order_by("code"))
    micro_id = locate_id(*DEMO_POINT)
    micro = GridNode.objects.filter(pk=micro_id).first() if micro_id else None
    guard_estate_id = micro.parent_id if micro is not None else estates[0].pk
    posts, guards_of = [], {}
    for n, estate in enumerate(estates):
        centre = Building.objects.filter(estate_grid=estate).aggregate(lon=Avg("lon"), lat=Avg("lat"))
        lon, lat = centre["lon"] or DEMO_POINT[0], centre["lat"] or DEMO_POINT[1]
        names = ["东门", "南门"] if n % 2 == 0 or estate.pk == guard_estate_id else ["正门"]
        for i, name in enumerate(names):
            post = gates.post_create(actor=None, estate_id=estate.pk, name=name, lon=round(lon + 0.0012 * (i + 1), 6),
                                     lat=round(lat - 0.0008 * (i + 1), 6), checkin_radius_m=200)
            posts.append(post)
            crew = []
            for _k in range(GUARDS_PER_POST):
                person = people.person_create(name=_name(rng), phone=_phone(rng), grid=estate)
                people.duty_assign(person=person, role=Role.PROPERTY_STAFF, grid=estate, note="门岗保安",
                                   start=now - dt.timedelta(days=60))
                crew.append(person)
            guards_of[post.pk] = crew
    main = next(p for p in posts if p.estate_id == guard_estate_id)
    logins = 0
    if not get_user_model().objects.filter(username=GUARD_LOGIN).exists():
        people.person_grant_login(person=guards_of[main.pk][0], username=GUARD_LOGIN, password=DEMO_PASSWORD)
        logins = 1
    guard_person = guards_of[main.pk][0]

    monday = gates.week_start(timezone.localdate(now)) - dt.timedelta(days=7)
    gap_post = posts[0]
    gap_day = monday + dt.timedelta(days=14 + 2)  # next Wednesday
    rows: list[Shift] = []
    for post in posts:
        templates = list(post.templates.all())
        crew = guards_of[post.pk]
        for d in range(21):
            day = monday + dt.timedelta(days=d)
            for t_index, template in enumerate(templates):
                if post.pk == gap_post.pk and day == gap_day and template.name == "夜班":
                    continue
                person = crew[(t_index + d) % len(crew)]
                starts_at, ends_at = gates.template_times(template, day)
                shift = Shift(post=post, person=person, template=template, starts_at=starts_at, ends_at=ends_at,
                              subdistrict_id=post.subdistrict_id)
                if ends_at <= now:
                    shift.status = ShiftStatus.DONE
                    shift.checked_in_at = starts_at - dt.timedelta(minutes=rng.randint(1, 20))
                    shift.checked_out_at = ends_at + dt.timedelta(minutes=rng.randint(0, 10))
                    shift.checkin_lon, shift.checkin_lat = post.lon, post.lat
                    shift.checkin_distance_m = float(rng.randint(3, 60))
                elif starts_at <= now and person.pk != guard_person.pk:
                    shift.status = ShiftStatus.CHECKED_IN
                    shift.checked_in_at = starts_at - dt.timedelta(minutes=rng.randint(1, 20))
                    shift.checkin_lon, shift.checkin_lat = post.lon, post.lat
                    shift.checkin_distance_m = float(rng.randint(3, 60))
                rows.append(shift)
    done = [s for s in rows if s.status == ShiftStatus.DONE and s.starts_at > now - dt.timedelta(days=6)]
    for shift in rng.sample(done, min(MISSED, len(done))):
        shift.status = ShiftStatus.MISSED
        shift.missed_at = shift.starts_at + dt.timedelta(minutes=15)
        shift.checked_in_at = shift.checked_out_at = None
        shift.checkin_lon = shift.checkin_lat = shift.checkin_distance_m = None
    Shift.objects.bulk_create(rows, batch_size=500)
    return {
        "gate_posts": len(posts),
        "gate_guards": sum(len(c) for c in guards_of.values()),
        "gate_shifts": len(rows),
        "gate_missed": min(MISSED, len(done)),
        "gate_logins": logins,
    }
