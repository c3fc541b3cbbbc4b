"""Pages of the grid registry: the grid browser (tree, map, counts, roster), coverage, households."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from wangge.core.errors import NotFound
from wangge.people.access import UNMASK, request_scope
from wangge.people.selectors import duty_list

from . import selectors
from .coverage import KIND_LABELS, coverage_report


def _grid_or_404(request, grid_id):
    try:
        return selectors.grid_get(actor=request_scope(request), grid_id=grid_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _panel_context(request, node) -> dict:
    scope = request_scope(request)
    return {
        "node": node,
        "ancestors": selectors.grid_ancestors(node),
        "stats": selectors.grid_stats(node),
        "children": selectors.grid_list(actor=scope, parent=node.pk),
        "roster": duty_list(actor=scope, within=None).filter(grid=node),
        "roster_below": duty_list(actor=scope, within=node.pk).exclude(grid=node).count(),
    }


@login_required
def grid_browser(request, grid_id: int | None = None):
    scope = request_scope(request)
    roots = selectors.grid_roots(actor=scope)
    node = _grid_or_404(request, grid_id) if grid_id else (roots[0] if roots else None)
    context = {"roots": roots, "node": node}
    if node is not None:
        context.update(_panel_context(request, node))
        context["open_ids"] = set(node.ancestor_ids()) | {node.pk}
    return render(request, "registry/grid_browser.html", context)


@login_required
def grid_panel(request, grid_id: int):
    node = _grid_or_404(request, grid_id)
    return render(request, "registry/_grid_panel.html", _panel_context(request, node))


@login_required
def grid_tree_children(request, grid_id: int):
    node = _grid_or_404(request, grid_id)
    children = selectors.grid_list(actor=request_scope(request), parent=node.pk)
    return render(request, "registry/_tree_children.html", {"children": children})


@login_required
def coverage_page(request):
    scope = request_scope(request)
    grid_id = request.GET.get("grid")
    roots = selectors.grid_roots(actor=scope)
    if grid_id and grid_id.isdigit():
        root = _grid_or_404(request, int(grid_id))
    else:
        root = roots[0] if roots and not scope.is_admin else None
    if root is None and not scope.is_admin:
        raise Http404("无可检查的网格")
    report = coverage_report(root=root)
    groups = [(KIND_LABELS.get(kind, kind), problems) for kind, problems in report.by_kind().items()]
    return render(request, "registry/coverage.html", {"report": report, "root": root, "groups": groups, "roots": roots})


@login_required
def household_page(request):
    scope = request_scope(request)
    within = request.GET.get("within")
    q = request.GET.get("q", "")
    node = _grid_or_404(request, int(within)) if within and within.isdigit() else None
    qs = selectors.household_list(actor=scope, within=node.pk if node else None, q=q)
    page = Paginator(qs.prefetch_related("residents"), 50).get_page(request.GET.get("page"))
    can_unmask = node is not None and scope.can(UNMASK, node)
    return render(
        request, "registry/households.html", {"page": page, "node": node, "q": q, "can_unmask": can_unmask}
    )


@login_required
def my_household(request):
    scope = request_scope(request)
    household = None
    residents = []
    chain = []
    if scope.household_id:
        household = selectors.household_get(actor=scope, household_id=scope.household_id)
        residents = selectors.resident_list(actor=scope).filter(household_id=household.pk)
        micro = household.unit.micro_grid
        if micro is not None:
            chain = duty_list(actor=scope).filter(grid_id__in=scope.household_chain).order_by("-grid__depth", "role")
    return render(
        request, "registry/my_household.html", {"household": household, "residents": residents, "chain": chain}
    )
