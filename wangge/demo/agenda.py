"""The demo's deliberation hall (红色物业议事厅): a hall for the featured community sitting on the 10th
of every month, a year of held sessions with the article's mix of items, the next three months planned,
the article's 8 key small matters each on the item of the session that took it up, a few residents'
proposals waiting, and a hall for the second community (moved off weekends and holidays).

Sessions held in the past are left `held`: the meetings loader adds attendance, minutes and resolutions
and publishes them. Rows are bulk-written; deterministic (fixed seed).
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from wangge.hall.agenda import services
from wangge.hall.agenda.models import (
    Hall,
    Item,
    ItemKind,
    ItemOrigin,
    ItemStatus,
    NonWorkingDay,
    Session,
    SessionStatus,
)
from wangge.hall.agenda.recurrence import rule_date, working_calendar
from wangge.matters.models import Matter, Source
from wangge.registry.models import GridNode

from .generator import FEATURED_CODE, SECOND_CODE
from .matters import ARTICLE_MATTERS

SEED = 20240610
FEATURED_HALL = ("红色物业议事厅", "康宁社区党群服务中心")
# The demo's open matters reach at most 2 distinct households per category and estate within 30 days (the
# third report in each group comes from a patrol, which has no household), so the featured hall is set to
# suggest from 2 households (the default is 3); a setting, not made-up matters.
FEATURED_MIN_HOUSEHOLDS = 2
KIND_OF = {"集中反映的迫切事": ItemKind.URGENT, "协商协调的疑难事": ItemKind.DIFFICULT, "征求意见的重大事": ItemKind.MAJOR}
PAST_MONTHS = 12

# Items of the year's sessions besides the article's 8: (kind, title, description).
ITEMS = [
    (ItemKind.URGENT, "楼道声控灯多处损坏", "多栋楼居民反映楼道灯不亮，老人夜间上下楼不便。"),
    (ItemKind.URGENT, "小区门禁损坏外来人员随意进出", "居民集中反映单元门禁失灵，安全隐患大。"),
    (ItemKind.URGENT, "雨后楼前积水", "每逢雨天楼前积水，居民出行困难。"),
    (ItemKind.URGENT, "电动车乱停乱放堵塞通道", "楼道口、消防通道电动车停放杂乱。"),
    (ItemKind.URGENT, "冬季供暖温度不达标", "多户居民反映室温偏低，请物业与热力公司协调。"),
    (ItemKind.DIFFICULT, "物业费收缴与服务质量争议", "部分业主以服务不到位为由拒交物业费，需物业、业委会和居民代表协商。"),
    (ItemKind.DIFFICULT, "老旧小区加装电梯费用分摊", "低层与高层住户对分摊比例意见不一，需协商。"),
    (ItemKind.DIFFICULT, "商铺油烟扰民", "临街餐饮油烟影响楼上住户，需市场监管、商户和居民协调。"),
    (ItemKind.DIFFICULT, "地下室长期渗水维修责任", "开发商、物业和业主对维修责任有分歧。"),
    (ItemKind.MAJOR, "小区公共收益使用方案", "公共停车、广告收益如何使用，征求全体居民意见。"),
    (ItemKind.MAJOR, "老旧小区改造项目清单", "改造项目优先顺序征求居民意见。"),
    (ItemKind.MAJOR, "党群服务中心活动室开放时间", "调整活动室开放时间，征求居民意见。"),
    (ItemKind.MAJOR, "小区绿化改造方案", "部分绿地改建为停车位还是健身场地，征求意见。"),
]
PROPOSALS = [
    (ItemKind.URGENT, "健身器材损坏需要更换", "小广场的健身器材有几件坏了，孩子玩的时候容易受伤。"),
    (ItemKind.MAJOR, "增设老年助餐点", "希望社区办一个老年食堂，方便独居老人吃饭。"),
    (ItemKind.DIFFICULT, "快递柜占用消防通道", "快递柜放在消防通道上，物业和快递公司互相推诿。"),
]
UPCOMING = [
    (ItemKind.URGENT, "冬季楼道防滑与除雪安排", "入冬前明确物业除雪责任和楼道防滑措施。", 20),
    (ItemKind.MAJOR, "春节期间社区活动安排", "征求居民对春节期间文体活动的意见。", 25),
]


def _months_back(today: dt.date, n: int) -> list[tuple[int, int]]:
    """The last `n` months whose sitting day has passed (oldest first)."""
    year, month = today.year, today.month
    out = []
    while len(out) < n:
        out.append((year, month))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return sorted(out)


def _past_sessions(hall: Hall, today: dt.date, months: int) -> list[Session]:
    calendar = working_calendar()
    rows = []
    candidates = _months_back(today, months + 1)
    for year, month in candidates:
        day = rule_date(year, month, day_of_month=hall.day_of_month, on_non_working_day=hall.on_non_working_day,
                        calendar=calendar)
        if day >= today:
            continue
        start, end = services.session_times(hall, day)
        rows.append(Session(hall=hall, subdistrict_id=hall.subdistrict_id, title=services.session_title(hall, day),
                            starts_at=start, ends_at=end, place=hall.place, scheduled_for=day,
                            status=SessionStatus.HELD))
    rows = rows[-months:]
    Session.objects.bulk_create(rows)
    return list(Session.objects.filter(hall=hall, status=SessionStatus.HELD).order_by("starts_at"))


def _hall(community: GridNode, name: str, place: str, rule: str, **fields) -> Hall:
    hall = Hall(community=community, subdistrict_id=community.subdistrict_id, name=name, place=place,
                on_non_working_day=rule, **fields)
    hall.full_clean()
    hall.save()
    return hall


def load_agenda(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Write the demo's halls, sessions and agenda; returns counts. Call after load_matters."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    r = random.Random(SEED)
    featured = GridNode.objects.get(code=FEATURED_CODE)
    second = GridNode.objects.filter(code=SECOND_CODE).first()
    halls = [_hall(featured, *FEATURED_HALL, NonWorkingDay.KEEP, collective_min_households=FEATURED_MIN_HOUSEHOLDS)]
    if second is not None:
        halls.append(_hall(second, f"{second.name}议事厅", f"{second.name}党群服务中心", NonWorkingDay.NEXT))

    items: list[Item] = []
    links: list[tuple[int, int]] = []   # (item index, matter id)

    # The featured hall: a year of held sessions.
    hall = halls[0]
    past = _past_sessions(hall, today, PAST_MONTHS)
    article = _article_rows(featured)
    by_session: dict[int, list[tuple[str, str, str, list[int]]]] = {s.pk: [] for s in past}
    for kind, title, description, matter_id, reported in article:
        session = next((s for s in past if timezone.localtime(s.starts_at).date() >= reported), None)
        if session is not None:
            by_session[session.pk].append((kind, title, description, [matter_id]))
    pool = list(ITEMS)
    r.shuffle(pool)
    for i, session in enumerate(past):
        wanted = 2 + (i % 3)   # 2–4 items, mixing the three kinds
        chosen = by_session[session.pk]
        while len(chosen) < wanted:
            if not pool:
                pool = list(ITEMS)
                r.shuffle(pool)
            have = {k for k, *_ in chosen}
            pick = next((x for x in pool if x[0] not in have), pool[0])
            pool.remove(pick)
            chosen.append((*pick, []))
        for position, (kind, title, description, matters) in enumerate(chosen, start=1):
            items.append(Item(hall=hall, subdistrict_id=hall.subdistrict_id, session=session, kind=kind, title=title[:100],
                              description=description[:4000], status=ItemStatus.DISCUSSED, position=position,
                              minutes_planned=r.choice((15, 20, 25, 30)), origin=ItemOrigin.STAFF))
            links.extend((len(items) - 1, m) for m in matters)

    # Upcoming sessions by the rule; the next one has its agenda started.
    for h in halls:
        services.sessions_schedule(hall=h, today=today)
    upcoming = Session.objects.filter(hall=hall, status=SessionStatus.PLANNED, starts_at__gte=now).order_by("starts_at")
    next_session = upcoming.first()
    if next_session is not None:
        for position, (kind, title, description, minutes) in enumerate(UPCOMING, start=1):
            items.append(Item(hall=hall, subdistrict_id=hall.subdistrict_id, session=next_session, kind=kind,
                              title=title, description=description, status=ItemStatus.SCHEDULED, position=position,
                              minutes_planned=minutes, origin=ItemOrigin.STAFF))

    # Residents' proposals waiting for the hall.
    User = get_user_model()
    proposers = list(User.objects.filter(person__resident__household__unit__micro_grid__path__startswith=featured.path)
                     .order_by("id")[:3])
    for i, (kind, title, description) in enumerate(PROPOSALS):
        items.append(Item(hall=hall, subdistrict_id=hall.subdistrict_id, kind=kind, title=title, description=description,
                          status=ItemStatus.PROPOSED, origin=ItemOrigin.RESIDENT,
                          proposed_by=proposers[i % len(proposers)] if proposers else None))

    # The second hall: its last three sessions held, two items each.
    if len(halls) > 1:
        other = halls[1]
        for j, session in enumerate(_past_sessions(other, today, 3)):
            for position in (1, 2):
                kind, title, description = ITEMS[(j * 2 + position) % len(ITEMS)]
                items.append(Item(hall=other, subdistrict_id=other.subdistrict_id, session=session, kind=kind,
                                  title=title, description=description, status=ItemStatus.DISCUSSED,
                                  position=position, minutes_planned=20, origin=ItemOrigin.STAFF))

    Item.objects.bulk_create(items)
    through = Item.matters.through
    through.objects.bulk_create([through(item_id=items[i].pk, matter_id=m) for i, m in links])
    return {
        "hall_halls": len(halls),
        "hall_sessions": Session.objects.filter(hall__in=halls).count(),
        "hall_items": len(items),
        "hall_item_matters": len(links),
    }


def _article_rows(featured: GridNode) -> list[tuple[str, str, str, int, dt.date]]:
    """The article's 8 matters as (kind, title, description, matter id, report date), oldest first."""
    rows = list(Matter.objects.filter(source=Source.DELIBERATION, grid__path__startswith=featured.path)
                .values_list("pk", "description", "created_at"))
    out = []
    for a in ARTICLE_MATTERS:
        found = next(((pk, at) for pk, text, at in rows if text.startswith(a.title)), None)
        if found is None:
            continue
        pk, at = found
        out.append((KIND_OF[a.kind], a.title, a.description, pk, timezone.localtime(at).date()))
    return sorted(out, key=lambda row: row[4])
