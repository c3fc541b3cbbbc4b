"""Awards elections and notices in the demo's featured community.

Elections: one finished election of each award — 最美党员 (party members only, one vote per resident),
最美业主 (one vote per household) — and 最美志愿者, each with nominations (some declined), candidates,
ballots from real demo residents and published results; and 最美家庭, open for voting now, in which the
`resident` login (and their household) has not voted yet.

Notices: a dozen over the past year to the whole community, an estate, a building, the party members and
the owners, with read receipts from the residents who have a login; two recent ones addressed to the
`resident` login are unread.

History needs no notifications: the rows are bulk-written as the services would have left them."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from wangge.community.elections.models import (
    Action,
    AuditEntry,
    Ballot,
    Basis,
    Election,
    Eligibility,
    Nomination,
    NominationStatus,
    Vote,
)
from wangge.community.elections.selectors import community_residents, party_member_q
from wangge.community.notices.models import Audience, Notice, Receipt, Status
from wangge.community.notices.selectors import audience_residents
from wangge.people.models import Duty, Person, Role
from wangge.registry.models import Building, GridNode, Level

from .generator import FEATURED_CODE

SEED = 5208
CITATIONS = {
    "最美党员": ["亮身份、作表率，义务巡楼十年", "带头垃圾分类，党员先锋岗常年在岗", "疫情期间连续值守卡口四十天",
                 "主动认领楼道照明维修，党员服务不打烊", "帮扶独居老人，每周上门三次"],
    "最美业主": ["带头缴纳物业费，积极参加议事日", "自家车位让出做充电棚，邻里称赞", "组织楼栋清理堆物",
                 "捐赠健身器材，带动全楼健身", "调解邻里漏水纠纷，化干戈为玉帛"],
    "最美志愿者": ["义务理发三百余人次", "周末辅导社区孩子功课", "每天接送行动不便老人就医",
                   "带队清理小区绿化带", "防汛值守通宵达旦"],
    "最美家庭": ["三代同堂，孝老爱亲", "家风家训传承好", "全家参与志愿服务", "邻里互助模范家庭"],
}


def _secretary(community: GridNode) -> Person | None:
    duty = (Duty.objects.filter(role=Role.TWO_COMMITTEE_MEMBER, grid=community).select_related("person")
            .order_by("id").first())
    return duty.person if duty else None


def _resident_login() -> Person | None:
    user = get_user_model().objects.filter(username="resident").select_related("person__resident").first()
    person = getattr(user, "person", None) if user else None
    return person if person is not None and person.resident_id else None


def _election(rng, community, secretary, title, eligibility, basis, opens, *, finished: bool, exclude_household=None):
    sub = community.tenant_id
    label = secretary.name if secretary else "系统"
    n_open, n_close = opens, opens + dt.timedelta(days=10)
    v_open, v_close = n_close + dt.timedelta(days=2), n_close + dt.timedelta(days=9)
    e = Election.objects.create(
        community=community, subdistrict_id=sub, title=title, eligibility=eligibility, basis=basis,
        description=f"{community.name}{title}评选：由居民提名、社区审核确定候选人、居民投票产生。",
        nomination_opens=n_open, nomination_closes=n_close, voting_opens=v_open, voting_closes=v_close,
        announced_at=n_open - dt.timedelta(days=3), created_by=secretary, created_at=n_open - dt.timedelta(days=5),
        results_published_at=v_close + dt.timedelta(days=1) if finished else None,
    )
    residents = community_residents(community)
    pool = list((residents.filter(party_member_q()) if eligibility == Eligibility.PARTY_MEMBERS else residents)
                .order_by("id").values_list("pk", "name"))
    picks = rng.sample(pool, min(len(pool), len(CITATIONS[title]) + 2))
    audit = [AuditEntry(election=e, subdistrict_id=sub, at=e.created_at, action=Action.CREATED, actor=secretary,
                        actor_label=label, detail={"title": title}),
             AuditEntry(election=e, subdistrict_id=sub, at=e.announced_at, action=Action.ANNOUNCED, actor=secretary,
                        actor_label=label)]
    nominations = []
    for i, (pk, name) in enumerate(picks):
        approved = i < len(CITATIONS[title])
        at = n_open + dt.timedelta(days=1 + i % 8, hours=rng.randint(8, 20))
        nominations.append(Nomination(
            election=e, subdistrict_id=sub, nominee_id=pk, nominated_by_label="居民提名", reason="热心社区事务，群众认可",
            status=NominationStatus.APPROVED if approved else NominationStatus.DECLINED,
            citation=CITATIONS[title][i] if approved else "", decided_by=secretary,
            decided_at=n_close + dt.timedelta(hours=20), created_at=at))
        audit.append(AuditEntry(election=e, subdistrict_id=sub, at=at, action=Action.NOMINATED, actor_label="居民提名",
                                detail={"nominee": name}))
        audit.append(AuditEntry(election=e, subdistrict_id=sub, at=n_close + dt.timedelta(hours=20),
                                action=Action.APPROVED if approved else Action.DECLINED, actor=secretary,
                                actor_label=label, detail={"nominee": name}))
    nominations = Nomination.objects.bulk_create(nominations)
    candidates = [n for n in nominations if n.status == NominationStatus.APPROVED]
    voters = list(residents.order_by("id").values_list("pk", "household_id", "name"))
    if basis == Basis.HOUSEHOLD:
        seen, unique = set(), []
        for v in voters:
            if v[1] not in seen:
                seen.add(v[1])
                unique.append(v)
        voters = unique
    if exclude_household is not None:
        voters = [v for v in voters if v[1] != exclude_household]
    share = 0.3 if finished else 0.08
    chosen = rng.sample(voters, int(len(voters) * share))
    weights = [rng.randint(3, 12) for _ in candidates]
    end = v_close if finished else min(v_close, timezone.now())
    ballots, votes = [], []
    for pk, household, name in chosen:
        at = v_open + (end - v_open) * rng.random()
        key = f"h:{household}" if basis == Basis.HOUSEHOLD else f"r:{pk}"
        ballots.append(Ballot(election=e, subdistrict_id=sub, voter_key=key, voter_id=pk, cast_at=at))
        votes.append(Vote(election=e, subdistrict_id=sub, candidate=rng.choices(candidates, weights)[0]))
        audit.append(AuditEntry(election=e, subdistrict_id=sub, at=at, action=Action.VOTED, actor_label=name,
                                detail={"voter": name, "voter_key": key}))
    Ballot.objects.bulk_create(ballots, batch_size=500)
    rng.shuffle(votes)  # no order links a vote to a ballot
    Vote.objects.bulk_create(votes, batch_size=500)
    if finished:
        audit.append(AuditEntry(election=e, subdistrict_id=sub, at=e.results_published_at,
                                action=Action.RESULTS_PUBLISHED, actor=secretary, actor_label=label,
                                detail={"ballots": len(ballots)}))
    AuditEntry.objects.bulk_create(audit, batch_size=500)
    return e, len(nominations), len(ballots), len(audit)


def load_elections() -> dict[str, int]:
    rng = random.Random(SEED)
    community = GridNode.objects.get(code=FEATURED_CODE)
    secretary = _secretary(community)
    now = timezone.now()
    login = _resident_login()
    counts = {"elections": 0, "nominations": 0, "ballots": 0, "election_audit": 0}
    plan = [
        ("最美党员", Eligibility.PARTY_MEMBERS, Basis.RESIDENT, now - dt.timedelta(days=300), True),
        ("最美业主", Eligibility.RESIDENTS, Basis.HOUSEHOLD, now - dt.timedelta(days=200), True),
        ("最美志愿者", Eligibility.RESIDENTS, Basis.RESIDENT, now - dt.timedelta(days=100), True),
        ("最美家庭", Eligibility.RESIDENTS, Basis.HOUSEHOLD, now - dt.timedelta(days=14), False),
    ]
    for title, eligibility, basis, opens, finished in plan:
        _e, n, b, a = _election(rng, community, secretary, title, eligibility, basis, opens, finished=finished,
                                exclude_household=login.resident.household_id if login and not finished else None)
        counts["elections"] += 1
        counts["nominations"] += n
        counts["ballots"] += b
        counts["election_audit"] += a
    return counts


NOTICES = [
    # (days ago, title, body, target, audience, pinned)
    (350, "春节期间安全提示", "春节将至，请注意用火用电安全。\n\n- 不在楼道堆放杂物\n- 电动车不进楼入户\n- 燃放烟花爆竹请到指定地点",
     "community", Audience.EVERYONE, False),
    (320, "党员冬训通知", "本月15日上午9时在党群服务中心开展党员冬训，请全体党员准时参加。", "community",
     Audience.PARTY_MEMBERS, False),
    (290, "业主大会筹备意见征集", "小区业主大会筹备组成立，现征集业主意见，请于月底前反馈至物业服务中心。", "estate",
     Audience.OWNERS, False),
    (250, "二次供水水箱清洗停水通知", "因二次供水水箱清洗，本楼明日8时至14时停水，请提前储水。", "building",
     Audience.EVERYONE, False),
    (210, "“我是党员我先行”志愿服务报名", "本周六开展小区环境整治志愿服务，欢迎党员报名。", "community",
     Audience.PARTY_MEMBERS, False),
    (180, "电动车集中充电棚启用", "小区新建集中充电棚已启用，请勿在楼道和家中充电。", "estate", Audience.EVERYONE, False),
    (150, "防汛提示", "近期强降雨频繁，请低层住户做好防汛准备，发现险情及时拨打网格员电话。", "community",
     Audience.EVERYONE, False),
    (120, "物业服务费收缴公示", "上半年物业服务费收支情况已在公告栏公示，业主可到物业服务中心查阅明细。", "estate",
     Audience.OWNERS, False),
    (90, "燃气安全入户检查", "燃气公司将于下周入户检查，请家中留人配合。", "building", Audience.EVERYONE, False),
    (45, "议事日议题征集", "本月10日为“红色物业议事厅”议事日，欢迎居民提出议题。", "community", Audience.EVERYONE, True),
    (6, "“最美家庭”评选投票开始", "社区“最美家庭”评选进入投票阶段，每户一票，欢迎在“评选”页面投票。", "community",
     Audience.EVERYONE, True),
    (2, "冬季供暖试水通知", "供暖试水定于本周五，请家中留人，发现漏水及时联系物业。", "estate", Audience.EVERYONE, False),
]


def load_notices() -> dict[str, int]:
    rng = random.Random(SEED + 1)
    community = GridNode.objects.get(code=FEATURED_CODE)
    secretary = _secretary(community)
    now = timezone.now()
    sub = community.tenant_id
    login = _resident_login()
    home = None
    if login is not None:
        home = Building.objects.select_related("estate_grid").get(units__households__residents=login.resident_id)
    estates = list(GridNode.objects.filter(level=Level.ESTATE_GRID, path__startswith=community.path).order_by("code"))
    estate = home.estate_grid if home else estates[0]
    building = home or Building.objects.filter(estate_grid=estate).order_by("name").first()
    readers = {p.resident_id: p.pk for p in Person.objects.filter(resident__isnull=False)}
    n_notices = n_receipts = 0
    receipts = []
    for days, title, body, target, audience, pinned in NOTICES:
        at = now - dt.timedelta(days=days, hours=rng.randint(0, 6))
        notice = Notice.objects.create(
            subdistrict_id=sub, title=title, body=body, audience=audience, pinned=pinned, publish_at=at,
            status=Status.PUBLISHED, author=secretary, author_label=secretary.name if secretary else "社区",
            created_at=at, published_at=at, notified_at=at,
            expires_at=at + dt.timedelta(days=30) if target == "building" else None,
        )
        if target == "building":
            notice.buildings.set([building])
        else:
            notice.grids.set([community if target == "community" else estate])
        n_notices += 1
        recent = days <= 6
        for rid in audience_residents(notice).values_list("pk", flat=True):
            person = readers.get(rid)
            if person is None:
                continue
            if login is not None and person == login.pk and recent:
                continue  # the resident login has two unread notices
            if login is not None and person == login.pk or rng.random() < 0.7:
                receipts.append(Receipt(notice=notice, person_id=person, subdistrict_id=sub,
                                        read_at=at + dt.timedelta(hours=rng.randint(1, 72))))
    Receipt.objects.bulk_create(receipts, batch_size=500)
    n_receipts = len(receipts)
    return {"notices": n_notices, "receipts": n_receipts}
