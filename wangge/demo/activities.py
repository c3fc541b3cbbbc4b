"""Community life in the demo's featured community: venues with bookings, and a year of activities.

`load_venues()` writes the community's three venues (妇儿微家, 党群书吧, 多功能活动室) with their opening
hours, and bookings past and upcoming (some still pending) in the mornings. `load_activities()` writes
the activities of the past year — more than ten themed party activities (不忘初心、牢记使命 主题党日, 我是
党员我先行 志愿服务, 党史学习读书会, 政策宣讲 …) and culture and sports, holiday celebrations and a fire
drill — with sign-ups and attendance by real demo residents, and three upcoming ones: two with free places
(the `resident` login signed up to one) and one full with a waiting list. Call `load_venues()` first.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from wangge.community.activities.models import PARTY_KINDS, Activity, SignUp, SignUpStatus, Status
from wangge.community.venues.models import Booking, BookingStatus, Venue
from wangge.people.models import Organisation, OrganisationKind, Person
from wangge.registry.models import GridNode, Resident

from .generator import FEATURED_CODE

SEED = 20240705
WEEKDAYS_DAY = [["08:30", "12:00"], ["14:00", "17:30"]]
VENUES = [
    ("妇儿微家", "为社区妇女儿童提供亲子阅读、四点半课堂、心理疏导的温馨小家", "党群服务中心一楼东侧", 20,
     {**{str(d): WEEKDAYS_DAY for d in range(1, 6)}, "6": [["09:00", "17:00"]]}),
    ("党群书吧", "党建读物、政策资料和居民捐赠图书，可开展读书会、党史学习", "党群服务中心二楼", 30,
     {**{str(d): WEEKDAYS_DAY + [["19:00", "21:00"]] for d in range(1, 6)}, "6": [["09:00", "17:00"]],
      "7": [["09:00", "17:00"]]}),
    ("多功能活动室", "可容纳60人的会议、培训、文体活动场地，配有投影和音响", "党群服务中心一楼", 60,
     {str(d): [["08:00", "12:00"], ["14:00", "21:00"]] for d in range(1, 8)}),
]
# (kind, title, venue index or None with place, capacity, party_only)
PAST = [
    ("party_education", "不忘初心、牢记使命 主题党日", 2, 60, True),
    ("volunteer", "我是党员我先行 志愿服务——楼道清理", None, 30, False),
    ("party_history", "党史学习读书会（第一期）", 1, 25, True),
    ("policy_talk", "老旧小区改造政策宣讲", 2, 60, False),
    ("culture_sports", "乒乓球比赛", 2, 32, False),
    ("party_education", "“七一”重温入党誓词主题党日", 2, 60, True),
    ("culture_sports", "健身操大赛", None, 40, False),
    ("holiday", "中秋游园会", None, None, False),
    ("party_history", "党史学习读书会（第二期）", 1, 25, True),
    ("policy_talk", "养老保险与医保政策宣讲", 2, 60, False),
    ("drill", "消防演练", None, None, False),
    ("volunteer", "我是党员我先行 志愿服务——为独居老人送温暖", None, 20, False),
    ("party_education", "不忘初心、牢记使命 专题党课", 2, 60, True),
    ("holiday", "春节写春联送祝福", 0, 20, False),
    ("policy_talk", "垃圾分类新规宣讲", 2, 60, False),
    ("party_history", "党史学习读书会（第三期）", 1, 25, True),
    ("party_education", "“我是党员我先行”党员承诺践诺主题党日", 2, 60, True),
    ("party_history", "观看红色电影《建党伟业》", 2, 60, False),
]
UPCOMING = [  # (kind, title, venue, capacity, party_only, days ahead, full)
    ("party_education", "不忘初心、牢记使命 主题党日（本月）", 2, 60, True, 6, False),
    ("culture_sports", "社区乒乓球友谊赛", 2, 24, False, 9, False),
    ("volunteer", "我是党员我先行 志愿服务——小区环境整治", None, 8, False, 4, True),
]
PLACES = ["小区中心广场", "社区党群服务中心门前", "各楼栋单元", "社区文化广场"]
PURPOSES = ["亲子阅读", "四点半课堂", "楼栋议事", "老年合唱排练", "书画兴趣小组", "业委会会议", "志愿者培训", "社区舞蹈队排练"]


def _featured() -> GridNode | None:
    return GridNode.objects.filter(code=FEATURED_CODE).first()


def load_venues() -> dict[str, int]:
    community = _featured()
    if community is None:
        return {"venues": 0, "bookings": 0, "bookings_pending": 0}
    rng = random.Random(SEED)
    venues = []
    for name, description, place, capacity, hours in VENUES:
        v = Venue(community=community, subdistrict=community.tenant, name=name, description=description, place=place,
                  capacity=capacity, opening_hours=hours, needs_approval=True)
        v.refresh_search_text()
        venues.append(v)
    Venue.objects.bulk_create(venues)
    residents = list(_residents(community)[:40])
    persons = _persons_for(residents)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    now = timezone.now()
    bookings = []
    for offset in range(-60, 15):
        day = today + dt.timedelta(days=offset)
        if day.isoweekday() > 6 or rng.random() < 0.55:
            continue
        venue = rng.choice(venues[:2])
        start = dt.datetime.combine(day, dt.time(9 if rng.random() < 0.5 else 10), tz)
        end = start + dt.timedelta(hours=1, minutes=30)
        person = rng.choice(persons)
        if offset < 0:
            status = BookingStatus.APPROVED if rng.random() < 0.85 else BookingStatus.REJECTED
        else:
            status = BookingStatus.PENDING if rng.random() < 0.5 else BookingStatus.APPROVED
        if start < now < end:
            status = BookingStatus.APPROVED
        bookings.append(Booking(
            venue=venue, subdistrict=community.tenant, person=person, contact_name=person.name,
            contact_phone=person.phone or "", purpose=rng.choice(PURPOSES), starts_at=start, ends_at=end,
            attendees=rng.randint(3, min(15, venue.capacity)), status=status,
            decided_at=None if status == BookingStatus.PENDING else start - dt.timedelta(days=2),
            decision_note="该时段已安排社区活动" if status == BookingStatus.REJECTED else ""))
    Booking.objects.bulk_create(bookings)
    return {"venues": len(venues), "bookings": len(bookings),
            "bookings_pending": sum(b.status == BookingStatus.PENDING for b in bookings)}


def _residents(community: GridNode):
    return Resident.objects.filter(left_at__isnull=True, household__unit__micro_grid__path__startswith=community.path) \
        .select_related("household__unit__micro_grid").order_by("id")


def _persons_for(residents: list[Resident]) -> list[Person]:
    """The person of each resident, created (in bulk) for those who have none yet."""
    have = {p.resident_id: p for p in Person.objects.filter(resident__in=residents)}
    new = []
    for r in residents:
        if r.pk not in have:
            p = Person(name=r.name, phone=r.phone, resident=r, subdistrict_id=r.subdistrict_id)
            p.refresh_search_text()
            new.append(p)
    for p in Person.objects.bulk_create(new):
        have[p.resident_id] = p
    return [have[r.pk] for r in residents]


def load_activities() -> dict[str, int]:
    community = _featured()
    if community is None:
        return {"activities": 0, "activities_party": 0, "signups": 0, "attended": 0}
    rng = random.Random(SEED + 1)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    venues = list(Venue.objects.filter(community=community).order_by("id"))
    venues.sort(key=lambda v: [n for n, *_ in VENUES].index(v.name) if v.name in [n for n, *_ in VENUES] else 99)
    party_org = Organisation.objects.filter(grid=community, kind=OrganisationKind.COMMUNITY_PARTY_COMMITTEE).first()
    residents = list(_residents(community))
    rng.shuffle(residents)
    pool = residents[:160]
    persons = _persons_for(pool)
    party = [p for p, r in zip(persons, pool, strict=True) if r.is_party_member] or persons[:20]
    micro = {p.pk: r.household.unit.micro_grid_id for p, r in zip(persons, pool, strict=True)}

    def activity(kind, title, venue_i, capacity, party_only, start, status):
        venue = venues[venue_i] if venue_i is not None and venue_i < len(venues) else None
        a = Activity(grid=community, subdistrict=community.tenant, kind=kind, title=title, venue=venue,
                     place="" if venue else rng.choice(PLACES), starts_at=start, ends_at=start + dt.timedelta(hours=2),
                     capacity=capacity, party_only=party_only, status=status, organiser=party_org,
                     signup_closes=start - dt.timedelta(hours=2),
                     description=f"{title}。欢迎{'党员同志' if party_only else '社区居民'}踊跃报名参加。")
        a.refresh_search_text()
        return a

    activities = []
    n = len(PAST)
    for i, (kind, title, venue_i, capacity, party_only) in enumerate(PAST):
        day = today - dt.timedelta(days=int(350 - i * (340 / n)))
        activities.append(activity(kind, title, venue_i, capacity, party_only,
                                   dt.datetime.combine(day, dt.time(14, 30), tz), Status.DONE))
    for kind, title, venue_i, capacity, party_only, ahead, _full in UPCOMING:
        activities.append(activity(kind, title, venue_i, capacity, party_only,
                                   dt.datetime.combine(today + dt.timedelta(days=ahead), dt.time(14, 30), tz),
                                   Status.PUBLISHED))
    Activity.objects.bulk_create(activities)

    resident_person = Person.objects.filter(user__in=get_user_model().objects.filter(username="resident")).first()
    signups = []
    for a in activities:
        eligible = party if a.party_only else persons
        upcoming = a.status == Status.PUBLISHED
        full = upcoming and a.title == UPCOMING[2][1]
        cap = a.capacity or 45
        if full:
            count = cap + 3
        elif upcoming:
            count = max(cap // 3, 2)
        else:
            count = min(int(cap * rng.uniform(0.6, 0.95)), len(eligible))
        chosen = rng.sample(eligible, min(count, len(eligible)))
        if resident_person is not None:
            chosen = [p for p in chosen if p.pk != resident_person.pk]
            if upcoming and a.title == UPCOMING[1][1]:
                chosen.insert(0, resident_person)
        waiting_pos = 0
        for k, p in enumerate(chosen):
            created = a.starts_at - dt.timedelta(days=rng.randint(2, 10), minutes=rng.randint(0, 600))
            s = SignUp(activity=a, person=p, subdistrict=community.tenant, signed_up_by=p.name,
                       grid_id=micro.get(p.pk) or _micro_of(p), created_at=created)
            if a.capacity is not None and k >= a.capacity:
                waiting_pos += 1
                s.status, s.position = SignUpStatus.WAITING, waiting_pos
            elif upcoming:
                s.status = SignUpStatus.CONFIRMED
            elif rng.random() < 0.85:
                s.status, s.attended_at = SignUpStatus.ATTENDED, a.starts_at + dt.timedelta(minutes=rng.randint(-40, 20))
                s.checked_in_by = p.name
            else:
                s.status = SignUpStatus.CONFIRMED  # signed up, did not come
            signups.append(s)
        if not upcoming:  # a few walk-ins at the bigger ones
            for p in rng.sample([p for p in eligible if p not in chosen], min(2, max(len(eligible) - len(chosen), 0))):
                signups.append(SignUp(activity=a, person=p, subdistrict=community.tenant, walk_in=True,
                                      grid_id=micro.get(p.pk), status=SignUpStatus.ATTENDED,
                                      attended_at=a.starts_at + dt.timedelta(minutes=5), signed_up_by="现场登记",
                                      checked_in_by="社区工作人员"))
    SignUp.objects.bulk_create(signups)
    return {"activities": len(activities), "activities_party": sum(a.kind in PARTY_KINDS for a in activities),
            "signups": len(signups), "attended": sum(s.status == SignUpStatus.ATTENDED for s in signups)}


def _micro_of(person: Person) -> int | None:
    r = person.resident
    return r.household.unit.micro_grid_id if r else None
