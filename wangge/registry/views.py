"""Pages of the grid registry: the grid browser (tree, map, counts, roster), coverage, households."""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.core.errors import ApplicationError, FieldError, InvalidInput, NotFound, PermissionDenied
from wangge.people import selectors as people_selectors
from wangge.people import services as people_services
from wangge.people.access import MANAGE_PEOPLE, UNMASK, VIEW, request_scope, require
from wangge.people.models import Role
from wangge.people.selectors import duty_list
from wangge.people.services import resident_unmask as resident_unmask_service

from . import selectors
from .coverage import KIND_LABELS, coverage_report
from .models import Level

HOUSEHOLDS_PER_PAGE = 50
PERSON_PICKS = 10  # how many persons the duty form's picker lists at most
# The role the duty form proposes at each level (the usual duty there); the user may pick any other.
USUAL_ROLE = {
    Level.COMMUNITY: Role.TWO_COMMITTEE_MEMBER,
    Level.AREA_GRID: Role.GRID_LEADER,
    Level.ESTATE_GRID: Role.GRID_MEMBER,
    Level.MICRO_GRID: Role.MICRO_GRID_MEMBER,
}
DUTY_FORM_FIELDS = ("person", "role", "start", "end", "note")


def _grid_or_404(request, grid_id):
    try:
        return selectors.grid_get(actor=request_scope(request), grid_id=grid_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _panel_context(
    request, node, *, duty_form: dict | None = None, person_q: str = "", assigned=None, notice: str = "",
    end_error: dict | None = None,
) -> dict:
    """What the grid panel shows. `node` is already checked against the scope, so the lists below
    filter on it directly instead of looking it up again.

    The duties held at the node come in one query and are split here: the roster (on duty now), those
    about to start, and — for staff whose scope covers the node — those that have ended (曾任). Users who
    may manage people at the node also get the duty controls. After a duty action: `notice` says what
    was done, `assigned` is the duty just given (marked, with the property-supervisor duty it may have
    brought along), `duty_form` the values, errors and picked person of an assignment that failed,
    `end_error` the duty whose ending failed and why. `person_q` is a picker search made without
    JavaScript."""
    scope = request_scope(request)
    ancestors = selectors.grid_ancestors(node)
    now = timezone.now()
    roster, upcoming, ended = [], [], []
    for duty in duty_list(actor=scope, current=None).filter(grid=node):
        # The last day served: a duty given "until 30 June" ends at the first instant of 1 July.
        duty.last_day = timezone.localtime(duty.end - dt.timedelta(microseconds=1)).date() if duty.end else None
        if duty.end is not None and duty.end <= now:
            ended.append(duty)
        elif duty.start > now:
            upcoming.append(duty)
        else:
            roster.append(duty)
    can_manage = scope.can(MANAGE_PEOPLE, node)
    context = {
        "node": node,
        # Nodes above the user's scope are named for orientation but not linked (they would answer 404).
        "crumbs": [(a, scope.sees_grid(a)) for a in ancestors],
        "stats": selectors.grid_stats(node),
        "children": selectors.grid_list(actor=scope).filter(parent_id=node.pk),
        "roster": roster,
        "upcoming": upcoming,
        # A resident sees who serves them now, not who served before.
        "ended": sorted(ended, key=lambda d: (d.end, d.pk), reverse=True) if scope.can(VIEW, node) else [],
        "roster_below": duty_list(actor=scope).filter(grid__path__startswith=node.path).exclude(grid=node).count(),
        "is_staff_scope": scope.is_staff_scope,
        "can_manage": can_manage,
        "notice": notice,
        # The duty just given, and the property-supervisor duty a committee-member grid leader gets with it.
        "assigned_ids": {
            d.pk for d in roster + upcoming if d.person_id == assigned.person_id and d.start == assigned.start
        } if assigned is not None else set(),
        # An ending that failed is told beside the duty's own confirmation when the duty is still listed.
        "end_error": {**end_error, "inline": any(d.pk == end_error["duty_id"] for d in roster)} if end_error else {},
    }
    if can_manage:
        form = duty_form or {"values": {"role": USUAL_ROLE.get(node.level, "")}, "errors": {}, "picked_id": None}
        context.update(duty_form=form, roles=Role.choices, picks=[], person_q=person_q)
        if person_q or form["picked_id"]:
            context.update(_person_picks(scope, person_q, picked_id=form["picked_id"]))
    return context


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


def _browser_context(request, node, **panel) -> dict:
    scope = request_scope(request)
    roots = selectors.grid_roots(actor=scope)
    node = node or (roots[0] if roots else None)
    context = {"roots": roots, "node": node, "selected_id": node.pk if node else None}
    if node is not None:
        _open_tree(scope, roots, node)
        context.update(_panel_context(request, node, **panel))
    return context


@login_required
def grid_browser(request, grid_id: int | None = None):
    node = _grid_or_404(request, grid_id) if grid_id else None
    # `?person_q=` is the duty form's person search made without JavaScript (htmx asks grid_person_picker).
    context = _browser_context(request, node, person_q=request.GET.get("person_q", "").strip())
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


# -- managing duties from the panel -----------------------------------------------------------------------


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _refusals(view):
    """Map the domain's refusals for a page: NotFound → 404 (outside the scope; ids don't leak),
    PermissionDenied → 403 with a page saying why (inside the scope, a role that may not)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            return render(request, "core/forbidden.html", {"message": exc.message}, status=403)

    return wrapped


def _panel_answer(request, node, *, invalid: bool = False, **panel):
    """The re-rendered panel for htmx (always 200, or htmx would not swap it in); a whole grid browser
    page for a plain form post (422 when the input was wrong)."""
    if _is_htmx(request):
        context = {**_panel_context(request, node, **panel), "partial": True}
        return render(request, "registry/_grid_panel.html", context)
    context = _browser_context(request, node, **panel)
    return render(request, "registry/grid_browser.html", context, status=422 if invalid else 200)


def _person_picks(scope, q: str, *, picked_id: int | None = None) -> dict:
    """At most PERSON_PICKS persons matching `q`, with their current duties; the picked one (after a
    submission that failed) stays in the list, checked."""
    persons = list(people_selectors.person_pick_list(actor=scope, q=q)[: PERSON_PICKS + 1]) if q else []
    more = len(persons) > PERSON_PICKS
    persons = persons[:PERSON_PICKS]
    if picked_id is not None and all(p.pk != picked_id for p in persons):
        persons = [*people_selectors.person_pick_list(actor=scope).filter(pk=picked_id), *persons]
    return {"picks": persons, "picks_more": more, "person_q": q, "picked_id": picked_id}


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _parse_duty_form(scope, values: dict) -> dict:
    """The duty form's text → the service's arguments, or InvalidInput naming every field that cannot
    be read (`extra["person"]`: the person, when that one could). Dates are whole days: a duty starts at
    the beginning of its start date (now, when that is today or left empty) and ends at the end of its
    end date."""
    args: dict = {"person": None, "role": values["role"], "start": None, "end": None, "note": values["note"]}
    problems: list[FieldError] = []
    if not values["person"]:
        problems.append(FieldError("person", _("请先搜索并选择人员")))
    else:
        try:
            args["person"] = people_selectors.person_get(actor=scope, person_id=int(values["person"]))
        except (ValueError, NotFound):
            problems.append(FieldError("person", _("未找到该人员，请重新搜索并选择")))
    for name in ("start", "end"):
        if not values[name]:
            continue
        try:
            day = dt.date.fromisoformat(values[name])
        except ValueError:
            problems.append(FieldError(name, _("日期应写作 年-月-日，如 2025-03-01")))
            continue
        if name == "end":
            args["end"] = _local_midnight(day + dt.timedelta(days=1))
        elif day != timezone.localdate():
            args["start"] = _local_midnight(day)
    if problems:
        raise InvalidInput(problems[0].message, errors=problems, extra={"person": args["person"]})
    return args


def _form_errors(exc: ApplicationError) -> dict[str, str]:
    """Errors by the form field they name; what names no field of the form goes to `form`."""
    shown: dict[str, str] = {}
    for error in exc.errors or [FieldError("form", exc.message)]:
        shown.setdefault(error.field if error.field in DUTY_FORM_FIELDS else "form", error.message)
    return shown


@login_required
@require_GET
@_refusals
def grid_person_picker(request, grid_id: int):
    """The duty form's live person search (an htmx partial): persons visible to the user."""
    scope = request_scope(request)
    node = _grid_or_404(request, grid_id)
    require(scope, MANAGE_PEOPLE, node)
    context = _person_picks(scope, request.GET.get("person_q", "").strip())
    return render(request, "registry/_person_picks.html", {**context, "node": node})


@login_required
@require_POST
@_refusals
def grid_duty_assign(request, grid_id: int):
    """Give a person a duty at this node, then show the panel with the new duty marked."""
    scope = request_scope(request)
    node = _grid_or_404(request, grid_id)
    require(scope, MANAGE_PEOPLE, node)
    values = {name: request.POST.get(name, "").strip() for name in DUTY_FORM_FIELDS}
    person = None
    try:
        args = _parse_duty_form(scope, values)
        person = args["person"]
        duty = people_services.duty_assign(actor=scope, grid=node, **args)
    except InvalidInput as exc:
        person = person or exc.extra.get("person")
        errors = _form_errors(exc)
        form = {"values": values, "errors": errors, "open": True, "picked_id": person.pk if person else None,
                # The first field in error takes the focus, so that a phone scrolls to it.
                "focus": next((f for f in DUTY_FORM_FIELDS if f in errors), None)}
        return _panel_answer(request, node, invalid=True, duty_form=form)
    notice = _("已指派%(name)s为%(role)s。") % {"name": duty.person.name, "role": duty.get_role_display()}
    if not _is_htmx(request):
        messages.success(request, notice)
        return redirect("grid-node", grid_id=node.pk)
    return _panel_answer(request, node, assigned=duty, notice=notice)


@login_required
@require_POST
@_refusals
def grid_duty_end(request, grid_id: int, duty_id: int):
    """End a duty held at this node (confirmed in the panel, with an optional reason), then show the panel."""
    scope = request_scope(request)
    node = _grid_or_404(request, grid_id)
    duty = people_selectors.duty_get(actor=scope, duty_id=duty_id)
    if duty.grid_id != node.pk:
        raise Http404(_("未找到职责"))
    require(scope, MANAGE_PEOPLE, node)
    note = request.POST.get("note", "").strip()
    try:
        people_services.duty_end(actor=scope, duty=duty, note=note)
    except InvalidInput as exc:
        error = {"duty_id": duty_id, "message": exc.errors[0].message if exc.errors else exc.message, "note": note}
        return _panel_answer(request, node, invalid=True, end_error=error)
    notice = _("已结束%(name)s的%(role)s职责。") % {"name": duty.person.name, "role": duty.get_role_display()}
    if not _is_htmx(request):
        messages.success(request, notice)
        return redirect("grid-node", grid_id=node.pk)
    return _panel_answer(request, node, notice=notice)


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
