"""Pages of the grid registry: the grid browser (tree, map, counts, roster), coverage, households."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.errors import ApplicationError, FieldError, InvalidInput, NotFound, PermissionDenied
from wangge.core.views import is_htmx, refusals
from wangge.people import selectors as people_selectors
from wangge.people import services as people_services
from wangge.people.access import EDIT_REGISTRY, MANAGE_PEOPLE, UNMASK, VIEW, request_scope, require
from wangge.people.models import Role
from wangge.people.selectors import duty_list
from wangge.people.services import resident_unmask as resident_unmask_service

from . import selectors, services
from .coverage import KIND_LABELS, coverage_report
from .models import CareFlag, LeftReason, Level, Occupancy, Relation

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
RESIDENT_PICK = "resident:"  # the picker's value for a resident who is not a person yet
NEW_PERSON_FIELDS = ("name", "phone")


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
    end_error: dict | None = None, new_person: dict | None = None,
) -> dict:
    """What the grid panel shows. `node` is already checked against the scope, so the lists below
    filter on it directly instead of looking it up again.

    The duties held at the node come in one query and are split here: the roster (on duty now), those
    about to start, and — for staff whose scope covers the node — those that have ended (曾任). Users who
    may manage people at the node also get the duty controls. After a duty action: `notice` says what
    was done, `assigned` is the duty just given (marked, with the property-supervisor duty it may have
    brought along), `duty_form` the values, errors and picked person of an assignment that failed,
    `end_error` the duty whose ending failed and why, `new_person` the values and errors of a person
    registration that failed. `person_q` is a picker search made without JavaScript."""
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
        context.update(duty_form=form, roles=Role.choices, picks=[], resident_picks=[], person_q=person_q,
                       new_person=new_person or {"values": {}, "errors": {}})
        if person_q or form["picked_id"] or form.get("picked_resident_id"):
            context.update(_person_picks(scope, node, person_q, picked_id=form["picked_id"],
                                         picked_resident_id=form.get("picked_resident_id")))
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


def _panel_answer(request, node, *, invalid: bool = False, **panel):
    """The re-rendered panel for htmx (always 200, or htmx would not swap it in); a whole grid browser
    page for a plain form post (422 when the input was wrong)."""
    if is_htmx(request):
        context = {**_panel_context(request, node, **panel), "partial": True}
        return render(request, "registry/_grid_panel.html", context)
    context = _browser_context(request, node, **panel)
    return render(request, "registry/grid_browser.html", context, status=422 if invalid else 200)


def _person_picks(
    scope, node, q: str, *, picked_id: int | None = None, picked_resident_id: int | None = None
) -> dict:
    """At most PERSON_PICKS persons matching `q`, with their current duties, and at most PERSON_PICKS
    residents of the node's subtree who are not persons yet (picking one makes them a person as the duty
    is given); the picked one (after a submission that failed) stays in the list, checked."""
    persons = list(people_selectors.person_pick_list(actor=scope, q=q)[: PERSON_PICKS + 1]) if q else []
    residents = list(people_selectors.resident_pick_list(actor=scope, grid=node, q=q)[: PERSON_PICKS + 1]) if q else []
    more = len(persons) > PERSON_PICKS or len(residents) > PERSON_PICKS
    persons, residents = persons[:PERSON_PICKS], residents[:PERSON_PICKS]
    if picked_id is not None and all(p.pk != picked_id for p in persons):
        persons = [*people_selectors.person_pick_list(actor=scope).filter(pk=picked_id), *persons]
    if picked_resident_id is not None and all(r.pk != picked_resident_id for r in residents):
        residents = [*people_selectors.resident_pick_list(actor=scope, grid=node).filter(pk=picked_resident_id),
                     *residents]
    return {"picks": persons, "resident_picks": residents, "picks_more": more, "picks_limit": PERSON_PICKS,
            "person_q": q, "picked_id": picked_id, "picked_resident_id": picked_resident_id}


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _parse_duty_form(scope, node, values: dict) -> dict:
    """The duty form's text → the service's arguments, or InvalidInput naming every field that cannot
    be read (`extra`: the person or resident, when that one could). The picked `person` is a person's
    id, or `resident:<id>` for a resident of the node's subtree who is not a person yet. Dates are whole
    days: a duty starts at the beginning of its start date (now, when that is today or left empty) and
    ends at the end of its end date."""
    args: dict = {"person": None, "resident": None, "role": values["role"], "start": None, "end": None,
                  "note": values["note"]}
    problems: list[FieldError] = []
    picked = values["person"]
    if not picked:
        problems.append(FieldError("person", _("请先搜索并选择人员")))
    elif picked.startswith(RESIDENT_PICK):
        try:
            args["resident"] = people_selectors.resident_pick_get(
                actor=scope, grid=node, resident_id=int(picked.removeprefix(RESIDENT_PICK)))
        except (ValueError, NotFound):
            problems.append(FieldError("person", _("未找到该居民，请重新搜索并选择")))
    else:
        try:
            args["person"] = people_selectors.person_get(actor=scope, person_id=int(picked))
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
        raise InvalidInput(problems[0].message, errors=problems,
                           extra={"person": args["person"], "resident": args["resident"]})
    return args


def _form_errors(exc: ApplicationError) -> dict[str, str]:
    """Errors by the form field they name; what names no field of the form goes to `form`."""
    shown: dict[str, str] = {}
    for error in exc.errors or [FieldError("form", exc.message)]:
        shown.setdefault(error.field if error.field in DUTY_FORM_FIELDS else "form", error.message)
    return shown


@login_required
@require_GET
@refusals
def grid_person_picker(request, grid_id: int):
    """The duty form's live person search (an htmx partial): persons visible to the user, and residents
    of the node's subtree who are not persons yet."""
    scope = request_scope(request)
    node = _grid_or_404(request, grid_id)
    require(scope, MANAGE_PEOPLE, node)
    context = _person_picks(scope, node, request.GET.get("person_q", "").strip())
    return render(request, "registry/_person_picks.html", {**context, "node": node})


@login_required
@require_POST
@refusals
def grid_person_create(request, grid_id: int):
    """Register someone who is not a resident (property staff, a joint unit's officer…) at this node from
    the duty form, and pick them. For htmx the answer is the registration form (blank again, or with its
    errors) and, after success, the picks with the new person checked (out of band); a plain form post
    goes back to the grid page, which lists them."""
    scope = request_scope(request)
    node = _grid_or_404(request, grid_id)
    require(scope, MANAGE_PEOPLE, node)
    values = {name: request.POST.get(name, "").strip() for name in NEW_PERSON_FIELDS}
    try:
        person = people_services.person_create(actor=scope, name=values["name"], phone=values["phone"], grid=node)
    except InvalidInput as exc:
        errors: dict[str, str] = {}
        for error in exc.errors or [FieldError("form", exc.message)]:
            errors.setdefault(error.field if error.field in NEW_PERSON_FIELDS else "form", error.message)
        form = {"values": values, "errors": errors, "open": True,
                "focus": next((f for f in NEW_PERSON_FIELDS if f in errors), None)}
        if is_htmx(request):
            return render(request, "registry/_person_new.html", {"node": node, "new_person": form})
        context = _browser_context(request, node, duty_form={
            "values": {"role": USUAL_ROLE.get(node.level, "")}, "errors": {}, "picked_id": None, "open": True,
        }, new_person=form)
        return render(request, "registry/grid_browser.html", context, status=422)
    notice = _("已新增人员%(name)s并选中，请选择职责后点“指派”。") % {"name": person.name}
    if not is_htmx(request):
        messages.success(request, notice)
        return redirect(f"{reverse('grid-node', args=[node.pk])}?{urlencode({'person_q': person.name})}")
    picks = _person_picks(scope, node, person.name, picked_id=person.pk)
    context = {**picks, "node": node, "new_person": {"values": {}, "errors": {}}, "picks_notice": notice,
               "oob_picks": True}
    return render(request, "registry/_person_new.html", context)


@login_required
@require_POST
@refusals
def grid_duty_assign(request, grid_id: int):
    """Give a person — or a resident, who becomes a person with it — a duty at this node, then show the
    panel with the new duty marked."""
    scope = request_scope(request)
    node = _grid_or_404(request, grid_id)
    require(scope, MANAGE_PEOPLE, node)
    values = {name: request.POST.get(name, "").strip() for name in DUTY_FORM_FIELDS}
    person = resident = None
    try:
        args = _parse_duty_form(scope, node, values)
        person, resident = args.pop("person"), args.pop("resident")
        if resident is not None:
            duty = people_services.duty_assign_to_resident(actor=scope, grid=node, resident=resident, **args)
        else:
            duty = people_services.duty_assign(actor=scope, grid=node, person=person, **args)
    except InvalidInput as exc:
        person = person or exc.extra.get("person")
        resident = resident or exc.extra.get("resident")
        errors = _form_errors(exc)
        form = {"values": values, "errors": errors, "open": True, "picked_id": person.pk if person else None,
                "picked_resident_id": resident.pk if resident else None,
                # The first field in error takes the focus, so that a phone scrolls to it.
                "focus": next((f for f in DUTY_FORM_FIELDS if f in errors), None)}
        return _panel_answer(request, node, invalid=True, duty_form=form)
    notice = _("已指派%(name)s为%(role)s。") % {"name": duty.person.name, "role": duty.get_role_display()}
    if not is_htmx(request):
        messages.success(request, notice)
        return redirect("grid-node", grid_id=node.pk)
    return _panel_answer(request, node, assigned=duty, notice=notice)


@login_required
@require_POST
@refusals
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
    if not is_htmx(request):
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
    current = Prefetch("residents", queryset=selectors.current_residents())
    page = Paginator(qs.prefetch_related(current), HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    can_unmask = node is not None and scope.can(UNMASK, node)
    # "Register a household" for those who may edit somewhere in view (the form lists their units).
    if node is not None:
        can_add = scope.can(EDIT_REGISTRY, node)
    else:
        can_add = scope.is_admin or bool(scope.paths(EDIT_REGISTRY))
    for household in page.object_list:
        household.can_unmask = scope.can(UNMASK, household.unit.micro_grid or household.unit.building.estate_grid)
    return render(
        request,
        "registry/households.html",
        {
            "page": page,
            "query": urlencode([*([("within", node.pk)] if node else []), ("q", q)]),
            "node": node,
            "q": q,
            "can_unmask": can_unmask,
            "can_add": can_add,
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


# -- keeping the household registry current: the household page and its forms ------------------------------
# Grid workers with EDIT_REGISTRY at a household's micro-grid (or its estate grid) register households and
# residents, correct them, move residents between households and record those who leave — all through
# registry.services. Every form posts to its own view. htmx gets the section it targets re-rendered (always
# 200, errors beside their fields, or htmx would not swap); a plain post is redirected on success and gets
# the whole page with the errors (422) otherwise. Outside the scope 404; inside it without the permission 403.

HOUSEHOLD_FIELDS = ("floor", "occupancy")
NEW_HOUSEHOLD_FIELDS = ("unit", "floor", "room", "occupancy")
RESIDENT_FIELDS = ("name", "id_number", "phone", "relation", "care_flags", "is_party_member")
MOVE_FIELDS = ("target", "unit", "room", "relation", "new_head")
LEAVE_FIELDS = ("reason", "note", "left_at", "new_head")


def _household_grid(household):
    return household.unit.micro_grid or household.unit.building.estate_grid


def _errors_by_field(exc: ApplicationError, fields, rename: dict | None = None) -> dict[str, str]:
    """The first error of each form field; errors naming no field of the form go to `form`."""
    rename = rename or {}
    shown: dict[str, str] = {}
    for error in exc.errors or [FieldError("form", exc.message)]:
        field = rename.get(error.field, error.field)
        shown.setdefault(field if field in fields else "form", error.message)
    return shown


def _id_or_none(value: str) -> int | None:
    """An id typed into a form or a query string, or None when it cannot be one (ids are 64-bit)."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 18 else None


def _number_or_text(value: str):
    """A whole number as int; anything else as typed, for the service to name as a bad field."""
    try:
        return int(value)
    except ValueError:
        return value


def _with_care_labels(residents):
    labels = dict(CareFlag.choices)
    for resident in residents:
        resident.care_labels = [labels.get(flag, flag) for flag in resident.care_flags or []]
    return residents


def _household_context(request, household, **extra) -> dict:
    """What the household page shows: the facts, the residents living there (head first), and — for staff
    of the grid — those who have left. Editors get the forms, with their values and errors in `facts_form`
    and `new_form` after a failed post; `notice` and `marked_id` tell what was just done."""
    scope = request_scope(request)
    grid = _household_grid(household)
    everyone = _with_care_labels(list(selectors.household_residents(household, status="all")))
    residents = [r for r in everyone if not r.has_left]
    has_head = any(r.relation == Relation.SELF for r in residents)
    left = [r for r in everyone if r.has_left] if scope.can(VIEW, grid) else []
    context = {
        "h": household,
        "residents": residents,
        "left": sorted(left, key=lambda r: (r.left_at, r.pk), reverse=True),
        "has_head": has_head,
        "can_edit": scope.can(EDIT_REGISTRY, grid),
        "can_unmask": scope.can(UNMASK, grid),
        "is_staff_scope": scope.is_staff_scope,
        "occupancies": Occupancy.choices,
        "relations": Relation.choices,
        "care_flag_choices": CareFlag.choices,
        "facts_form": {"values": {"floor": household.floor, "occupancy": household.occupancy}, "errors": {}},
        "new_form": {"values": {"relation": "" if has_head else Relation.SELF, "care_flags": []}, "errors": {}},
        "notice": "",
        "marked_id": None,
    }
    context.update(extra)
    return context


def _household_answer(request, household, *, section: str, invalid: bool = False, **extra):
    """`section` re-rendered for htmx; the whole household page for a plain post."""
    if is_htmx(request):
        return render(request, section, _household_context(request, household, partial=True, **extra))
    context = _household_context(request, household, **extra)
    return render(request, "registry/household.html", context, status=422 if invalid else 200)


def _editable_household(request, household_id: int):
    scope = request_scope(request)
    household = selectors.household_get(actor=scope, household_id=household_id)
    require(scope, EDIT_REGISTRY, _household_grid(household))
    return scope, household


def _editable_resident(request, resident_id: int):
    scope = request_scope(request)
    resident = selectors.resident_get(actor=scope, resident_id=resident_id)
    require(scope, EDIT_REGISTRY, selectors.resident_grid(resident))
    return scope, resident


def _resident_values(data) -> dict:
    return {
        "name": data.get("name", "").strip(),
        "id_number": data.get("id_number", "").strip(),
        "phone": data.get("phone", "").strip(),
        "relation": data.get("relation", "").strip(),
        "care_flags": data.getlist("care_flags"),
        "is_party_member": data.get("is_party_member") in ("on", "1", "true"),
    }


def _resident_form_answer(request, resident, template: str, *, invalid: bool = False, **extra):
    """A resident's form (edit, move, leave): for htmx the form alone, put in the resident's card (a
    failed post is sent back there too, not to the residents section the form targets); otherwise a page
    holding the form."""
    household = resident.household
    scope = request_scope(request)
    others = [r for r in selectors.household_residents(household) if r.pk != resident.pk]
    context = {
        "r": resident,
        "h": household,
        "prefix": f"r{resident.pk}",
        "relations": Relation.choices,
        "care_flag_choices": CareFlag.choices,
        "left_reasons": LeftReason.choices,
        "can_unmask": scope.can(UNMASK, _household_grid(household)),
        # Who may become head when the head moves out or leaves.
        "new_head_choices": others if resident.relation == Relation.SELF and not resident.has_left else [],
        "today": timezone.localdate(),
        "partial": is_htmx(request),
        "form_template": template,
        **extra,
    }
    if is_htmx(request):
        response = render(request, template, context)
        response["HX-Retarget"] = f"#resident-action-{resident.pk}"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "registry/household_resident.html", context, status=422 if invalid else 200)


def _resident_done(request, household, resident, notice: str):
    """After a resident was added, changed, moved or has left: the household's residents (htmx), or the
    household page (a plain post, redirected)."""
    if not is_htmx(request):
        messages.success(request, notice)
        return redirect(f"{reverse('household', args=[household.pk])}#residents")
    return _household_answer(request, household, section="registry/_household_residents.html", notice=notice,
                             marked_id=resident.pk)


def _left_answer(request, resident):
    """A form for a resident who has left, other than bringing them back: say so on the household page."""
    notice = _("%(name)s已登记离开，不能再修改；如已回来，请先恢复登记。") % {"name": resident.name}
    if not is_htmx(request):
        messages.info(request, notice)
        return redirect("household", household_id=resident.household_id)
    response = _household_answer(request, resident.household, section="registry/_household_residents.html",
                                 notice=notice)
    response["HX-Retarget"] = "#residents"
    response["HX-Reswap"] = "outerHTML"
    return response


@login_required
@require_GET
@refusals
def household_detail(request, household_id: int):
    """One household: address (masked), floor, occupancy and its residents (masked); the forms that keep
    them current for those who may edit here."""
    household = selectors.household_get(actor=request_scope(request), household_id=household_id)
    return render(request, "registry/household.html", _household_context(request, household))


@login_required
@require_POST
@refusals
def household_edit(request, household_id: int):
    """Change a household's floor and occupancy."""
    scope, household = _editable_household(request, household_id)
    values = {name: request.POST.get(name, "").strip() for name in HOUSEHOLD_FIELDS}
    try:
        services.household_update(actor=scope, household=household, floor=_number_or_text(values["floor"]),
                                  occupancy=values["occupancy"])
    except InvalidInput as exc:
        form = {"values": values, "errors": _errors_by_field(exc, HOUSEHOLD_FIELDS), "open": True}
        return _household_answer(request, household, section="registry/_household_facts.html", invalid=True,
                                 facts_form=form)
    notice = _("已保存楼层和居住状态。")
    if not is_htmx(request):
        messages.success(request, notice)
        return redirect("household", household_id=household.pk)
    return _household_answer(request, household, section="registry/_household_facts.html", facts_notice=notice)


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def household_new(request):
    """Register a household in a unit the user may edit (`?within=` narrows the units to a grid, `?unit=`
    picks one), then go on to its page to register its residents."""
    scope = request_scope(request)
    data = request.POST if request.method == "POST" else request.GET
    within = _id_or_none(data.get("within", ""))
    node = selectors.grid_get(actor=scope, grid_id=within) if within is not None else None
    units = selectors.unit_edit_choices(actor=scope, within=node)
    if not units:
        if node is not None:
            require(scope, EDIT_REGISTRY, node)
        raise PermissionDenied(_("您没有可以登记住户的单元。"))
    values = {"unit": data.get("unit", "").strip(), "floor": data.get("floor", "").strip(),
              "room": data.get("room", "").strip(), "occupancy": data.get("occupancy", Occupancy.OWNER).strip()}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            try:
                unit = selectors.unit_get(actor=scope, unit_id=_id_or_none(values["unit"]) or 0)
            except NotFound as exc:
                raise InvalidInput.field("unit", _("请选择楼栋和单元")) from exc
            household = services.household_create(actor=scope, unit=unit, floor=_number_or_text(values["floor"]),
                                                  room=values["room"], occupancy=values["occupancy"])
        except (InvalidInput, PermissionDenied) as exc:
            errors = _errors_by_field(exc, NEW_HOUSEHOLD_FIELDS, rename={"form": "unit"})
        else:
            messages.success(request, _("已登记住户%(address)s，请继续登记居民。") % {"address": household.masked_address})
            return redirect("household", household_id=household.pk)
    context = {"node": node, "units": units, "values": values, "errors": errors, "occupancies": Occupancy.choices}
    return render(request, "registry/household_new.html", context, status=422 if errors else 200)


@login_required
@require_POST
@refusals
def resident_add(request, household_id: int):
    """Register a resident in this household."""
    scope, household = _editable_household(request, household_id)
    values = _resident_values(request.POST)
    try:
        resident = services.resident_create(actor=scope, household=household, **values)
    except InvalidInput as exc:
        form = {"values": values, "errors": _errors_by_field(exc, RESIDENT_FIELDS), "open": True}
        return _household_answer(request, household, section="registry/_household_residents.html", invalid=True,
                                 new_form=form)
    return _resident_done(request, household, resident, _("已登记居民%(name)s。") % {"name": resident.name})


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def resident_edit(request, resident_id: int):
    """Change a resident's name, relation, care flags and party membership, and replace their phone. The
    ID number can be changed, and the phone seen, only after the unmask step (resident_edit_unmask)."""
    scope, resident = _editable_resident(request, resident_id)
    if resident.has_left:
        return _left_answer(request, resident)
    template = "registry/_resident_edit.html"
    if request.method == "GET":
        values = {"name": resident.name, "phone": "", "relation": resident.relation,
                  "care_flags": list(resident.care_flags or []), "is_party_member": resident.is_party_member}
        return _resident_form_answer(request, resident, template, form={"values": values, "errors": {}})
    unmasked = request.POST.get("unmasked") == "1"
    values = _resident_values(request.POST)
    changes = {k: values[k] for k in ("name", "relation", "care_flags", "is_party_member")}
    if values["phone"] or unmasked:
        changes["phone"] = values["phone"]  # masked, an empty phone keeps the registered one
    if unmasked:
        require(scope, UNMASK, selectors.resident_grid(resident))
        changes["id_number"] = values["id_number"]
    household = resident.household
    try:
        services.resident_update(actor=scope, resident=resident, **changes)
    except InvalidInput as exc:
        resident.refresh_from_db()
        form = {"values": values, "errors": _errors_by_field(exc, RESIDENT_FIELDS), "unmasked": unmasked,
                "reason": request.POST.get("reason", "")}
        return _resident_form_answer(request, resident, template, invalid=True, form=form)
    return _resident_done(request, household, resident, _("已保存%(name)s的登记信息。") % {"name": resident.name})


@login_required
@require_POST
@refusals
def resident_edit_unmask(request, resident_id: int):
    """The edit form again, with the full ID number and phone filled in (needs UNMASK; logged with the
    reason, purpose "edit"). What was typed in the form so far is kept."""
    scope, resident = _editable_resident(request, resident_id)
    if resident.has_left:
        return _left_answer(request, resident)
    values = _resident_values(request.POST)
    reason = request.POST.get("reason", "").strip()
    template = "registry/_resident_edit.html"
    try:
        full = resident_unmask_service(actor=request.user, resident=resident, reason=reason, purpose="edit")
    except InvalidInput as exc:
        form = {"values": values, "errors": _errors_by_field(exc, ("reason",)), "reason": reason, "unmask_open": True}
        return _resident_form_answer(request, resident, template, invalid=True, form=form)
    values["id_number"] = full["id_number"]
    values["phone"] = values["phone"] or full["phone"]
    form = {"values": values, "errors": {}, "unmasked": True, "reason": reason}
    return _resident_form_answer(request, resident, template, form=form)


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def resident_move(request, resident_id: int):
    """Move a resident to another household, picked by building and unit (those the user may edit) and
    room; bring back one who has left, to their old household or another."""
    scope, resident = _editable_resident(request, resident_id)
    template = "registry/_resident_move.html"
    units = selectors.unit_edit_choices(actor=scope)
    if request.method == "GET":
        values = {"target": "home", "unit": str(resident.household.unit_id), "room": "",
                  "relation": resident.relation, "new_head": ""}
        return _resident_form_answer(request, resident, template, units=units, form={"values": values, "errors": {}})
    values = {name: request.POST.get(name, "").strip() for name in MOVE_FIELDS}
    source = resident.household
    try:
        args = _parse_move_form(scope, resident, values)
        services.resident_move(actor=scope, resident=resident, **args)
    except (InvalidInput, PermissionDenied) as exc:
        resident.refresh_from_db()
        errors = _errors_by_field(exc, MOVE_FIELDS, rename={"household": "room"})
        return _resident_form_answer(request, resident, template, invalid=True, units=units,
                                     form={"values": values, "errors": errors})
    target = resident.household
    if target.pk == source.pk:
        notice = _("已恢复%(name)s在本户的登记。") % {"name": resident.name}
    else:
        notice = _("已将%(name)s迁至%(address)s。") % {"name": resident.name, "address": target.masked_address}
    return _resident_done(request, source, resident, notice)


def _parse_move_form(scope, resident, values: dict) -> dict:
    """The move form → resident_move's arguments, or InvalidInput naming each field that cannot be read."""
    problems: list[FieldError] = []
    household = None
    if resident.has_left and values["target"] != "other":
        household = resident.household
    elif _id_or_none(values["unit"]) is None:
        problems.append(FieldError("unit", _("请选择楼栋和单元")))
    elif not values["room"]:
        problems.append(FieldError("room", _("请填写房号")))
    else:
        try:
            household = selectors.household_at(actor=scope, unit_id=_id_or_none(values["unit"]), room=values["room"])
        except NotFound:
            problems.append(FieldError("room", _("该单元没有登记 %(room)s 室") % {"room": values["room"]}))
    new_head = _new_head(scope, values["new_head"], problems)
    if problems:
        raise InvalidInput(problems[0].message, errors=problems)
    return {"household": household, "relation": values["relation"] or None, "new_head": new_head}


def _new_head(scope, value: str, problems: list[FieldError]):
    if not value:
        return None
    try:
        return selectors.resident_get(actor=scope, resident_id=_id_or_none(value) or 0)
    except NotFound:
        problems.append(FieldError("new_head", _("未找到该居民")))
        return None


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def resident_leave(request, resident_id: int):
    """Record that a resident has moved away or died: they leave the lists and counts, their record and ID
    number stay."""
    scope, resident = _editable_resident(request, resident_id)
    if resident.has_left:
        return _left_answer(request, resident)
    template = "registry/_resident_leave.html"
    if request.method == "GET":
        values = {"reason": "", "note": "", "left_at": timezone.localdate().isoformat(), "new_head": ""}
        return _resident_form_answer(request, resident, template, form={"values": values, "errors": {}})
    values = {name: request.POST.get(name, "").strip() for name in LEAVE_FIELDS}
    household = resident.household
    problems: list[FieldError] = []
    left_at = None
    if values["left_at"]:
        try:
            left_at = dt.date.fromisoformat(values["left_at"])
        except ValueError:
            problems.append(FieldError("left_at", _("日期应写作 年-月-日，如 2025-03-01")))
    new_head = _new_head(scope, values["new_head"], problems)
    try:
        if problems:
            raise InvalidInput(problems[0].message, errors=problems)
        services.resident_leave(actor=scope, resident=resident, reason=values["reason"], note=values["note"],
                                left_at=left_at, new_head=new_head)
    except InvalidInput as exc:
        resident.refresh_from_db()
        return _resident_form_answer(request, resident, template, invalid=True,
                                     form={"values": values, "errors": _errors_by_field(exc, LEAVE_FIELDS)})
    notice = _("已登记%(name)s离开（%(reason)s）。") % {"name": resident.name, "reason": resident.get_left_reason_display()}
    return _resident_done(request, household, resident, notice)
