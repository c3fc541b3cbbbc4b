"""The demo's consultations (征求意见) in the featured community: two closed over the past year with
realistic answers from the residents — 加装电梯意见征集 (one answer per household, the buildings of one
estate) and 小区停车位改造方案 (one per resident, one area grid) — each attached to a "major" agenda item of
the featured hall when the agenda loader made one, and one open now to the estate of the `resident`
login, which that login has not answered yet. Responses and answers are bulk-written."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from wangge.hall.consultations import selectors, services
from wangge.hall.consultations.models import Answer, Basis, Consultation, Kind, Response
from wangge.registry.models import Building, GridNode, Level

from .generator import FEATURED_CODE

SEED = 20240810

ELEVATOR = [
    {"kind": "single", "text": "您是否同意本单元加装电梯？", "options": ["同意", "不同意", "视费用而定"]},
    {"kind": "single", "text": "加装费用的分摊方式，您倾向于：",
     "options": ["按楼层递增分摊", "各户平均分摊", "争取政府补贴后再议"]},
    {"kind": "scale", "text": "您家对电梯的需要程度", "min_label": "不需要", "max_label": "非常需要"},
    {"kind": "text", "text": "其他意见和建议", "required": False},
]
PARKING = [
    {"kind": "single", "text": "是否赞成将部分绿地改造为停车位？", "options": ["赞成", "反对", "需要看具体方案"]},
    {"kind": "multiple", "text": "改造中最需要解决的问题（可多选）",
     "options": ["车位不足", "消防通道被占", "外来车辆停放", "电动车充电", "夜间照明"]},
    {"kind": "scale", "text": "您对现在停车秩序的满意程度", "min_label": "很不满意", "max_label": "很满意"},
    {"kind": "text", "text": "您对停车位改造的建议", "required": False},
]
GARDEN = [
    {"kind": "single", "text": "您是否愿意认领共享菜园的一块地？", "options": ["愿意", "不愿意", "再看看"]},
    {"kind": "multiple", "text": "菜园规则应包括哪些内容（可多选）",
     "options": ["认领期一年", "不使用农药", "收获分享给独居老人", "轮流浇水值日"]},
    {"kind": "scale", "text": "您对设立共享菜园的支持程度", "min_label": "不支持", "max_label": "非常支持"},
    {"kind": "text", "text": "其他意见和建议", "required": False},
]
# Weights of the options (in order) and of the scale values 1..5, per questionnaire.
LEANING = {
    "elevator": ([6, 2, 3], [5, 3, 2], [1, 1, 2, 3, 4]),
    "parking": ([5, 2, 3], [6, 5, 3, 4, 2], [2, 4, 3, 2, 1]),
    "garden": ([5, 2, 3], [3, 4, 4, 3], [1, 1, 2, 4, 5]),
}
TEXTS = {
    "elevator": ["一楼住户希望补偿采光损失", "建议施工安排在白天，避开午休", "希望尽快开工，老人上下楼太难了",
                 "费用要公开透明，定期公示", "电梯后期维护费用由谁承担要讲清楚", "同意，但井道不要挡住窗户"],
    "parking": ["晚上外来车辆太多，建议装道闸", "消防通道必须划线禁停", "希望增加电动车集中充电桩",
                "绿地尽量保留，可以改地下车位", "车位按先到先得不公平，建议摇号", "夜里路灯太暗，倒车不安全"],
    "garden": ["希望给老人和孩子留几块地", "浇水用雨水收集更环保", "认领要公平，建议抽签"],
}


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _ninth(today: dt.date, months_back: int) -> dt.date:
    year, month = today.year, today.month - months_back
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 9)


def _major_item(featured: GridNode, keywords: tuple[str, ...], taken: set[int]):
    from wangge.hall.agenda.models import Item, ItemKind

    items = [i for i in Item.objects.filter(hall__community=featured, kind=ItemKind.MAJOR).order_by("id")
             if i.pk not in taken]
    for item in items:
        if any(k in item.title for k in keywords):
            return item
    return items[0] if items else None


def _answers(rng: random.Random, questions: list, key: str) -> list[tuple]:
    options_w, multiple_w, scale_w = LEANING[key]
    out: list[tuple] = []
    for q, options in questions:
        if q.kind == Kind.SINGLE:
            weights = options_w if len(options_w) == len(options) else [1] * len(options)
            out.append(("option", rng.choices(options, weights=weights)[0]))
        elif q.kind == Kind.MULTIPLE:
            chosen = [o for o, w in zip(options, multiple_w, strict=False) if rng.random() < w / 8] or [options[0]]
            out += [("option", o) for o in chosen]
        elif q.kind == Kind.SCALE:
            out.append(("value", (q, rng.choices(q.scale_values, weights=scale_w)[0])))
        elif rng.random() < 0.3:
            out.append(("text", (q, rng.choice(TEXTS[key]))))
    return out


def _respond(rng: random.Random, c: Consultation, key: str, share: float, skip: set[int]) -> tuple[int, int]:
    """Bulk answers from `share` of the eligible residents (one per household with that basis)."""
    residents = list(selectors.audience_residents(c).exclude(pk__in=skip).order_by("household_id", "id"))
    if c.basis == Basis.HOUSEHOLD:
        seen: set[int] = set()
        residents = [r for r in residents if not (r.household_id in seen or seen.add(r.household_id))]
    chosen = [r for r in residents if rng.random() < share]
    opened, closes = c.opens_at, c.closes_at
    span = max(1, int((closes - opened).total_seconds()) - 3600)
    questions = [(q, list(q.options.all())) for q in c.questions.prefetch_related("options").order_by("position")]
    rows, plans = [], []
    for r in chosen:
        at = opened + dt.timedelta(seconds=rng.randrange(span))
        rows.append(Response(subdistrict_id=c.subdistrict_id, consultation=c, basis=c.basis, resident=r,
                             household_id=r.household_id, submitted_at=at, updated_at=at))
        plans.append(_answers(rng, questions, key))
    responses = Response.objects.bulk_create(rows)
    if any(r.pk is None for r in responses):
        responses = list(Response.objects.filter(consultation=c).order_by("id"))
    answers = []
    for response, plan in zip(responses, plans, strict=True):
        for kind, value in plan:
            base = {"subdistrict_id": c.subdistrict_id, "response": response}
            if kind == "option":
                answers.append(Answer(question_id=value.question_id, option=value, **base))
            elif kind == "value":
                answers.append(Answer(question=value[0], value=value[1], **base))
            else:
                answers.append(Answer(question=value[0], text=value[1], **base))
    Answer.objects.bulk_create(answers, batch_size=1000)
    return len(responses), len(answers)


def load_consultations(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    rng = random.Random(SEED)
    featured = GridNode.objects.get(code=FEATURED_CODE)
    estates = list(GridNode.objects.filter(level=Level.ESTATE_GRID, path__startswith=featured.path).order_by("code"))
    areas = list(GridNode.objects.filter(level=Level.AREA_GRID, path__startswith=featured.path).order_by("code"))
    user = get_user_model().objects.filter(username="resident").select_related(
        "person__resident__household__unit__building__estate_grid").first()
    resident = getattr(getattr(user, "person", None), "resident", None)
    home_estate = resident.household.unit.building.estate_grid if resident is not None else estates[0]
    elevator_estate = next((e for e in estates if e.pk != home_estate.pk), estates[0])
    taken: set[int] = set()
    counts = {"consultations": 0, "consultation_responses": 0, "consultation_answers": 0}

    def run(key, title, proposal, basis, questions, *, opens, closes, grids=(), buildings=(), item_words=(),
            share=0.6, close=True, skip=frozenset()):
        item = _major_item(featured, item_words, taken) if item_words else None
        if item is not None:
            taken.add(item.pk)
        c = services.consultation_create(
            actor=None, community=featured.pk, title=title, proposal=proposal, basis=basis, opens_at=opens,
            closes_at=closes, item=item.pk if item else None, grids=list(grids), buildings=list(buildings),
            questions=questions, publish_results=True, at=opens - dt.timedelta(days=2))
        services.consultation_open(actor=None, consultation_id=c.pk, at=opens, notify_audience=not close)
        c.refresh_from_db()
        n_responses, n_answers = _respond(rng, c, key, share, set(skip))
        if close:
            services.consultation_close(actor=None, consultation_id=c.pk, at=closes)
        counts["consultations"] += 1
        counts["consultation_responses"] += n_responses
        counts["consultation_answers"] += n_answers
        return c

    closes = _at(_ninth(today, 7), 18)
    run("elevator", "加装电梯意见征集",
        f"{elevator_estate.name}多为六层老楼，拟争取老旧小区改造资金为各楼栋加装电梯。费用按楼层递增分摊，"
        "一楼、二楼住户不承担或少承担。请每户推选一人填写意见。",
        Basis.HOUSEHOLD, ELEVATOR, opens=closes - dt.timedelta(days=14), closes=closes,
        buildings=Building.objects.filter(estate_grid=elevator_estate).values_list("pk", flat=True),
        item_words=("电梯", "老旧小区改造"), share=0.72)
    closes = _at(_ninth(today, 2), 18)
    run("parking", "小区停车位改造方案",
        "小区车位严重不足，消防通道常被占用。物业公司提出将部分绿地改造为生态停车位，并增设电动车充电棚，"
        "请居民发表意见。", Basis.RESIDENT, PARKING, opens=closes - dt.timedelta(days=10), closes=closes,
        grids=[areas[0].pk] if areas else [], item_words=("停车位", "绿化", "停车"), share=0.45)
    skip = {resident.pk} if resident is not None else set()
    run("garden", "共享菜园使用规则征求意见",
        "议事厅商定在小区东侧空地开辟“共享菜园”，由居民认领种植。请对认领方式和使用规则提出意见，"
        "结果将在下次议事日讨论。", Basis.RESIDENT, GARDEN, opens=now - dt.timedelta(days=2),
        closes=now + dt.timedelta(days=12), grids=[home_estate.pk], share=0.3, close=False, skip=skip)
    return counts
