"""Pages of the deliberation hall (mobile-first):

- `/hall/` — staff: the halls in scope, each with its next session and the proposals waiting (accept onto
  the next session or decline with a reason); residents: their community's upcoming sessions and a
  "propose an item" button;
- `/hall/sessions/<id>/` — the agenda with each item's planned start and a warning when it runs past the
  session's end; for HALL holders the agenda editor (add, up/down, minutes, defer, remove) and move/cancel;
- `/hall/halls/<id>/suggestions/` — what the system suggests from the matters, with accept buttons;
- `/hall/propose/` — a resident proposes an item;
- `/hall/halls/<id>/settings/` — the recurrence rule and the suggestion thresholds;
- `/hall/<id>.ics` — the hall's public calendar feed (no login: calendar apps cannot log in).

Views parse, call one service or selector, and render; a refusal is shown beside the form, naming the
field, and nothing is written.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime, parse_time
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wangge.core.errors import ApplicationError
from wangge.core.schemas import MAX_ID
from wangge.core.views import forbidden, form_id, refusals
from wangge.people.access import Actor, request_scope

from . import ics, selectors, services
from .models import Hall, ItemKind, ItemStatus, NonWorkingDay, SessionStatus

FIELD_LABELS = {
    "kind": gettext_lazy("议题类别"), "title": gettext_lazy("议题"), "description": gettext_lazy("说明"),
    "session": gettext_lazy("会议"), "minutes_planned": gettext_lazy("计划时长"), "matters": gettext_lazy("关联事项"),
    "reason": gettext_lazy("不予列入原因"), "starts_at": gettext_lazy("开始时间"), "ends_at": gettext_lazy("结束时间"),
    "place": gettext_lazy("地点"), "cancel_reason": gettext_lazy("取消原因"), "name": gettext_lazy("名称"),
    "day_of_month": gettext_lazy("每月议事日"), "start_time": gettext_lazy("开始时间"),
    "duration_minutes": gettext_lazy("会议时长"), "on_non_working_day": gettext_lazy("逢周末或节假日"),
    "months_ahead": gettext_lazy("提前排期"), "collective_min_households": gettext_lazy("集中反映最少户数"),
    "collective_window_days": gettext_lazy("集中反映时间窗"), "collective_level": gettext_lazy("同一网格的层级"),
    "hall": gettext_lazy("议事厅"), "action": gettext_lazy("操作"),
}
LEVEL_CHOICES = [("area_grid", gettext_lazy("社区区域网格")), ("estate_grid", gettext_lazy("小区全科网格")),
                 ("micro_grid", gettext_lazy("楼栋单元微网格"))]


def _lines(exc: ApplicationError) -> list[str]:
    if not exc.errors:
        return [exc.message]
    out = []
    for error in exc.errors:
        name = FIELD_LABELS.get(error.field.split(".")[0])
        out.append(f"{name}：{error.message}" if name else error.message)
    return out


def _ints(values) -> list[int]:
    """Ids from form values, each of which may hold several separated by spaces or commas."""
    parts = [part for v in values for part in str(v).replace(",", " ").replace("，", " ").split()]
    return [i for i in (form_id(v) for v in parts) if i is not None]


def _check_id(value: int) -> None:
    if value > MAX_ID:
        raise Http404


# -- the hall's home ----------------------------------------------------------------------------------------


@login_required
@require_GET
@refusals
def hall_home(request):
    scope = request_scope(request)
    halls = list(selectors.hall_list(actor=scope, active=True))
    staff_halls = [h for h in halls if selectors.is_staff(scope, h)]
    nexts = selectors.next_sessions(halls)
    waiting = selectors.waiting_counts(staff_halls)
    rows = [{"hall": h, "next": nexts.get(h.pk), "waiting": waiting.get(h.pk, 0), "can_run": selectors.can_run(scope, h)}
            for h in staff_halls]
    proposals = []
    if any(r["can_run"] for r in rows):
        runnable = [r["hall"] for r in rows if r["can_run"]]
        proposals = list(selectors.item_list(actor=scope, status=ItemStatus.PROPOSED).filter(hall__in=runnable)[:50])
    resident_halls = [h for h in halls if selectors.is_resident_of(scope, h)]
    upcoming = list(selectors.session_list(actor=scope, upcoming=True).filter(hall__in=resident_halls)[:6]) \
        if resident_halls else []
    mine = list(selectors.item_list(actor=scope).filter(proposed_by_id=scope.user_id, hall__in=resident_halls)[:20]) \
        if resident_halls else []
    if not rows and not resident_halls:
        return forbidden(request, _("您所在的社区还没有议事厅"))
    return render(request, "agenda/home.html", {
        "rows": rows, "proposals": proposals, "nexts": nexts, "resident_halls": resident_halls,
        "upcoming": upcoming, "mine": mine,
    })


# -- a session ----------------------------------------------------------------------------------------------


def _session_context(request, session_id: int, **extra) -> dict:
    scope = request_scope(request)
    session = selectors.session_get(actor=scope, session_id=session_id)
    items = selectors.agenda(session, actor=scope)
    can_run = selectors.can_run(scope, session.hall) and session.status == SessionStatus.PLANNED
    context = {
        "session": session, "hall": session.hall, "items": items, "can_run": can_run,
        "runs_hall": selectors.can_run(scope, session.hall),
        "staff": selectors.is_staff(scope, session.hall), "kinds": ItemKind.choices,
        "waiting": list(selectors.item_list(actor=scope, status=ItemStatus.PROPOSED, hall=session.hall_id)[:30])
        if can_run else [],
        "values": {}, "errors": [], "form": "",
    }
    context.update(extra)
    return context


@login_required
@require_GET
@refusals
def session_detail(request, session_id: int):
    _check_id(session_id)
    return render(request, "agenda/session.html", _session_context(request, session_id))


@login_required
@require_POST
@refusals
def session_item_add(request, session_id: int):
    """Add an item straight onto this session's agenda (HALL)."""
    _check_id(session_id)
    scope = request_scope(request)
    session = selectors.session_get(actor=scope, session_id=session_id)
    p = request.POST
    try:
        services.item_create(
            actor=Actor.for_request(request), hall_id=session.hall_id, kind=p.get("kind", ""), title=p.get("title", ""),
            description=p.get("description", ""), session_id=session.pk,
            minutes_planned=form_id(p.get("minutes_planned")) or 15, matters=_ints(p.getlist("matters")),
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return render(request, "agenda/session.html", _session_context(
            request, session_id, errors=_lines(exc), form="add", values=p), status=422)
    messages.success(request, _("已加入议程"))
    return redirect("hall-session", session_id)


@login_required
@require_POST
@refusals
def session_change(request, session_id: int):
    """Move or cancel a session (HALL)."""
    _check_id(session_id)
    p = request.POST
    starts_at = None
    if p.get("starts_at"):
        starts_at = parse_datetime(p["starts_at"])
        if starts_at is None:
            return render(request, "agenda/session.html", _session_context(
                request, session_id, errors=[_("开始时间：格式应为 年-月-日 时:分")], form="move", values=p), status=422)
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
    try:
        services.session_update(actor=Actor.for_request(request), session_id=session_id, starts_at=starts_at,
                                place=p.get("place") if "place" in p else None,
                                cancel=p.get("cancel") == "1", cancel_reason=p.get("cancel_reason", ""))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return render(request, "agenda/session.html", _session_context(
            request, session_id, errors=_lines(exc), form="move", values=p), status=422)
    messages.success(request, _("会议已更新"))
    return redirect("hall-session", session_id)


@login_required
@require_POST
@refusals
def item_action(request, item_id: int):
    """One step on an item from a page (HALL); back to where it came from."""
    _check_id(item_id)
    p = request.POST
    back = p.get("next") or ""
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("hall")
    try:
        services.item_update(
            actor=Actor.for_request(request), item_id=item_id, action=p.get("action", ""),
            session_id=form_id(p.get("session")), minutes_planned=form_id(p.get("minutes_planned")),
            reason=p.get("reason", ""), matters=_ints(p.getlist("matters")),
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, "；".join(_lines(exc)))
    return redirect(back)


# -- suggestions ----------------------------------------------------------------------------------------------


def _suggestion_context(request, hall_id: int) -> dict:
    actor = Actor.for_request(request)
    hall = services._hall_for_write(actor, hall_id)
    sessions = list(selectors.session_list(actor=actor.scope, hall=hall.pk, upcoming=True)
                    .filter(status=SessionStatus.PLANNED)[:6])
    return {"hall": hall, "suggestions": selectors.suggestions(hall=hall), "sessions": sessions}


@login_required
@require_GET
@refusals
def suggestions(request, hall_id: int):
    _check_id(hall_id)
    return render(request, "agenda/suggestions.html", _suggestion_context(request, hall_id))


@login_required
@require_POST
@refusals
def suggestion_accept(request, hall_id: int):
    _check_id(hall_id)
    p = request.POST
    try:
        item = services.suggestion_accept(actor=Actor.for_request(request), hall_id=hall_id, key=p.get("key", "")[:80],
                                          session_id=form_id(p.get("session")))
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        messages.error(request, "；".join(_lines(exc)))
        return redirect("hall-suggestions", hall_id)
    messages.success(request, _("已采纳为议题：%(title)s") % {"title": item.title})
    if item.session_id:
        return redirect("hall-session", item.session_id)
    return redirect("hall-suggestions", hall_id)


# -- a resident's proposal ------------------------------------------------------------------------------------


@login_required
@refusals
def propose(request):
    scope = request_scope(request)
    halls = [h for h in selectors.hall_list(actor=scope, active=True) if selectors.is_resident_of(scope, h)]
    if not halls:
        return forbidden(request, _("只有本社区居民可以提议议题"))
    context = {"halls": halls, "kinds": ItemKind.choices, "values": {}, "errors": []}
    if request.method == "POST":
        p = request.POST
        try:
            services.item_create(actor=Actor.for_request(request), hall_id=form_id(p.get("hall")) or halls[0].pk,
                                 kind=p.get("kind", ""), title=p.get("title", ""), description=p.get("description", ""))
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            context.update(errors=_lines(exc), values=p)
            return render(request, "agenda/propose.html", context, status=422)
        messages.success(request, _("提议已提交，议事厅审核后会列入议程"))
        return redirect("hall")
    return render(request, "agenda/propose.html", context)


# -- a hall's settings ----------------------------------------------------------------------------------------


@login_required
@refusals
def hall_settings(request, hall_id: int):
    _check_id(hall_id)
    actor = Actor.for_request(request)
    hall = services._hall_for_write(actor, hall_id)
    context = {"hall": hall, "rules": NonWorkingDay.choices, "levels": LEVEL_CHOICES, "errors": [],
               "planned": services.planned_dates(hall, today=timezone.localdate())}
    if request.method == "POST":
        p = request.POST
        fields = {"name": p.get("name", ""), "place": p.get("place", ""),
                  "on_non_working_day": p.get("on_non_working_day", ""), "collective_level": p.get("collective_level", "")}
        numbers = ("day_of_month", "duration_minutes", "months_ahead", "collective_min_households",
                   "collective_window_days")
        errors = []
        for name in numbers:
            value = str(p.get(name, "")).strip()
            if not (value.isascii() and value.isdigit() and len(value) <= 4):
                errors.append(f"{FIELD_LABELS[name]}：{_('应为整数')}")
            else:
                fields[name] = int(value)
        start = parse_time(p.get("start_time", "") or "")
        if start is None:
            errors.append(f"{FIELD_LABELS['start_time']}：{_('格式应为 时:分')}")
        fields["start_time"] = start
        if not errors:
            try:
                services.hall_update(actor=actor, hall_id=hall.pk, **fields)
            except ApplicationError as exc:
                errors = _lines(exc)
        if errors:
            context.update(errors=errors)
            return render(request, "agenda/settings.html", context, status=422)
        messages.success(request, _("议事厅设置已保存"))
        return redirect("hall-settings", hall.pk)
    return render(request, "agenda/settings.html", context)


# -- the public calendar feed ---------------------------------------------------------------------------------


@require_GET
def hall_calendar(request, hall_id: int):
    """Public: calendar apps cannot log in. Titles, times and places only."""
    _check_id(hall_id)
    hall = Hall.objects.select_related("community").filter(pk=hall_id, active=True).first()
    if hall is None:
        raise Http404
    response = HttpResponse(ics.hall_ics(hall), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="hall-{hall.pk}.ics"'
    response["Cache-Control"] = "public, max-age=900"
    return response
