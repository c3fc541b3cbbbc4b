"""Coverage "to every edge and every floor" (横到边、纵到底).

The report lists, below a grid node:
- households that are not in exactly one micro-grid (their unit has no micro-grid, or one outside the
  building's estate grid);
- grid nodes from community level down with nobody currently on duty;
- nodes of a level that requires a boundary but have none;
- within each community, sibling area grids or estate grids whose boundaries overlap, area grids that
  leave part of the community uncovered, and holes enclosed by the community's estate grids;
- the article's chains of concurrent posts: a two-committee member who is a grid leader is also that
  grid's property-service supervisor; every party member of the property company is an information officer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape
from shapely.ops import unary_union

from wangge.core.geo import local_area_m2
from wangge.people.models import Duty, Membership, OrganisationKind, Role

from .models import BOUNDARY_REQUIRED, GridNode, Household, Level

# Overlaps and gaps smaller than this are drawing noise, not a coverage problem.
AREA_TOLERANCE_M2 = 1.0
STAFFED_LEVELS = (Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID, Level.MICRO_GRID)


@dataclass
class Problem:
    kind: str
    message: str
    grid_id: int | None = None
    grid_code: str = ""
    object_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "message": self.message,
            "grid_id": self.grid_id,
            "grid_code": self.grid_code,
            "object_id": self.object_id,
        }


@dataclass
class CoverageReport:
    root: GridNode | None
    problems: list[Problem] = field(default_factory=list)
    households_checked: int = 0
    grids_checked: int = 0

    @property
    def complete(self) -> bool:
        return not self.problems

    def by_kind(self) -> dict[str, list[Problem]]:
        groups: dict[str, list[Problem]] = {}
        for problem in self.problems:
            groups.setdefault(problem.kind, []).append(problem)
        return groups


KIND_LABELS = {
    "household_unplaced": _("住户未落入唯一微网格"),
    "grid_unstaffed": _("网格无人在岗"),
    "boundary_missing": _("缺少边界"),
    "boundary_overlap": _("边界重叠"),
    "boundary_gap": _("边界缺口"),
    "chain_supervisor": _("网格长未兼任物业服务监督员"),
    "chain_information_officer": _("物业党员未兼任信息员"),
}


def coverage_report(*, root: GridNode | None = None) -> CoverageReport:
    nodes = GridNode.objects.all()
    if root is not None:
        nodes = nodes.filter(path__startswith=root.path)
    report = CoverageReport(root=root)
    report.grids_checked = nodes.count()
    _households(report, root)
    _staffing(report, nodes)
    _boundaries(report, nodes, root)
    _chains(report, nodes)
    return report


def _households(report: CoverageReport, root: GridNode | None) -> None:
    households = Household.objects.select_related("unit__building__estate_grid", "unit__micro_grid")
    if root is not None:
        households = households.filter(
            Q(unit__micro_grid__path__startswith=root.path) | Q(unit__building__estate_grid__path__startswith=root.path)
        )
    report.households_checked = households.count()
    bad = households.filter(Q(unit__micro_grid__isnull=True) | ~Q(unit__micro_grid__level=Level.MICRO_GRID))
    for h in bad.iterator():
        report.problems.append(
            Problem("household_unplaced", f"{h}：所在单元未划入微网格", h.unit.building.estate_grid_id,
                    h.unit.building.estate_grid.code, h.pk)
        )
    misplaced = households.filter(unit__micro_grid__isnull=False).exclude(
        unit__micro_grid__path__startswith=F("unit__building__estate_grid__path")
    )
    for h in misplaced.iterator():
        report.problems.append(
            Problem("household_unplaced", f"{h}：所在微网格不属于楼栋所在小区", h.unit.micro_grid_id,
                    h.unit.micro_grid.code, h.pk)
        )


def _staffing(report: CoverageReport, nodes) -> None:
    unstaffed = nodes.filter(level__in=STAFFED_LEVELS).exclude(
        Exists(Duty.objects.current().filter(grid=OuterRef("pk")))
    )
    for node in unstaffed.order_by("code"):
        report.problems.append(
            Problem("grid_unstaffed", f"{node.get_level_display()} {node.name}（{node.code}）无人在岗", node.pk, node.code)
        )


def _boundaries(report: CoverageReport, nodes, root: GridNode | None) -> None:
    for node in nodes.filter(level__in=BOUNDARY_REQUIRED, boundary__isnull=True).order_by("code"):
        report.problems.append(
            Problem("boundary_missing", f"{node.name}（{node.code}）缺少边界", node.pk, node.code)
        )
    communities = nodes.filter(level=Level.COMMUNITY)
    if root is not None and root.level in (Level.AREA_GRID, Level.ESTATE_GRID, Level.MICRO_GRID):
        communities = GridNode.objects.filter(pk__in=[i for i in root.ancestor_ids()], level=Level.COMMUNITY)
    for community in communities:
        below = GridNode.objects.filter(path__startswith=community.path, boundary__isnull=False)
        shapes = {n.pk: (n, shape(n.boundary)) for n in below}
        areas = [v for v in shapes.values() if v[0].level == Level.AREA_GRID]
        estates = [v for v in shapes.values() if v[0].level == Level.ESTATE_GRID]
        _overlaps(report, areas)
        _overlaps(report, estates)
        if community.boundary and areas:
            outline = shape(community.boundary)
            uncovered = outline.difference(unary_union([g for _, g in areas]))
            if local_area_m2(uncovered) > AREA_TOLERANCE_M2:
                report.problems.append(
                    Problem("boundary_gap",
                            f"{community.name}有约{local_area_m2(uncovered):.0f}平方米不在任何区域网格内",
                            community.pk, community.code)
                )
        if estates:
            union = unary_union([g for _, g in estates])
            polygons = getattr(union, "geoms", [union])
            for polygon in polygons:
                for ring in getattr(polygon, "interiors", []):
                    from shapely.geometry import Polygon

                    hole = Polygon(ring)
                    if local_area_m2(hole) > AREA_TOLERANCE_M2:
                        c = hole.representative_point()
                        report.problems.append(
                            Problem("boundary_gap",
                                    f"{community.name}的小区网格之间有约{local_area_m2(hole):.0f}平方米缺口"
                                    f"（{c.x:.5f}, {c.y:.5f}）",
                                    community.pk, community.code)
                        )


def _overlaps(report: CoverageReport, items) -> None:
    from shapely.strtree import STRtree

    if len(items) < 2:
        return
    geometries = [g for _, g in items]
    tree = STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        a, ga = items[i]
        b, gb = items[j]
        if a.parent_id != b.parent_id and a.level != Level.ESTATE_GRID:
            continue
        area = local_area_m2(ga.intersection(gb))
        if area > AREA_TOLERANCE_M2:
            report.problems.append(
                Problem("boundary_overlap", f"{a.name}与{b.name}的边界重叠约{area:.0f}平方米", a.pk, a.code)
            )


def _chains(report: CoverageReport, nodes) -> None:
    current = Duty.objects.current()
    leaders = current.filter(role=Role.GRID_LEADER, grid__in=nodes).select_related("person", "grid")
    for duty in leaders:
        is_committee = current.filter(person=duty.person_id, role=Role.TWO_COMMITTEE_MEMBER).exists()
        if is_committee and not current.filter(
            person=duty.person_id, role=Role.PROPERTY_SUPERVISOR, grid=duty.grid_id
        ).exists():
            report.problems.append(
                Problem("chain_supervisor", f"网格长{duty.person.name}未兼任{duty.grid.name}物业服务监督员",
                        duty.grid_id, duty.grid.code)
            )
    party = Membership.objects.filter(
        end__isnull=True,
        is_party_member=True,
        organisation__kind__in=[OrganisationKind.PROPERTY_COMPANY, OrganisationKind.PROPERTY_PARTY_ORG],
        organisation__grid__in=nodes,
    ).select_related("person", "organisation__grid")
    seen = set()
    for membership in party:
        if membership.person_id in seen:
            continue
        seen.add(membership.person_id)
        if not current.filter(person=membership.person_id, role=Role.INFORMATION_OFFICER).exists():
            grid = membership.organisation.grid
            report.problems.append(
                Problem("chain_information_officer",
                        f"{membership.organisation.name}党员{membership.person.name}未兼任网格信息员",
                        grid.pk, grid.code)
            )
