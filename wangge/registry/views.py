"""Pages of the grid registry: the grid browser (tree, map, counts, roster), coverage, households."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from wangge.core.errors import ApplicationError, NotFound
from wangge.people.access import UNMASK, VIEW, request_scope
from wangge.people.selectors import duty_list
from wangge.people.services import resident_unmask as resident_unmask_service

from . import selectors
from .coverage import KIND_LABELS, coverage_report

HOUSEHOLDS_PER_PAGE = 50


def _grid_or_404(request, grid_id):
    try:
        return selectors.grid_get(actor=request_scope(request), grid_id=grid_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _panel_context(request, node) -> dict:
    """What the grid panel shows. `node` is already checked against the scope, so the lists below
    filter on it directly instead of looking it up again."""
    scope = request_scope(request)
    ancestors = selectors.grid_ancestors(node)
    return {
        "node": node,
        # Nodes above the user's scope are named for orientation but not linked (they would answer 404).
        "crumbs": [(a, scope.sees_grid(a)) for a in ancestors],
        "stats": selectors.grid_stats(node),
        "children": selectors.grid_list(actor=scope).filter(parent_id=node.pk),
        "roster": duty_list(actor=scope).filter(grid=node),
        "roster_below": duty_list(actor=scope).filter(grid__path__startswith=node.path).exclude(grid=node).count(),
        "is_staff_scope": scope.is_staff_scope,
    }


def _open_tree(scope, roots: list, node) -> None:
    """Attach `tree_children` to the roots and to every node on the way down to `node`, so the tree
    arrives expanded along the selected path (one query for all the open levels)."""
    if node is None:
        return
    open_ids = set(node.ancestor_ids()) | {node.pk}
    children: dict[int, list] = {}
    for child in selectors.grid_list(actor=scope).filter(parent_id__in=open_ids - {node.pk}):
        children.setdefault(child.parent_id, []).append(child)

    def attach(item) -> None:
        if item.pk in children:
            item.tree_children = children[item.pk]
            for child in item.tree_children:
                attach(child)

    for root in roots:
        attach(root)


@login_required
def grid_browser(request, grid_id: int | None = None):
    scope = request_scope(request)
    roots = selectors.grid_roots(actor=scope)
    node = _grid_or_404(request, grid_id) if grid_id else (roots[0] if roots else None)
    context = {"roots": roots, "node": node, "selected_id": node.pk if node else None}
    if node is not None:
        _open_tree(scope, roots, node)
        context.update(_panel_context(request, node))
    return render(request, "registry/grid_browser.html", context)


@login_required
def grid_panel(request, grid_id: int):
    """The panel of one node. With `?tree=1` (gridmap.js adds it when the node is not in the tree yet, e.g.
    after a click on the map) the answer also carries the tree, expanded down to the node, as an htmx
    out-of-band swap."""
    node = _grid_or_404(request, grid_id)
    context = {**_panel_context(request, node), "partial": True}
    if request.GET.get("tree") == "1":
        scope = request_scope(request)
        roots = selectors.grid_roots(actor=scope)
        _open_tree(scope, roots, node)
        context.update(tree_roots=roots, selected_id=node.pk)
    return render(request, "registry/_grid_panel.html", context)


@login_required
def grid_tree_children(request, grid_id: int):
    node = _grid_or_404(request, grid_id)
    children = selectors.grid_list(actor=request_scope(request)).filter(parent_id=node.pk)
    return render(request, "registry/_tree_children.html", {"children": children, "parent": node})


@login_required
def coverage_page(request):
    scope = request_scope(request)
    grid_id = _int_param(request, "grid")
    roots = selectors.grid_roots(actor=scope) if scope.is_staff_scope else []
    if grid_id is not None:
        root = _grid_or_404(request, grid_id)
        # A resident sees the grids above their home for orientation, but checking them is staff work.
        if not scope.is_staff_scope or not scope.can(VIEW, root):
            raise Http404("未找到网格")
    else:
        root = roots[0] if roots and not scope.is_admin else None
    context = {"root": root, "roots": roots, "report": None, "groups": []}
    if scope.is_staff_scope:
        report = coverage_report(root=root)
        context["report"] = report
        context["groups"] = [(KIND_LABELS.get(kind, kind), problems) for kind, problems in report.by_kind().items()]
    return render(request, "registry/coverage.html", context)


@login_required
def household_page(request):
    scope = request_scope(request)
    within = _int_param(request, "within")
    q = request.GET.get("q", "").strip()
    node = _grid_or_404(request, within) if within is not None else None
    qs = selectors.household_list(actor=scope, within=node.pk if node else None, q=q)
    page = Paginator(qs.prefetch_related("residents"), HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    can_unmask = node is not None and scope.can(UNMASK, node)
    for household in page.object_list:
        household.can_unmask = scope.can(UNMASK, household.unit.micro_grid or household.unit.building.estate_grid)
    return render(
        request,
        "registry/households.html",
        {
            "page": page,
            "node": node,
            "q": q,
            "can_unmask": can_unmask,
            "is_staff_scope": scope.is_staff_scope,
        },
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
        if household.unit.micro_grid_id is not None:
            chain = duty_list(actor=scope).filter(grid_id__in=scope.household_chain).order_by("-grid__depth", "role")
    return render(
        request,
        "registry/my_household.html",
        {
            "household": household,
            "residents": residents,
            "chain": chain,
            "is_staff_scope": scope.is_staff_scope,
        },
    )


@login_required
@require_POST
def resident_unmask(request, resident_id: int):
    """Show one resident's ID number, phone and address in full (htmx partial); the unmask is logged."""
    scope = request_scope(request)
    try:
        resident = selectors.resident_get(actor=scope, resident_id=resident_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    context = {"r": resident, "reason": request.POST.get("reason", "")}
    try:
        context["full"] = resident_unmask_service(actor=request.user, resident=resident, reason=context["reason"])
    except ApplicationError as exc:
        context["error"] = str(exc.errors[0].message if exc.errors else exc.message)
        return render(request, "registry/_resident_unmask.html", context, status=200 if exc.status == 422 else exc.status)
    return render(request, "registry/_resident_unmask.html", context)
