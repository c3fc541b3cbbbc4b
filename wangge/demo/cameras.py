"""Cameras and incidents (治安联防) in the demo's featured community.

The article: "cameras increased from 60 to more than 300, full coverage; more than 20 cases of vehicle
damage and lost items solved for owners". `load_cameras()` registers 60 cameras installed 2–5 years
before the campaign and the rest during the campaign (the `CAMPAIGN_MONTHS` months up to the load), at
unit entrances, high-rise façades, around buildings, at the gate posts that exist and in the car parks,
so the timeline climbs from 60 to well over 300; a few are faulty and a few old ones were removed and
replaced. Two buildings are deliberately left without a camera so the coverage page shows gaps.
`load_incidents()` writes 28 incidents over the campaign, 23 solved, each with its footage reviews logged
against cameras near the place and its history; several handed to the police station.

Both are deterministic (fixed seeds, dates relative to the load day) and bulk-written.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from wangge.fieldwork.cameras.models import Camera, Kind, OwnerKind, Status
from wangge.fieldwork.incidents.models import Event, FootageReview, Incident
from wangge.fieldwork.incidents.models import Kind as IKind
from wangge.fieldwork.incidents.models import Status as IStatus
from wangge.people.models import Duty, Organisation, OrganisationKind, Person, Role
from wangge.registry.models import Building, GridNode, Resident

from .generator import FEATURED_CODE

SEED = 20210803 + 55
CAMPAIGN_MONTHS = 12
BEFORE_CAMPAIGN = 60
TOTAL = 332
FAULTY = 5
REMOVED = 4
GAP_BUILDINGS = 2
M_LAT = 1 / 111_000


def campaign_start(today: dt.date) -> dt.date:
    """The first day of the month `CAMPAIGN_MONTHS` months before the load day's month."""
    y, m = today.year, today.month - CAMPAIGN_MONTHS
    while m < 1:
        y, m = y - 1, m + 12
    return dt.date(y, m, 1)


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (round(lon + east_m * M_LAT / max(math.cos(math.radians(lat)), 0.01), 7), round(lat + north_m * M_LAT, 7))


def _dist(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * 111_000 * math.cos(math.radians(a[1]))
    dy = (a[1] - b[1]) * 111_000
    return math.hypot(dx, dy)


def load_cameras() -> dict[str, int]:
    from wangge.fieldwork.gates.models import Post

    rng = random.Random(SEED)
    featured = GridNode.objects.get(code=FEATURED_CODE)
    sub = featured.subdistrict_id
    today = timezone.localdate()
    start = campaign_start(today)
    company = Organisation.objects.filter(kind=OrganisationKind.PROPERTY_COMPANY, grid=featured).first()
    police = Organisation.objects.filter(kind=OrganisationKind.POLICE_STATION, subdistrict_id=sub).first()
    committee = Organisation.objects.filter(kind=OrganisationKind.RESIDENTS_COMMITTEE, grid=featured).first()
    buildings = list(
        Building.objects.filter(estate_grid__path__startswith=featured.path, lon__isnull=False)
        .select_related("estate_grid").prefetch_related("units").order_by("estate_grid__code", "name")
    )
    posts = list(Post.objects.filter(estate__path__startswith=featured.path, lon__isnull=False)
                 .select_related("estate").order_by("estate__code", "name"))

    # Every spot a camera goes: (grid, name, point, building, gate, kind, owner_kind, owner).
    spots: list[dict] = []

    def spot(grid, name, point, kind, *, building=None, gate=None, owner_kind=OwnerKind.PROPERTY, owner=company):
        spots.append({"grid": grid, "name": name, "point": point, "building": building, "gate": gate, "kind": kind,
                      "owner_kind": owner_kind, "owner": owner})

    for b in buildings:
        units = sorted(b.units.all(), key=lambda u: u.name)
        for i, u in enumerate(units):
            east = (i - (len(units) - 1) / 2) * 14
            spot(b.estate_grid, f"{b.name}{u.name}单元门", _offset(b.lon, b.lat, east, -7), Kind.MINIDOME, building=b)
        if b.floors >= 11:
            for side, east in (("东", 14), ("西", -14)):
                spot(b.estate_grid, f"{b.name}{side}侧高空抛物", _offset(b.lon, b.lat, east, -9), Kind.HIGH_RISE,
                     building=b)
        spot(b.estate_grid, f"{b.name}北侧", _offset(b.lon, b.lat, 0, 9), Kind.BULLET, building=b)
    for p in posts:
        spot(p.estate, f"{p.name}车牌识别", _offset(p.lon, p.lat, 3, 0), Kind.PLATE, gate=p,
             owner_kind=OwnerKind.POLICE, owner=police)
        spot(p.estate, f"{p.name}人脸抓拍", _offset(p.lon, p.lat, -3, 0), Kind.FACE, gate=p,
             owner_kind=OwnerKind.POLICE, owner=police)
        spot(p.estate, f"{p.name}全景", _offset(p.lon, p.lat, 0, 4), Kind.DOME, gate=p)

    # Two buildings left without cameras: ones no other camera reaches (radius 30 m plus a margin).
    by_estate: dict[int, list[Building]] = {}
    for b in buildings:
        by_estate.setdefault(b.estate_grid_id, []).append(b)
    gaps: list[Building] = []
    for estate_buildings in list(by_estate.values())[2:]:
        for b in reversed(estate_buildings):
            others = [s["point"] for s in spots if s["building"] is not b]
            if all(_dist(pt, (b.lon, b.lat)) > 45 for pt in others):
                gaps.append(b)
                break
        if len(gaps) == GAP_BUILDINGS:
            break
    spots = [s for s in spots if s["building"] not in gaps]
    gap_points = [(b.lon, b.lat) for b in gaps]

    # Car parks and roads of each estate, unlinked, until the total is reached.
    estates = [bs for bs in by_estate.values()]
    n = 0
    while len(spots) < TOTAL and estates:
        estate_buildings = estates[n % len(estates)]
        n += 1
        b = rng.choice(estate_buildings)
        point = _offset(b.lon, b.lat, rng.uniform(-40, 40), rng.choice((-1, 1)) * rng.uniform(16, 30))
        if any(_dist(point, g) <= 45 for g in gap_points):
            continue
        spot(b.estate_grid, f"{b.estate_grid.name}停车场{n}号" if n % 2 else f"{b.estate_grid.name}道路{n}号",
             point, rng.choice((Kind.BULLET, Kind.DOME)), owner_kind=OwnerKind.COMMITTEE if n % 7 == 0 else OwnerKind.PROPERTY,
             owner=committee if n % 7 == 0 else company)
    spots = spots[:TOTAL]

    # Who came first: 60 before the campaign (entrances and gates mostly), the rest during it.
    order = list(range(len(spots)))
    rng.shuffle(order)
    old = set(sorted(order, key=lambda i: (spots[i]["kind"] not in (Kind.MINIDOME, Kind.PLATE), order.index(i)))[
        :BEFORE_CAMPAIGN])
    campaign_days = (today - start).days
    cameras = []
    for i, s in enumerate(spots):
        if i in old:
            installed = start - dt.timedelta(days=rng.randint(2 * 365, 5 * 365))
        else:
            # More of them later in the campaign: the square root skews towards the load day.
            installed = start + dt.timedelta(days=int(campaign_days * math.sqrt(rng.random())))
            installed = min(installed, today)
        camera = Camera(
            subdistrict_id=sub, grid=s["grid"], code=f"KN-{i + 1:04d}", name=s["name"][:60], lon=s["point"][0],
            lat=s["point"][1], building=s["building"], gate=s["gate"], kind=s["kind"], owner_kind=s["owner_kind"],
            owner=s["owner"], status=Status.IN_SERVICE, installed_on=installed, radius_m=30,
        )
        cameras.append(camera)
    olds = [c for i, c in enumerate(cameras) if i in old]
    news = [c for i, c in enumerate(cameras) if i not in old]
    for c in rng.sample(olds, REMOVED):
        c.status, c.removed_on = Status.REMOVED, start + dt.timedelta(days=rng.randint(10, max(11, campaign_days - 10)))
        c.note = "设备老化，已拆除并在原位置更换新设备"
    for c in rng.sample([c for c in news if c.building_id is None and c.gate_id is None], FAULTY):
        c.status, c.note = Status.FAULTY, "画面无信号，已报维保"
    for c in cameras:
        c.refresh_search_text()
    Camera.objects.bulk_create(cameras, batch_size=500)
    return {"cameras": len(cameras), "cameras_before_campaign": len(olds),
            "cameras_in_service": sum(1 for c in cameras if c.status == Status.IN_SERVICE)}


# -- incidents --------------------------------------------------------------------------------------------

# kind, title, description, what the footage showed, outcome
_CASES = [
    (IKind.VEHICLE_DAMAGE, "车辆被划", "停在{place}的私家车左侧车门被利器划伤，长约一米。", "{t} 一名骑电动车男子经过车辆时用钥匙划车。",
     "经辨认为外来送货人员，已当面道歉并赔偿修车费用800元，车主表示满意。"),
    (IKind.VEHICLE_DAMAGE, "后视镜被撞坏", "停在{place}的车辆右后视镜被撞碎，肇事车辆已离开。", "{t} 一辆白色面包车倒车时刮蹭后驶离，车牌清晰。",
     "通过车牌联系到肇事司机，双方协商由对方赔偿维修费用。"),
    (IKind.VEHICLE_DAMAGE, "车辆被高空坠物砸伤", "{place}停放的车辆前挡风玻璃被坠落的花盆砸裂。", "{t} 花盆从楼上窗台坠落，可确认楼层。",
     "确认为某户窗台花盆被风吹落，该户已赔偿并移除窗台花盆，物业在全楼开展高空抛物宣传。"),
    (IKind.LOST_ITEM, "钱包丢失", "在{place}附近丢失黑色钱包一个，内有身份证、银行卡。", "{t} 一名老人捡起钱包后走向物业服务中心。",
     "钱包已由拾到的老人交到物业服务中心，物品齐全，已归还失主。"),
    (IKind.LOST_ITEM, "钥匙丢失", "一串家门钥匙在{place}丢失，上有蓝色钥匙扣。", "{t} 钥匙从口袋滑落在单元门口台阶处。",
     "保洁员清扫时拾到，已归还失主。"),
    (IKind.LOST_ITEM, "快递包裹不见了", "放在{place}的快递包裹不见了，内有衣物。", "{t} 邻居误将包裹当作自家快递取走。",
     "已联系取走包裹的邻居，包裹完好归还。"),
    (IKind.LOST_ITEM, "孩子的书包丢失", "孩子放学后在{place}玩耍，书包遗失。", "{t} 书包被放在长椅上，后被环卫工收起。",
     "书包在环卫工休息室找到，已归还。"),
    (IKind.THEFT, "电动车被盗", "停放在{place}的电动自行车被盗，车锁被剪断。", "{t} 两名男子剪断车锁推车离开，经东门驶出。",
     "移交派出所后，民警根据监控画面抓获嫌疑人，电动车已追回发还车主。"),
    (IKind.THEFT, "电瓶被盗", "{place}停放的电动车电瓶被盗。", "{t} 一名戴帽男子撬开电瓶仓取走电瓶。",
     "派出所根据监控线索破案，电瓶已追回。"),
    (IKind.HIGH_RISE_THROW, "楼上扔下垃圾袋", "{place}楼下有人从楼上扔下垃圾袋，险些砸到行人。", "{t} 高空抛物摄像头拍到垃圾袋从一楼道窗口扔出。",
     "已找到抛物住户并进行批评教育，住户写下保证书。"),
    (IKind.OTHER, "单元门禁被破坏", "{place}单元门禁读卡器被人为损坏。", "{t} 一名醉酒男子踢踹门禁。",
     "已找到当事人，由其赔偿门禁维修费用。"),
]
_UNSOLVED = "调阅监控未发现有效线索，已告知报案人，物业加强该区域巡逻。"


def load_incidents() -> dict[str, int]:
    rng = random.Random(SEED + 1)
    featured = GridNode.objects.get(code=FEATURED_CODE)
    today = timezone.localdate()
    now = timezone.now()
    start = campaign_start(today)
    tz = timezone.get_current_timezone()
    buildings = list(Building.objects.filter(estate_grid__path__startswith=featured.path, lon__isnull=False)
                     .select_related("estate_grid").order_by("estate_grid__code", "name"))
    cams = list(Camera.objects.filter(grid__path__startswith=featured.path).exclude(status=Status.REMOVED))
    if not buildings or not cams:
        return {"incidents": 0, "incidents_solved": 0, "footage_reviews": 0, "incident_events": 0}
    police = Organisation.objects.filter(kind=OrganisationKind.POLICE_STATION, subdistrict_id=featured.subdistrict_id
                                         ).first()
    duties = list(Duty.objects.current().filter(grid__path__startswith=featured.path).select_related("person", "grid"))
    staff_at = {}
    for d in duties:
        if d.role == Role.PROPERTY_STAFF:
            staff_at.setdefault(d.grid_id, d.person)
    any_staff = next((d.person for d in duties if d.role == Role.PROPERTY_STAFF), None)
    liaison = next((d.person for d in duties if d.role == Role.JOINT_UNIT_LIAISON and d.organisation_id == getattr(
        police, "pk", None)), None)
    users = dict(Person.objects.filter(user__isnull=False).values_list("pk", "user_id"))
    resident_user = get_user_model().objects.filter(username="resident").select_related(
        "person__resident__household__unit__building").first()
    residents_by_building: dict[int, list[str]] = {}
    for name, building_id in Resident.objects.filter(
        household__unit__building__in=buildings, left_at__isnull=True
    ).values_list("name", "household__unit__building_id")[:20000]:
        residents_by_building.setdefault(building_id, []).append(name)

    # 28 cases: 23 solved, 2 unsolved, 1 closed, 1 with the police, 1 under review (the last two still open).
    outcomes = [IStatus.SOLVED] * 23 + [IStatus.UNSOLVED] * 2 + [IStatus.CLOSED] + [IStatus.HANDED_TO_POLICE,
                                                                                      IStatus.REVIEWING]
    campaign_days = max((today - start).days, 30)
    incidents, plans = [], []
    for n, final in enumerate(outcomes):
        case = _CASES[n % len(_CASES)] if final != IStatus.CLOSED else _CASES[4]
        kind, title, description, finding, outcome = case
        mine = resident_user is not None and n in (3, len(outcomes) - 1)
        if mine:
            building = resident_user.person.resident.household.unit.building
        else:
            building = rng.choice(buildings)
        place = f"{building.estate_grid.name}{building.name}" + rng.choice(("楼下", "单元门口", "东侧停车位", "北侧空地"))
        days_ago = rng.randint(3, campaign_days - 5) if final in (IStatus.SOLVED, IStatus.UNSOLVED, IStatus.CLOSED) \
            else rng.randint(1, 4)
        occurred = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(rng.randint(7, 22), rng.choice((0, 15, 30, 45))),
                                       tzinfo=tz)
        occurred_to = occurred + dt.timedelta(minutes=rng.choice((30, 60, 120, 240)))
        reported = occurred_to + dt.timedelta(minutes=rng.randint(20, 600))
        if reported >= now:
            reported = now - dt.timedelta(minutes=30)
        handler = staff_at.get(building.estate_grid_id) or any_staff
        if mine:
            reporter_label, reporter_user, reporter_person = resident_user.person.name, resident_user.pk, resident_user.person
        else:
            names = residents_by_building.get(building.pk) or ["业主"]
            reporter_label, reporter_user, reporter_person = rng.choice(names), None, None
        handed = final == IStatus.HANDED_TO_POLICE or (kind == IKind.THEFT and final == IStatus.SOLVED)
        inc = Incident(
            subdistrict_id=featured.subdistrict_id, grid=building.estate_grid, kind=kind, title=title,
            description=description.format(place=place), occurred_from=occurred, occurred_to=occurred_to, place=place,
            lon=building.lon, lat=building.lat, reporter_user_id=reporter_user, reporter_person=reporter_person,
            reporter_label=reporter_label[:60], by_resident=True, status=final, created_at=reported, updated_at=reported,
        )
        if handed and police is not None:
            inc.police, inc.police_name = police, police.name
            inc.police_ref = f"JQ{reported:%Y%m%d}{n:03d}"
            inc.handed_at = reported + dt.timedelta(hours=rng.randint(4, 30))
        if final in (IStatus.SOLVED, IStatus.UNSOLVED, IStatus.CLOSED):
            inc.concluded_at = reported + dt.timedelta(days=rng.randint(1, 3 if not handed else 12), hours=rng.randint(1, 8))
            inc.concluded_at = min(inc.concluded_at, now - dt.timedelta(minutes=5))
            inc.outcome = {IStatus.SOLVED: outcome, IStatus.UNSOLVED: _UNSOLVED,
                           IStatus.CLOSED: "报案人在家中找到钥匙，撤回报案。"}[final]
            inc.updated_at = inc.concluded_at
        inc.refresh_search_text()
        incidents.append(inc)
        near = sorted((c for c in cams if c.installed_on <= occurred.date()),
                      key=lambda c: _dist((c.lon, c.lat), (building.lon, building.lat)))[: rng.randint(1, 3)]
        plans.append((inc, handler, near, finding, handed))
    Incident.objects.bulk_create(incidents)

    reviews, events, links = [], [], []
    through = FootageReview.cameras.through
    for inc, handler, near, finding, handed in plans:
        label = handler.name if handler else "物业服务中心"
        seq = 0

        def event(action, at, to_status="", note="", data=None, who=label, user=None, incident=inc):
            nonlocal seq
            seq += 1
            events.append(Event(incident=incident, seq=seq, at=at, action=action, to_status=to_status, actor_label=who[:60],
                                actor_user_id=user, note=note[:2000], data=data or {}))

        event("report", inc.created_at, IStatus.REPORTED, inc.title, who=inc.reporter_label, user=inc.reporter_user_id)
        if inc.status == IStatus.CLOSED or not near:
            event("conclude", inc.concluded_at, inc.status, inc.outcome)
            continue
        requested = inc.created_at + dt.timedelta(minutes=rng.randint(15, 120))
        window_from = inc.occurred_from - dt.timedelta(minutes=30)
        window_to = inc.occurred_to + dt.timedelta(minutes=30)
        review = FootageReview(
            subdistrict_id=inc.subdistrict_id, incident=inc, window_from=window_from, window_to=window_to,
            note="请调阅案发前后画面", requested_label=label[:60], requested_at=min(requested, timezone.now()),
        )
        found = inc.status != IStatus.UNSOLVED
        if inc.status != IStatus.REVIEWING:
            review.reviewer, review.reviewer_label = handler, label[:60]
            review.reviewed_at = min(requested + dt.timedelta(hours=rng.randint(1, 6)), timezone.now())
            t = timezone.localtime(inc.occurred_from + dt.timedelta(minutes=rng.randint(1, 25)))
            review.found = found
            review.finding = finding.format(t=f"{t:%H:%M}") if found else "案发时段画面中未见可疑人员和车辆。"
        reviews.append((review, near))
        event("footage_request", review.requested_at, IStatus.REVIEWING,
              f"申请调阅 {'、'.join(c.code for c in near)}", {"cameras": [c.pk for c in near]})
        if review.reviewed_at:
            event("footage_record", review.reviewed_at, "", review.finding, {"found": review.found})
        if handed and inc.handed_at:
            event("handover", inc.handed_at, IStatus.HANDED_TO_POLICE, f"移交{inc.police_name}（编号 {inc.police_ref}）")
        if inc.concluded_at:
            who = liaison.name if handed and liaison else label
            event("conclude", inc.concluded_at, inc.status, inc.outcome, who=who,
                  user=users.get(liaison.pk) if handed and liaison else None)
    FootageReview.objects.bulk_create([r for r, _near in reviews])
    for review, near in reviews:
        links.extend(through(footagereview_id=review.pk, camera_id=c.pk) for c in near)
    through.objects.bulk_create(links)
    Event.objects.bulk_create(events)
    return {
        "incidents": len(incidents), "incidents_solved": sum(1 for i in incidents if i.status == IStatus.SOLVED),
        "footage_reviews": len(reviews), "incident_events": len(events),
    }
