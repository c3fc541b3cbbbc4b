"""Pages of key small matters for the people who handle them, and the matter page for everyone who may
see a matter (its reporter included):

- `/matters/<id>/` — the matter: state, timer light, where, what, photos, timeline, comments, and one
  button per action this user can take now (htmx swaps the page section in place; every form also works
  as a plain POST that redirects back);
- `/workbench/` — my queue (工作台), the nearest deadline first, the next step one tap away;
- `/dispatch/` — the dispatch console (派遣) for those with `matters.dispatch` somewhere: map, filters,
  bulk 受理并派遣, 督办 from the list; `/dispatch/matters.geojson` feeds its map.

Views parse, call one service or selector, and render. Every refusal of a service (409 someone moved it
first, 422 a field, 403 a role) is shown on the page as a message, never a 500.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from wangge.core import pii
from wangge.core.errors import ApplicationError, InvalidInput, NotFound
from wangge.core.schemas import MAX_ID
from wangge.core.views import forbidden, is_htmx, refusals
from wangge.people.access import DISPATCH, MEDIATE, SUPERVISE, UNMASK, VIEW, request_scope
from wangge.people.selectors import duty_list
from wangge.registry import selectors as registry_selectors

from . import lifecycle, selectors, services
from .lifecycle import ACTIONS, OPEN_STATES, STAGE_OF
from .models import PhotoKind, Rating, State
from .serializers import actions_for, photo_url

QUEUE_GRID_PER_PAGE = 30
CONSOLE_PER_PAGE = 50
GEOJSON_CAP = 2000
BULK_MAX = 200
PEOPLE_PICKS = 10
# The steps that move a matter forward: the workbench offers the first of these as its one-tap button.
FORWARD = ("accept", "dispatch", "start", "resolve", "verify", "close", "resume")
# Actions that ask for a photo: before starting, after finishing.
PHOTO_KIND = {"start": PhotoKind.BEFORE, "resolve": PhotoKind.AFTER}
# Taken through their own forms on the matter page, not as buttons.
OWN_FORMS = ("merge", "rate")
# Destructive steps without a required note still ask for a confirmation.
CONFIRM = ("withdraw",)
# What the timeline calls the events that are not lifecycle actions.
EVENT_LABELS = {
    "report": gettext_lazy("上报"),
    "assign": gettext_lazy("分派"),
    "reassign": gettext_lazy("改派"),
    "supervise": gettext_lazy("督办"),
    "merge": gettext_lazy("合并到其他事项"),
    "absorb": gettext_lazy("并入重复事项"),
    "escalate": gettext_lazy("超时升级"),
    "photo": gettext_lazy("添加照片"),
    "rate": gettext_lazy("评价"),
}
# Field names of the services, as the forms call them.
FIELD_LABELS = {
    "note": gettext_lazy("说明"),
    "reason": gettext_lazy("改派理由"),
    "photos": gettext_lazy("照片"),
    "file": gettext_lazy("照片"),
    "assignee": gettext_lazy("处置人"),
    "action": gettext_lazy("操作"),
    "rating": gettext_lazy("评价"),
    "comment": gettext_lazy("评价意见"),
    "body": gettext_lazy("留言内容"),
    "into": gettext_lazy("合并目标"),
    "state": gettext_lazy("状态"),
    "ids": gettext_lazy("所选事项"),
}
_FORM_ID = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


def _id(value) -> int | None:
    """A row id typed into a form or a query string, or None (never an integer the database refuses)."""
    value = str(value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 19 and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


def _matter_view(view):
    """A view of one matter: ids beyond what the database holds are simply not found."""

    @functools.wraps(view)
    def wrapped(request, matter_id: int, *args, **kwargs):
        if matter_id > MAX_ID:
            raise Http404("未找到该事项")
        return view(request, matter_id, *args, **kwargs)

    return wrapped


# -- who is asking ---------------------------------------------------------------------------------------


def _actor(request) -> services.Actor:
    return services.Actor.for_request(request)


def can_dispatch_somewhere(scope) -> bool:
    return scope.is_admin or bool(scope.paths(DISPATCH))


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _error_lines(exc: ApplicationError) -> list[str]:
    """The refusal as lines a person reads: the fields it names in the words of the form."""
    if not exc.errors:
        return [exc.message]
    lines = []
    for error in exc.errors:
        name = FIELD_LABELS.get(error.field.split(".")[0])
        lines.append(f"{name}：{error.message}" if name else error.message)
    return lines


def _problem(exc: ApplicationError) -> dict:
    """What the page says about a refusal."""
    lead = {
        409: _("操作未完成：事项可能刚被其他人处理过，下面是它现在的状态。"),
        403: _("操作未完成：您没有这项权限。"),
        422: _("操作未完成，请检查填写的内容。"),
        404: _("操作未完成：未找到该事项。"),
    }.get(exc.status, _("操作未完成。"))
    return {"status": exc.status, "lead": lead, "lines": _error_lines(exc)}


# -- time left and the timer light ----------------------------------------------------------------------


def time_left(matter, now: dt.datetime) -> str:
    """"还剩3小时" / "超时2小时"; empty when no clock runs."""
    if matter.deadline is None or matter.state not in STAGE_OF:
        return ""
    seconds = (matter.deadline - now).total_seconds()
    span = abs(seconds)
    if span < 3600:
        n, unit = max(1, int(span // 60)), "minutes"
    elif span < 48 * 3600:
        n, unit = int(span // 3600), "hours"
    else:
        n, unit = int(span // 86400), "days"
    if seconds >= 0:
        text = {
            "minutes": ngettext("还剩%(n)d分钟", "还剩%(n)d分钟", n),
            "hours": ngettext("还剩%(n)d小时", "还剩%(n)d小时", n),
            "days": ngettext("还剩%(n)d天", "还剩%(n)d天", n),
        }[unit]
    else:
        text = {
            "minutes": ngettext("超时%(n)d分钟", "超时%(n)d分钟", n),
            "hours": ngettext("超时%(n)d小时", "超时%(n)d小时", n),
            "days": ngettext("超时%(n)d天", "超时%(n)d天", n),
        }[unit]
    return text % {"n": n}


def _is_overdue(matter, now) -> bool:
    return bool(matter.deadline and matter.deadline < now and matter.state in STAGE_OF)


def _decorate(matter, actor: services.Actor, now: dt.datetime):
    """Set what a card shows: the light, the time left, and the next forward step for this user."""
    matter.light = selectors.light(matter, now)
    matter.left = time_left(matter, now)
    matter.overdue = _is_overdue(matter, now)
    codes = actions_for(matter, actor.roles_on(matter), is_admin=actor.scope.is_admin)
    step = next((c for c in FORWARD if c in codes), None)
    matter.next_action = ACTIONS[step] if step else None
    matter.photo_kind = PHOTO_KIND.get(step or "")
    return matter


# -- the matter page ------------------------------------------------------------------------------------


def _button(spec: lifecycle.Action) -> dict:
    if spec.note_required:
        kind = "note"
    elif spec.code in CONFIRM:
        kind = "confirm"
    elif spec.code in PHOTO_KIND:
        kind = "photo"
    else:
        kind = "tap"
    tone = "primary" if spec.code in FORWARD else ("danger" if spec.code in ("reject", "withdraw") else "second")
    return {"code": spec.code, "label": spec.label, "kind": kind, "tone": tone,
            "photo_kind": PHOTO_KIND.get(spec.code), "note_required": spec.note_required}


def _attribute_rows(matter) -> list[tuple[str, str]]:
    questions = {a.code: a for a in matter.category.attributes.all()}
    rows = []
    for code, value in (matter.attributes or {}).items():
        question = questions.get(code)
        names = {str(v.get("key")): v.get("name", v.get("key")) for v in (question.values if question else [])}
        values = value if isinstance(value, list) else [value]
        shown = "、".join(str(names.get(str(v), v)) for v in values)
        rows.append((question.description if question else code, shown))
    return rows


def _timeline_rows(events, *, staff: bool) -> list[dict]:
    rows = []
    for event in events:
        spec = ACTIONS.get(event.action)
        rows.append({
            "at": event.at,
            "label": spec.label if spec else EVENT_LABELS.get(event.action, event.action),
            "action": event.action,
            "from_state": State(event.from_state).label if event.from_state else "",
            "to_state": State(event.to_state).label if event.to_state else "",
            "actor": event.actor_label if staff else "",
            "note": event.note,
            "public": event.public,
            "photos": [photo_url(p) for p in event.photos.all()],
        })
    return rows


def _photo_groups(matter) -> list[tuple[str, list[str]]]:
    by_kind: dict[str, list[str]] = {}
    for photo in matter.photos.all():
        by_kind.setdefault(photo.kind, []).append(photo_url(photo))
    return [(PhotoKind(kind).label, by_kind[kind]) for kind in PhotoKind.values if kind in by_kind]


def _people_picks(scope, q: str, *, picked: str = "") -> dict:
    """Persons with a current duty in the scope whose name (or pinyin, or their grid) matches `q`, each
    with those duties — the only people a matter can be given to (the services check it again)."""
    q = q.strip()
    people: dict[int, dict] = {}
    more = False
    if q:
        for duty in duty_list(actor=scope, q=q)[:200]:
            if not scope.can(VIEW, duty.grid):
                continue
            if duty.person_id not in people:
                if len(people) >= PEOPLE_PICKS:
                    more = True
                    continue
                people[duty.person_id] = {"person": duty.person, "duties": []}
            people[duty.person_id]["duties"].append(duty)
    return {"people": list(people.values()), "people_more": more, "people_limit": PEOPLE_PICKS, "person_q": q,
            "picked": picked}


def _matter_context(request, matter, *, notice: str = "", problem: dict | None = None, failed: dict | None = None,
                    person_q: str = "") -> dict:
    actor = _actor(request)
    scope = actor.scope
    now = timezone.now()
    staff = selectors.is_staff_for(scope, matter)
    roles = actor.roles_on(matter)
    codes = actions_for(matter, roles, is_admin=scope.is_admin)
    dispatcher = lifecycle.DISPATCHER in roles
    buttons = [_button(ACTIONS[c]) for c in codes if c not in OWN_FORMS]
    comments = matter.comments.all() if staff else matter.comments.filter(internal=False)
    duplicates = []
    if dispatcher and "merge" in codes:
        duplicates = [
            {"matter": m, "distance": d, "light": selectors.light(m, now)}
            for m, d in selectors.duplicates_for(matter, actor=scope)
            if lifecycle.DISPATCHER in actor.roles_on(m)
        ]
    can_assign = dispatcher and matter.is_open
    failed = failed or {}
    return {
        "matter": matter,
        "staff": staff,
        "is_reporter": lifecycle.REPORTER in roles,
        "light": selectors.light(matter, now),
        "left": time_left(matter, now),
        "overdue": _is_overdue(matter, now),
        "buttons": buttons,
        "attribute_rows": _attribute_rows(matter),
        "timeline": _timeline_rows(selectors.timeline(matter, staff=staff), staff=staff),
        "photo_groups": _photo_groups(matter),
        "comments": list(comments),
        "duplicates": duplicates,
        "can_assign": can_assign,
        "can_dispatch_to": can_assign and "dispatch" in codes,
        "can_supervise": matter.is_open and (scope.is_admin or scope.can(SUPERVISE, matter.grid)),
        # A quarrel between neighbours reported as a matter is mediated as a dispute (fieldwork/disputes).
        "can_mediate": matter.is_open and staff and scope.can(MEDIATE, matter.grid),
        "can_rate": "rate" in codes,
        "can_comment": True,
        "ratings": Rating.choices,
        "reporter_phone": pii.mask_phone(matter.reporter_phone) if staff and matter.reporter_phone else "",
        "can_unmask_reporter": bool(matter.reporter_phone) and (
            scope.is_admin or scope.can(UNMASK, matter.grid) or lifecycle.ASSIGNEE in roles
        ),
        "notice": notice,
        "problem": problem,
        "failed": failed,
        **(_people_picks(scope, person_q, picked=failed.get("assignee", "")) if can_assign else {}),
    }


@login_required
@require_GET
@refusals
@_matter_view
def matter_page(request, matter_id: int):
    """One matter for whoever may see it; `?person_q=` is the assignee search made without JavaScript."""
    matter = selectors.matter_get(actor=request_scope(request), matter_id=matter_id)
    context = _matter_context(request, matter, person_q=request.GET.get("person_q", ""))
    return render(request, "matters/matter.html", context)


def _answer(request, matter_id: int, *, notice: str = "", error: ApplicationError | None = None,
            failed: dict | None = None):
    """After a POST on a matter. htmx gets the section it came from (the matter page's, or a workbench
    card), always 200 so that it swaps; a plain form post is redirected back on success and gets the
    matter page with the message (and the refusal's status) otherwise."""
    scope = request_scope(request)
    try:
        matter = selectors.matter_get(actor=scope, matter_id=matter_id)
    except NotFound as exc:
        # It left the user's sight (merged into a matter elsewhere, given to someone outside the scope…).
        if error is None and not is_htmx(request):
            messages.success(request, notice)
            return redirect(_safe_next(request, reverse("workbench")))
        raise Http404(exc.message) from exc
    problem = _problem(error) if error else None
    if is_htmx(request):
        if request.POST.get("view") == "card":
            _decorate(matter, _actor(request), timezone.now())
            return render(request, "matters/staff/_queue_card.html",
                          {"m": matter, "notice": notice, "problem": problem, "next_url": _safe_next(request, "")})
        context = _matter_context(request, matter, notice=notice, problem=problem, failed=failed)
        return render(request, "matters/_matter_live.html", context)
    if error is None:
        messages.success(request, notice)
        return redirect(_safe_next(request, reverse("matter", args=[matter_id])))
    context = _matter_context(request, matter, problem=problem, failed=failed)
    return render(request, "matters/matter.html", context, status=error.status)


def _attempt(request, matter_id: int, call, done, *, failed: dict | None = None):
    """Run one service call for the page; refusals become messages (NotFound: 404)."""
    try:
        result = call(_actor(request))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        return _answer(request, matter_id, error=exc, failed=failed)
    return _answer(request, matter_id, notice=done(result))


def _state_notice(label, matter) -> str:
    return _("已%(action)s，事项现为“%(state)s”。") % {"action": label, "state": matter.get_state_display()}


@login_required
@require_POST
@_matter_view
def matter_act(request, matter_id: int):
    """One step of the lifecycle (`action`), with an optional `note`, `photo` and (dispatch) `assignee`."""
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    photos = request.FILES.getlist("photo")
    raw_assignee = request.POST.get("assignee", "")
    assignee = _id(raw_assignee)
    if raw_assignee and assignee is None:
        return _answer(request, matter_id, error=InvalidInput.field("assignee", _("请重新查找并选择处置人")))
    spec = ACTIONS.get(action)
    label = spec.label if spec else action

    def call(actor):
        return services.matter_transition(actor=actor, matter_id=matter_id, action=action, note=note, photos=photos,
                                          assignee=assignee)

    return _attempt(request, matter_id, call, lambda m: _state_notice(label, m),
                    failed={"action": action, "note": note, "assignee": raw_assignee})


@login_required
@require_POST
@_matter_view
def matter_assign(request, matter_id: int):
    """A dispatcher gives the matter to a chosen person: `op=dispatch` (派遣给) or `op=reassign` (改派, with
    the reason in `note`)."""
    op = request.POST.get("op", "")
    note = request.POST.get("note", "")
    assignee = request.POST.get("assignee", "")
    failed = {"action": "assign", "note": note, "assignee": assignee}
    if _id(assignee) is None:
        return _answer(request, matter_id, error=InvalidInput.field("assignee", _("请先查找并选择处置人")),
                       failed=failed)
    if op == "dispatch":
        def call(actor):
            return services.matter_transition(actor=actor, matter_id=matter_id, action="dispatch", note=note,
                                              assignee=assignee)
    elif op == "reassign":
        def call(actor):
            return services.matter_reassign(actor=actor, matter_id=matter_id, assignee=assignee, reason=note)
    else:
        return _answer(request, matter_id, error=InvalidInput.field("op", _("请选择派遣或改派")), failed=failed)

    def done(matter):
        name = matter.assignee.name if matter.assignee else ""
        return _("已交给%(name)s处置，事项现为“%(state)s”。") % {"name": name, "state": matter.get_state_display()}

    return _attempt(request, matter_id, call, done, failed=failed)


@login_required
@require_POST
@_matter_view
def matter_supervise(request, matter_id: int):
    note = request.POST.get("note", "")
    return _attempt(
        request, matter_id,
        lambda actor: services.matter_supervise(actor=actor, matter_id=matter_id, note=note),
        lambda m: _("已督办，处置人会收到通知。"),
        failed={"action": "supervise", "note": note},
    )


@login_required
@require_POST
@refusals
@_matter_view
def matter_reporter_unmask(request, matter_id: int):
    """htmx: the reporter's phone in full, after a reason that goes into the access log."""
    reason = request.POST.get("reason", "")
    context = {"matter_id": matter_id, "reason": reason}
    try:
        context["phone"] = services.reporter_unmask(actor=request.user, matter_id=matter_id, reason=reason)
    except InvalidInput as exc:
        context["error"] = exc.message
    return render(request, "matters/_reporter_unmask.html", context)


@login_required
@require_POST
@_matter_view
def matter_merge(request, matter_id: int):
    into = request.POST.get("into", "")
    note = request.POST.get("note", "")
    target = _id(into)
    if target is None:
        return _answer(request, matter_id, error=InvalidInput.field("into", _("请选择要合并到的事项")))
    return _attempt(
        request, matter_id,
        lambda actor: services.matter_merge(actor=actor, matter_id=matter_id, into=target, note=note),
        lambda m: _("已合并到 #%(id)s，上报人会随该事项收到进展。") % {"id": target},
        failed={"action": "merge", "note": note},
    )


@login_required
@require_POST
@_matter_view
def matter_rate(request, matter_id: int):
    rating = request.POST.get("rating", "")
    comment = request.POST.get("comment", "")
    return _attempt(
        request, matter_id,
        lambda actor: services.matter_rate(actor=actor, matter_id=matter_id, rating=rating, comment=comment),
        lambda m: _("谢谢您的评价。") if m.state == State.EVALUATED
        else _("已收到您的意见，事项已重新交网格长复核。"),
        failed={"action": "rate", "rating": rating, "comment": comment},
    )


@login_required
@require_POST
@_matter_view
def matter_comment(request, matter_id: int):
    body = request.POST.get("body", "")
    internal = request.POST.get("internal") == "1"
    return _attempt(
        request, matter_id,
        lambda actor: services.comment_add(actor=actor, matter_id=matter_id, body=body, internal=internal),
        lambda c: _("已发表内部留言。") if c.internal else _("已发表留言。"),
        failed={"action": "comment", "body": body, "internal": internal},
    )


@login_required
@require_GET
def matter_people(request):
    """The assignee search (an htmx partial): persons with a current duty in the user's scope. `form` is the
    id of the form the picked radio belongs to."""
    scope = request_scope(request)
    if not can_dispatch_somewhere(scope):
        return forbidden(request, _("只有派遣人员可以指定处置人。"))
    form_id = request.GET.get("form", "")
    if not _FORM_ID.match(form_id):
        form_id = "assign-form"
    context = {**_people_picks(scope, request.GET.get("person_q", "")), "form_id": form_id}
    return render(request, "matters/_people_picks.html", context)


# -- the workbench -------------------------------------------------------------------------------------------


@login_required
@require_GET
def workbench(request):
    """My queue, the nearest deadline first; `?tab=grid` lists the open matters of my grids (read-only)."""
    scope = request_scope(request)
    if not scope.is_staff_scope:
        return forbidden(request, _("工作台供在岗的网格工作人员使用。您当前没有在岗职责。"))
    actor = _actor(request)
    now = timezone.now()
    tab = "grid" if request.GET.get("tab") == "grid" else "mine"
    queue = [_decorate(m, actor, now) for m in selectors.queue(actor=scope)]
    today = timezone.localdate(now)
    counts = {
        "overdue": sum(1 for m in queue if m.overdue),
        "today": sum(1 for m in queue if not m.overdue and m.deadline and m.state in STAGE_OF
                     and timezone.localdate(m.deadline) == today),
        "total": len(queue),
    }
    context = {"tab": tab, "queue": queue, "counts": counts, "next_url": reverse("workbench")}
    if tab == "grid":
        qs = selectors.matter_list(actor=scope, state=list(OPEN_STATES)).order_by(
            F("deadline").asc(nulls_last=True), "id")
        page = Paginator(selectors.KeysFirst(qs), QUEUE_GRID_PER_PAGE).get_page(request.GET.get("page"))
        for m in page.object_list:
            m.light, m.left, m.overdue = selectors.light(m, now), time_left(m, now), _is_overdue(m, now)
        context["page"] = page
    return render(request, "matters/staff/workbench.html", context)


# -- the dispatch console ------------------------------------------------------------------------------------

SORTS = {
    "deadline": (F("deadline").asc(nulls_last=True), "id"),
    "-deadline": (F("deadline").desc(nulls_last=True), "-id"),
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
}
SORT_LABELS = {
    "deadline": gettext_lazy("时限最近在前"),
    "-deadline": gettext_lazy("时限最远在前"),
    "-created": gettext_lazy("最新上报在前"),
    "created": gettext_lazy("最早上报在前"),
}


def _flag(params, name: str) -> bool:
    return params.get(name) in ("1", "on", "true")


def _console_filters(params) -> dict:
    """The console's filters from a query string. Unchecked states mean: the open ones."""
    within = params.get("within", "").strip()
    if within and _id(within) is None:
        raise InvalidInput.field("within", _("网格编号应为正整数"))
    sort = params.get("sort", "deadline")
    return {
        "state": [s for s in params.getlist("state") if s] or [s for s in State.values if s in OPEN_STATES],
        "category": params.get("category", "").strip(),
        "within": _id(within),
        "overdue": _flag(params, "overdue"),
        "supervised": _flag(params, "supervised"),
        "unassigned": _flag(params, "unassigned"),
        "sort": sort if sort in SORTS else "deadline",
    }


def _console_qs(scope, filters: dict):
    qs = selectors.matter_list(
        actor=scope, state=filters["state"], category=filters["category"] or None, within=filters["within"],
        overdue=True if filters["overdue"] else None, supervised=True if filters["supervised"] else None,
        unassigned=filters["unassigned"],
    )
    return qs.order_by(*SORTS[filters["sort"]])


def _query_of(params, *, drop=("page",)) -> str:
    return urlencode([(k, v) for k, values in params.lists() if k not in drop for v in values])


def _grid_choices(scope) -> list:
    """Grids to filter by: the shallowest first, at most 400 (a city admin types `within` instead)."""
    nodes = list(registry_selectors.grid_list(actor=scope).order_by("depth", "code")[:400])
    top = min((n.depth for n in nodes), default=0)
    for node in nodes:
        node.indent = "　" * (node.depth - top)
    return sorted(nodes, key=lambda n: n.path)


def _console_context(request, params, *, results=None, notice: str = "", problem: dict | None = None) -> dict:
    scope = request_scope(request)
    now = timezone.now()
    filters = _console_filters(params)
    page = Paginator(selectors.KeysFirst(_console_qs(scope, filters)), CONSOLE_PER_PAGE).get_page(params.get("page"))
    for m in page.object_list:
        m.light, m.left, m.overdue = selectors.light(m, now), time_left(m, now), _is_overdue(m, now)
        m.can_supervise = m.is_open and (scope.is_admin or scope.can(SUPERVISE, m.grid))
    query = _query_of(params)
    sort_params = params.copy()
    sort_params["sort"] = "-deadline" if filters["sort"] == "deadline" else "deadline"
    return {
        "filters": filters,
        "page": page,
        "query": query,
        "deadline_sort_query": _query_of(sort_params),
        "states": State.choices,
        "category_groups": selectors.category_groups(),
        "grids": _grid_choices(scope),
        "sorts": list(SORT_LABELS.items()),
        "can_supervise_any": scope.is_admin or bool(scope.paths(SUPERVISE)),
        "results": results,
        "notice": notice,
        "problem": problem,
        "map_url": f"{reverse('dispatch-geojson')}?{query}",
        **_people_picks(scope, params.get("person_q", "")),
        "form_id": "bulk-form",
    }


def _console_answer(request, params, *, status: int = 200, **extra):
    if is_htmx(request):
        return render(request, "matters/staff/_dispatch_list.html", _console_context(request, params, **extra))
    return render(request, "matters/staff/dispatch.html", _console_context(request, params, **extra), status=status)


@login_required
@require_GET
@refusals
def dispatch_console(request):
    scope = request_scope(request)
    if not can_dispatch_somewhere(scope):
        return forbidden(request, _("派遣台供有派遣权限的网格员、网格长和社区两委成员使用。"))
    try:
        return _console_answer(request, request.GET)
    except InvalidInput as exc:
        empty = QueryDict(mutable=True)
        return _console_answer(request, empty, status=422, problem=_problem(exc))


def _bulk_one(actor: services.Actor, matter_id: int, assignee: int | None) -> dict:
    """受理并派遣 one matter, in its own transaction: a reported matter is accepted and dispatched, any other
    is dispatched; what the services refuse is rolled back for this matter alone."""
    try:
        with transaction.atomic():
            matter = selectors.matter_get(actor=actor.scope, matter_id=matter_id)
            steps = []
            if matter.state == State.REPORTED:
                services.matter_transition(actor=actor, matter_id=matter_id, action="accept")
                steps.append(str(ACTIONS["accept"].label))
            matter = services.matter_transition(actor=actor, matter_id=matter_id, action="dispatch",
                                                assignee=assignee)
            steps.append(str(ACTIONS["dispatch"].label))
    except ApplicationError as exc:
        return {"id": matter_id, "ok": False, "text": "；".join(_error_lines(exc))}
    text = _("已%(steps)s，处置人：%(name)s") % {
        "steps": "、".join(steps), "name": matter.assignee.name if matter.assignee else _("待定")}
    return {"id": matter_id, "ok": True, "text": text}


@login_required
@require_POST
def dispatch_bulk(request):
    """Bulk 受理并派遣 of the checked matters (`ids`), optionally to one `assignee`; says per matter what
    happened."""
    scope = request_scope(request)
    if not can_dispatch_somewhere(scope):
        return forbidden(request, _("只有派遣人员可以批量派遣。"))
    params = QueryDict(request.POST.get("q", ""))
    ids = []
    for raw in request.POST.getlist("ids"):
        matter_id = _id(raw)
        if matter_id is not None and matter_id not in ids:
            ids.append(matter_id)
    if not ids:
        problem = _problem(InvalidInput.field("ids", _("请先勾选要派遣的事项")))
        return _console_after(request, params, problem=problem)
    if len(ids) > BULK_MAX:
        problem = _problem(InvalidInput.field("ids", _("一次最多派遣%(n)d件") % {"n": BULK_MAX}))
        return _console_after(request, params, problem=problem)
    actor = _actor(request)
    raw_assignee = request.POST.get("assignee", "")
    assignee = _id(raw_assignee)
    if raw_assignee and assignee is None:
        return _console_after(request, params, problem=_problem(InvalidInput.field("assignee", _("请重新查找并选择处置人"))))
    results = [_bulk_one(actor, matter_id, assignee) for matter_id in ids]
    return _console_after(request, params, results=results)


def _console_after(request, params, *, results=None, notice: str = "", problem: dict | None = None):
    """After a POST from the console: the list again for htmx; a redirect to the console (the results as
    messages) for a plain form post."""
    if is_htmx(request):
        return _console_answer(request, params, results=results, notice=notice, problem=problem)
    for row in results or []:
        (messages.success if row["ok"] else messages.error)(request, f"#{row['id']}：{row['text']}")
    if notice:
        messages.success(request, notice)
    if problem:
        for line in problem["lines"]:
            messages.error(request, line)
    query = _query_of(params, drop=())
    return redirect(f"{reverse('dispatch')}?{query}" if query else reverse("dispatch"))


@login_required
@require_POST
def dispatch_supervise(request):
    """督办 from the console's list."""
    scope = request_scope(request)
    if not can_dispatch_somewhere(scope):
        return forbidden(request, _("只有派遣人员可以使用派遣台。"))
    params = QueryDict(request.POST.get("q", ""))
    raw = request.POST.get("matter", "")
    matter_id = _id(raw)
    if matter_id is None:
        return _console_after(request, params, problem=_problem(InvalidInput.field("ids", _("请选择事项"))))
    try:
        services.matter_supervise(actor=_actor(request), matter_id=matter_id, note=request.POST.get("note", ""))
    except ApplicationError as exc:
        problem = _problem(exc)
        problem["lines"] = [f"#{raw}：{line}" for line in problem["lines"]]
        return _console_after(request, params, problem=problem)
    return _console_after(request, params, notice=_("已督办 #%(id)s，处置人会收到通知。") % {"id": matter_id})


@login_required
@require_GET
def dispatch_geojson(request):
    """The console's open matters that have a point, filtered like its list, as GeoJSON (at most
    GEOJSON_CAP, the nearest deadline first)."""
    scope = request_scope(request)
    if not can_dispatch_somewhere(scope):
        return JsonResponse({"detail": _("只有派遣人员可以使用派遣台。")}, status=403)
    try:
        filters = _console_filters(request.GET)
        filters["state"] = [s for s in filters["state"] if s in OPEN_STATES]
        qs = _console_qs(scope, filters).filter(lon__isnull=False, lat__isnull=False) if filters["state"] else None
    except NotFound as exc:
        return JsonResponse({"detail": exc.message}, status=404)
    except InvalidInput as exc:
        return JsonResponse({"detail": exc.message, "errors": [e.as_dict() for e in exc.errors]}, status=422)
    now = timezone.now()
    rows = list(qs[: GEOJSON_CAP + 1]) if qs is not None else []
    features = [
        {
            "type": "Feature",
            "id": m.pk,
            "geometry": {"type": "Point", "coordinates": [m.lon, m.lat]},
            "properties": {
                "id": m.pk,
                "category": m.category.name,
                "state": m.state,
                "state_label": str(m.get_state_display()),
                "light": selectors.light(m, now),
                "assignee": m.assignee.name if m.assignee else "",
                "deadline": m.deadline.isoformat() if m.deadline else None,
                "left": time_left(m, now),
            },
        }
        for m in rows[:GEOJSON_CAP]
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "truncated": len(rows) > GEOJSON_CAP},
        json_dumps_params={"ensure_ascii": False},
    )

