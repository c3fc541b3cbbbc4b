"""The demo's dispute mediation (矛盾纠纷调解) in the featured community: the article's 11 disputes mediated
to an agreement (`ARTICLE_DISPUTES`), each with its parties, sessions and terms, some followed up already;
plus a few still open or being mediated, one referred to the police station, one failed and one withdrawn.
Agreements whose category fits are linked to a closed demo matter of the 邻里纠纷 group, as if the dispute
had started from it. Rows are bulk-written; parties who are not residents are fake.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from wangge.core.pii import id_check_char
from wangge.fieldwork.disputes.models import Dispute, Party, Session, Side, Status
from wangge.matters.models import Matter, State
from wangge.people.access import MEDIATE, ROLE_CAPABILITIES
from wangge.people.models import Duty
from wangge.registry.models import GridNode, Level, Resident

from .generator import FEATURED_CODE

SEED = 20240803
PLACES = ("红色物业议事厅", "社区党群服务中心调解室", "妇女儿童微家", "党群书吧", "当事人家中")

# kind, title, facts, terms, the matter category it may have started from
ARTICLE_DISPUTES = [
    ("leak", "楼上卫生间漏水致楼下天花板受损", "楼上住户卫生间防水层老化，渗水致楼下天花板、墙面受损，双方因维修和赔偿多次争吵。",
     "一、楼上住户于十五日内请物业维修卫生间防水层；\n二、楼上住户一次性赔偿楼下墙面修复费用1200元；\n三、双方今后和睦相处，不再因此事争执。", "dispute-leak"),
    ("noise", "楼上装修噪音影响老人休息", "楼上住户装修，清晨和午间施工，楼下独居老人无法休息。",
     "一、装修施工时间限于工作日8:00—12:00、14:00—18:00；\n二、电钻等高噪音作业提前一天告知楼下；\n三、物业每周巡查一次。", "order-noise"),
    ("parking", "车位长期被占引发争执", "业主的固定车位长期被邻居车辆占用，双方多次发生口角。",
     "一、占用方即日起不再停放于他人车位；\n二、物业在车位加装地锁，费用由占用方承担；\n三、双方互相致歉。", ""),
    ("property_fee", "业主以服务不到位为由拒交物业费", "业主认为楼道保洁、电梯维护不到位，两年未交物业费。",
     "一、物业公司一个月内整改楼道保洁和电梯维护；\n二、业主分两期补交物业费，免除滞纳金；\n三、整改情况由网格长监督。", "dispute-fee"),
    ("neighbours", "楼道堆放杂物占用消防通道", "住户在楼道长期堆放纸箱和旧家具，邻居多次劝说无果。",
     "一、堆放方于三日内清理楼道杂物；\n二、社区协助联系废品回收；\n三、楼栋管家每月检查一次。", "dispute-neighbour"),
    ("neighbours", "饲养宠物扰民纠纷", "邻居家犬只夜间吠叫，且在楼道便溺，双方多次争吵。",
     "一、养犬方夜间将犬只留在室内并加强管束；\n二、外出遛犬拴绳并及时清理粪便；\n三、养犬方办理犬只登记。", "dispute-neighbour"),
    ("family", "赡养老人费用分担纠纷", "兄妹三人就母亲赡养费用和轮流照护发生争执。",
     "一、三人每月各承担母亲生活费600元；\n二、按月轮流照护，节假日共同陪伴；\n三、医疗费用按实际发生平均分担。", ""),
    ("tenancy", "租户退租押金纠纷", "租户退租时房东以墙面损坏为由扣留全部押金。",
     "一、房东退还押金2000元中的1600元；\n二、400元用于墙面修补；\n三、双方当场结清，再无其他纠纷。", ""),
    ("leak", "空调冷凝水滴落邻居阳台", "楼上空调冷凝水管未接入排水管，长期滴落楼下阳台。",
     "一、楼上住户一周内加装冷凝水管并接入排水管；\n二、物业协助施工；\n三、楼下住户不再追究此前损失。", "dispute-leak"),
    ("neighbours", "公共绿地种菜引发邻里矛盾", "部分住户在公共绿地私自种菜，其他住户反对。",
     "一、种菜住户两周内自行清理菜地；\n二、物业恢复绿化；\n三、社区另辟“共享菜园”由议事厅商定使用规则。", "dispute-neighbour"),
    ("parking", "电动车楼道充电纠纷", "住户将电动车推入楼道充电，邻居担心火灾隐患。",
     "一、住户不再在楼道内充电；\n二、物业在小区增设集中充电桩；\n三、楼栋管家加强巡查。", ""),
]
# (status, kind, title, the outcome fields)
OTHERS = [
    (Status.OPEN, "noise", "广场舞音响声音过大", {}),
    (Status.MEDIATING, "neighbours", "共用墙体开裂责任纠纷", {}),
    (Status.MEDIATING, "property_fee", "电梯维修费用分摊争议", {}),
    (Status.REFERRED, "neighbours", "邻里口角升级为肢体冲突",
     {"referred_to": "police", "referred_body": "城西派出所"}),
    (Status.FAILED, "tenancy", "合租房屋水电费分摊纠纷", {"failure_reason": "双方对费用计算分歧较大，均不接受调解方案，建议通过诉讼解决"}),
    (Status.WITHDRAWN, "family", "夫妻家庭矛盾", {"withdrawal_reason": "双方已自行和好，申请撤回"}),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "秀英", "志强", "桂兰", "海燕", "晓东", "丽华", "国庆", "春梅", "建军", "玉兰", "文杰")


def _fake_id(rng: random.Random, n: int) -> str:
    first = f"140728{rng.randint(1955, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{800 + n % 200:03d}"
    return first + id_check_char(first)


def load_disputes(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    rng = random.Random(SEED)
    community = GridNode.objects.get(code=FEATURED_CODE)
    micros = list(GridNode.objects.filter(path__startswith=community.path, level=Level.MICRO_GRID).order_by("code"))
    roles = [r for r, caps in ROLE_CAPABILITIES.items() if MEDIATE in caps]
    duties = list(Duty.objects.current(now).filter(role__in=roles, grid__path__startswith=community.path)
                  .select_related("grid", "person").order_by("grid__depth", "id"))
    if not micros or not duties:
        return {"disputes": 0}
    residents: dict[int, list[Resident]] = {}
    for resident in (Resident.objects.filter(household__unit__micro_grid__in=micros, left_at__isnull=True)
                     .select_related("household__unit").order_by("id")):
        residents.setdefault(resident.household.unit.micro_grid_id, []).append(resident)
    # Closed matters of the dispute group, to be the matters some agreements started from.
    codes = {a[4] for a in ARTICLE_DISPUTES if a[4]}
    matters_by_code: dict[str, list[Matter]] = {}
    for matter in (Matter.objects.filter(grid__path__startswith=community.path, state__in=[State.CLOSED, State.EVALUATED],
                                         category__code__in=codes)
                   .select_related("category", "grid").order_by("id")):
        matters_by_code.setdefault(matter.category.code, []).append(matter)
    used: set[int] = set()

    def mediators_for(micro: GridNode) -> list:
        """The deepest grid worker who may mediate there, and a second one (often the grid leader)."""
        over = sorted((d for d in duties if micro.path.startswith(d.grid.path)), key=lambda d: -d.grid.depth)
        persons = list(dict.fromkeys(d.person for d in over))
        return list(dict.fromkeys(persons[:1] + rng.sample(persons, k=min(len(persons), 1))))

    disputes, plans = [], []
    cases = [(Status.AGREEMENT, *a) for a in ARTICLE_DISPUTES] + [
        (status, kind, title, "", "", "", extra) for status, kind, title, extra in OTHERS
    ]
    for i, case in enumerate(cases):
        status, kind, title, facts, terms, code = case[:6]
        extra = case[6] if len(case) > 6 else {}
        micro = micros[(i * 7) % len(micros)]
        pool = residents.get(micro.pk) or [r for rs in residents.values() for r in rs]
        opened = now - dt.timedelta(days=330 - i * 18 if status == Status.AGREEMENT else 40 - i, hours=rng.randint(0, 8))
        matter = None
        if status == Status.AGREEMENT and code:
            candidates = [m for m in matters_by_code.get(code, []) if m.pk not in used]
            if candidates:
                matter = candidates[0]
                used.add(matter.pk)
                micro = matter.grid if matter.grid.level == Level.MICRO_GRID else micro
                opened = matter.created_at + dt.timedelta(hours=6)
        concluded = None
        if status not in (Status.OPEN, Status.MEDIATING):
            concluded = opened + dt.timedelta(days=rng.randint(3, 12))
            if matter is not None and matter.closed_at:
                concluded = matter.closed_at
            concluded = min(concluded, now - dt.timedelta(hours=1))
        follow_on = follow_done = None
        note = ""
        if status == Status.AGREEMENT:
            follow_on = timezone.localdate(concluded) + dt.timedelta(days=30)
            if follow_on < timezone.localdate(now) - dt.timedelta(days=3):
                follow_done, note = follow_on, rng.choice(["协议已履行，双方满意", "已按协议整改，邻里关系融洽",
                                                           "回访时双方表示无新矛盾"])
        mediators = mediators_for(micro)
        dispute = Dispute(
            grid=micro, kind=kind, title=title, summary=facts or title, status=status, matter=matter,
            opened_by_label=mediators[0].name, opened_at=opened, updated_at=concluded or opened, concluded_at=concluded,
            concluded_by_label=mediators[0].name if concluded else "",
            agreement_terms=terms, follow_up_on=follow_on, follow_up_done_on=follow_done, follow_up_note=note,
            subdistrict_id=community.subdistrict_id, **extra,
        )
        dispute.refresh_search_text()
        disputes.append(dispute)
        plans.append((micro, pool, opened, concluded, status, mediators))
    Dispute.objects.bulk_create(disputes)

    parties, sessions, mediator_rows = [], [], []
    for dispute, (_micro, pool, opened, concluded, status, mediators) in zip(disputes, plans, strict=True):
        mediator_rows += [Dispute.mediators.through(dispute_id=dispute.pk, person_id=p.pk) for p in mediators]
        applicant = rng.choice(pool)
        parties.append(Party(dispute=dispute, side=Side.APPLICANT, resident=applicant, name=applicant.name,
                             added_at=opened))
        if rng.random() < 0.5 and len(pool) > 1:
            respondent = rng.choice([r for r in pool if r.household_id != applicant.household_id] or pool)
            parties.append(Party(dispute=dispute, side=Side.RESPONDENT, resident=respondent, name=respondent.name,
                                 added_at=opened))
        else:
            k = len(parties)
            parties.append(Party(dispute=dispute, side=Side.RESPONDENT, name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                                 phone=f"137{rng.randint(0, 99_999_999):08d}", id_number=_fake_id(rng, k),
                                 added_at=opened))
        if status == Status.OPEN:
            continue
        count = 1 if status in (Status.WITHDRAWN, Status.REFERRED) else rng.randint(1, 3)
        end = concluded or now - dt.timedelta(hours=2)
        for s in range(count):
            held = opened + (end - opened) * (s + 1) / (count + 1)
            sessions.append((Session(dispute=dispute, held_at=held, place=rng.choice(PLACES),
                                     notes=["听取双方陈述，明确争议焦点。", "现场查看情况，向双方释法说理。",
                                            "双方各退一步，就方案达成一致意向。"][min(s, 2)],
                                     recorded_by_label=mediators[0].name, created_at=held), mediators))
    Dispute.mediators.through.objects.bulk_create(mediator_rows)
    Party.objects.bulk_create(parties)
    Session.objects.bulk_create([s for s, _m in sessions])
    party_ids: dict[int, list[int]] = {}
    for party in parties:
        party_ids.setdefault(party.dispute_id, []).append(party.pk)
    Session.parties_present.through.objects.bulk_create([
        Session.parties_present.through(session_id=s.pk, party_id=pid)
        for s, _m in sessions for pid in party_ids[s.dispute_id]
    ])
    Session.mediators_present.through.objects.bulk_create([
        Session.mediators_present.through(session_id=s.pk, person_id=p.pk) for s, ms in sessions for p in ms
    ])
    return {"disputes": len(disputes), "dispute_parties": len(parties), "dispute_sessions": len(sessions),
            "disputes_agreed": sum(1 for d in disputes if d.status == Status.AGREEMENT)}
