"""Performance evaluation for a month or a quarter: per grid, per worker and per handling organisation, each
with the indicators of digital city management evaluation, a composite score and a rank — and, for every
figure, the matters behind it.

Grids are read from the rollups. Workers and organisations are counted from the matters received in the
period under the node, by the person handling each matter now (its assignee: after a close, the person who
handled it last), with the same conditions as the rollups (`rollups.contributions`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from wangge.core.errors import InvalidInput
from wangge.insights.dashboards.periods import Period
from wangge.insights.dashboards.selectors import dashboard_node
from wangge.insights.rollups import selectors as rollups
from wangge.insights.rollups.contributions import DONE_Q, FILED_Q, ON_TIME_Q
from wangge.insights.rollups.selectors import Figures
from wangge.matters.models import Matter, Rating
from wangge.people.models import Membership, Organisation, OrganisationKind, Person
from wangge.registry.models import LEVEL_ORDER, GridNode, path_ids

BY = {"grid": _("按网格"), "worker": _("按处置人"), "organisation": _("按处置单位")}
# The composite score: each rate's weight; a rate with nothing to divide by is left out and the others
# share its weight.
WEIGHTS = [("closure_rate", 0.3), ("on_time_rate", 0.3), ("rework_rate", 0.2), ("satisfaction_rate", 0.2)]
SCORE_FORMULA = _("综合得分 = 100 ×（0.3 × 结案率 + 0.3 × 按期结案率 + 0.2 ×（1 − 返工率）+ 0.2 × 满意率）")
GRID_LIMIT = 500
# The kinds of organisation that handle matters (party organisations lead, they do not handle).
HANDLING_KINDS = [
    OrganisationKind.PROPERTY_COMPANY, OrganisationKind.POLICE_STATION, OrganisationKind.HOUSING_BUREAU,
    OrganisationKind.FIRE_BRIGADE, OrganisationKind.JOINT_UNIT, OrganisationKind.RESIDENTS_COMMITTEE,
    OrganisationKind.SUBDISTRICT_OFFICE,
]
INDICATOR_LABELS = {
    "received": _("受理"), "due": _("应结案"), "done": _("已结案"), "done_on_time": _("按期结案"),
    "not_done": _("未结案"), "late": _("未按期结案"), "reworked": _("返工"), "rated": _("已评价"),
    "unsatisfied": _("不满意"), "breached": _("超时"),
}
# What the matters behind each figure are.
INDICATOR_MATTERS = {
    "received": Q(),
    "due": FILED_Q,
    "done": DONE_Q,
    "done_on_time": DONE_Q & ON_TIME_Q,
    "not_done": FILED_Q & ~DONE_Q,
    "late": FILED_Q & ~(DONE_Q & ON_TIME_Q),
    "reworked": FILED_Q & Q(rework_count__gt=0),
    "rated": FILED_Q & ~Q(rating=""),
    "unsatisfied": FILED_Q & Q(rating=Rating.UNSATISFIED),
    "breached": FILED_Q & Q(breached=True),
}


def score(f: Figures) -> float | None:
    parts = []
    for key, weight in WEIGHTS:
        value = getattr(f, key)
        if value is not None:
            parts.append((1 - value if key == "rework_rate" else value, weight))
    if not parts or not f.due:
        return None
    return 100 * sum(v * w for v, w in parts) / sum(w for _v, w in parts)


@dataclass
class Row:
    key: int
    name: str
    detail: str
    figures: Figures
    score: float | None
    rank: int | None = None


def _ranked(rows: list[Row]) -> list[Row]:
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), -r.figures.received, r.name))
    rank = 0
    previous = None
    for position, row in enumerate(rows, start=1):
        if row.score is None:
            break
        if row.score != previous:
            rank, previous = position, row.score
        row.rank = rank
    return rows


def received_under(node: GridNode, period: Period) -> QuerySet[Matter]:
    start, end = period.bounds
    return Matter.objects.filter(grid__path__startswith=node.path, created_at__gte=start, created_at__lt=end)


def _figures_by(qs: QuerySet[Matter], field: str) -> dict[int, Figures]:
    handling = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    rows = qs.values(field).annotate(
        received=Count("id"),
        due=Count("id", filter=FILED_Q),
        done=Count("id", filter=DONE_Q),
        done_on_time=Count("id", filter=DONE_Q & ON_TIME_Q),
        reworked=Count("id", filter=FILED_Q & Q(rework_count__gt=0)),
        rated=Count("id", filter=FILED_Q & ~Q(rating="")),
        satisfied=Count("id", filter=FILED_Q & Q(rating=Rating.SATISFIED)),
        basic=Count("id", filter=FILED_Q & Q(rating=Rating.BASIC)),
        breached=Count("id", filter=FILED_Q & Q(breached=True)),
        handling=Sum(handling, filter=DONE_Q),
    ).order_by()
    out = {}
    for row in rows:
        key = row.pop(field)
        handling = row.pop("handling")
        seconds = int(handling.total_seconds()) if handling is not None else 0
        out[key] = Figures(**row, handling_s=seconds)
    return out


def _by_grid(node: GridNode, period: Period, level: str | None) -> list[Row]:
    if level:
        if level not in LEVEL_ORDER or LEVEL_ORDER.index(level) <= LEVEL_ORDER.index(node.level):
            raise InvalidInput.field("level", "应为该网格以下的层级")
        nodes = list(GridNode.objects.filter(path__startswith=node.path, level=level).order_by("code")[:GRID_LIMIT])
    else:
        nodes = list(node.children.order_by("code")[:GRID_LIMIT])
    found = rollups.figures_of(nodes, period.start, period.end)
    return [Row(n.pk, n.name, n.code, found.get(n.pk, rollups.ZERO), None) for n in nodes]


def _by_worker(node: GridNode, period: Period) -> list[Row]:
    found = _figures_by(received_under(node, period).filter(assignee__isnull=False), "assignee_id")
    persons = Person.objects.in_bulk(list(found))
    return [Row(pk, persons[pk].name, "", f, None) for pk, f in found.items() if pk in persons]


def organisation_members(organisation_ids) -> dict[int, int]:
    """person id → the handling organisation they belong to (the first by kind, then id)."""
    members: dict[int, int] = {}
    rows = (Membership.objects.filter(organisation_id__in=organisation_ids, end__isnull=True)
            .order_by("person_id", "organisation_id").values_list("person_id", "organisation_id"))
    for person, organisation in rows:
        members.setdefault(person, organisation)
    return members


def handling_organisations(node: GridNode) -> QuerySet[Organisation]:
    """The organisations that handle matters at the node, above it (a police station serving the
    subdistrict) or below it."""
    above = path_ids(node.path)
    return Organisation.objects.filter(Q(grid__path__startswith=node.path) | Q(grid_id__in=above),
                                       kind__in=HANDLING_KINDS)


def _by_organisation(node: GridNode, period: Period) -> list[Row]:
    organisations = {o.pk: o for o in handling_organisations(node)}
    members = organisation_members(list(organisations))
    per_person = _figures_by(received_under(node, period).filter(assignee_id__in=list(members)), "assignee_id")
    totals: dict[int, Figures] = {}
    for person, figures in per_person.items():
        org = members[person]
        totals[org] = totals.get(org, rollups.ZERO) + figures
    return [Row(pk, o.name, str(o.get_kind_display()), totals.get(pk, rollups.ZERO), None)
            for pk, o in organisations.items()]


@dataclass
class Evaluation:
    node: GridNode
    period: Period
    by: str
    rows: list[Row]


def evaluation(*, actor, node_id: int | None, period: Period, by: str = "grid", level: str | None = None
               ) -> Evaluation:
    if by not in BY:
        raise InvalidInput.field("by", f"应为 {'、'.join(BY)} 之一")
    node = dashboard_node(actor=actor, node_id=node_id)
    rows = {"grid": lambda: _by_grid(node, period, level), "worker": lambda: _by_worker(node, period),
            "organisation": lambda: _by_organisation(node, period)}[by]()
    for row in rows:
        row.score = score(row.figures)
    return Evaluation(node=node, period=period, by=by, rows=_ranked(rows))


def matters_behind(*, actor, node_id: int | None, period: Period, indicator: str, by: str | None = None,
                   key: int | None = None) -> QuerySet[Matter]:
    """The matters a figure counts: those received in the period under the node (or under the grid, by
    the worker or by the organisation `key`) that meet the indicator's condition."""
    if indicator not in INDICATOR_MATTERS:
        raise InvalidInput.field("indicator", f"应为 {'、'.join(INDICATOR_MATTERS)} 之一")
    node = dashboard_node(actor=actor, node_id=node_id)
    qs = received_under(node, period).filter(INDICATOR_MATTERS[indicator])
    if by is not None and by not in BY:
        raise InvalidInput.field("by", f"应为 {'、'.join(BY)} 之一")
    if by and key is None:
        raise InvalidInput.field("key", "请指明网格、处置人或处置单位")
    if by == "grid":
        grid = GridNode.objects.filter(pk=key, path__startswith=node.path).first()
        if grid is None:
            raise InvalidInput.field("key", "该网格不在所选网格之下")
        qs = qs.filter(grid__path__startswith=grid.path)
    elif by == "worker":
        qs = qs.filter(assignee_id=key)
    elif by == "organisation":
        if not handling_organisations(node).filter(pk=key).exists():
            raise InvalidInput.field("key", "该单位不在所选网格的处置单位之中")
        members = organisation_members(list(handling_organisations(node).values_list("pk", flat=True)))
        qs = qs.filter(assignee_id__in=[person for person, org in members.items() if org == key])
    return qs.select_related("category", "grid", "assignee").order_by("-created_at", "-id")
