"""Pages of 活动场地.

- `/venues/` (venues): the venues of the community with their opening hours and a week view of the slots
  taken; residents book from here.
- `/venues/<id>/book/` (venue-book): the booking form (mobile-first).
- `/bookings/` (bookings): the approval queue of the venues one keeps, and one's own bookings.
- `/bookings/<id>/decide/` and `/bookings/<id>/cancel/`: POST only.
- `/venues/new/` (venue-new) and `/venues/<id>/edit/` (venue-edit): a venue keeper (VENUES) creates a venue or
  changes its name, place, capacity, opening hours, approval and whether it is open for booking.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core.errors import ApplicationError, InvalidInput
from wangge.core.views import forbidden, form_id, refusals
from wangge.people.access import VENUES, request_scope, require
from wangge.people.models import Organisation
from wangge.registry.models import GridNode, Level

from . import selectors, services
from .models import WEEKDAYS, BookingStatus, Venue


def _week(scope, venue, start: dt.datetime) -> list[dict]:
    slots = selectors.week_slots(actor=scope, venue=venue, start=start)
    days = []
    for i in range(7):
        day = start + dt.timedelta(days=i)
        iso = day.isoweekday()
        days.append({"date": day.date(), "weekday": WEEKDAYS[iso - 1],
                     "hours": "、".join(f"{a}–{b}" for a, b in sorted(venue.opening_hours.get(str(iso)) or [])),
                     "slots": [s for s in slots if timezone.localtime(s["starts_at"]).date() == day.date()]})
    return days


@login_required
@refusals
def venue_list(request):
    scope = request_scope(request)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    start_date = parse_date(request.GET.get("week") or "")
    start = timezone.make_aware(dt.datetime.combine(start_date, dt.time.min)) if start_date else today
    venues = list(selectors.venue_list(actor=scope, active=None if scope.is_staff_scope else True)[:50])
    rows = [{"v": v, "week": _week(scope, v, start), "keeper": selectors.is_keeper(scope, v)} for v in venues]
    return render(request, "venues/list.html", {
        "rows": rows, "start": start, "prev": (start - dt.timedelta(days=7)).date(),
        "next": (start + dt.timedelta(days=7)).date(), "can_book": scope.person_id is not None or scope.is_admin,
        "keeper": scope.is_admin or bool(scope.paths(VENUES)),
    })


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def book(request, venue_id: int):
    scope = request_scope(request)
    venue = selectors.venue_get(actor=scope, venue_id=venue_id)
    person = getattr(request.user, "person", None)
    orgs = Organisation.objects.filter(memberships__person=person, memberships__end__isnull=True).distinct() \
        if person else Organisation.objects.none()
    errors: dict[str, str] = {}
    today = timezone.localdate()
    values = request.POST if request.method == "POST" else {"date": (today + dt.timedelta(days=1)).isoformat(),
                                                             "attendees": "1"}
    if request.method == "POST":
        p = request.POST
        try:
            day = parse_date(p.get("date") or "")
            if day is None:
                raise InvalidInput.field("date", "请选择日期")
            times = []
            for field in ("start", "end"):
                try:
                    times.append(dt.time.fromisoformat((p.get(field) or "").strip()))
                except ValueError as exc:
                    raise InvalidInput.field("starts_at" if field == "start" else "ends_at", "请填写时间，如 09:00") \
                        from exc
            attendees = (p.get("attendees") or "").strip()
            if not attendees.isdigit():
                raise InvalidInput.field("attendees", "人数应为正整数")
            booking = services.booking_create(
                actor=request.user, venue_id=venue.pk, purpose=p.get("purpose", ""),
                starts_at=timezone.make_aware(dt.datetime.combine(day, times[0])),
                ends_at=timezone.make_aware(dt.datetime.combine(day, times[1])), attendees=int(attendees),
                organisation=form_id(p.get("organisation")), contact_name=p.get("contact_name", ""),
                contact_phone=p.get("contact_phone", ""))
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            if isinstance(exc, InvalidInput):
                for e in exc.errors:
                    errors.setdefault(e.field, e.message)
            errors.setdefault("form", exc.message)
        else:
            if booking.status == BookingStatus.PENDING:
                messages.success(request, _("预约已提交，等待社区审批"))
            else:
                messages.success(request, _("预约成功"))
            return redirect("bookings")
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return render(request, "venues/book.html", {"venue": venue, "orgs": orgs, "errors": errors, "values": values,
                                                "week": _week(scope, venue, start)},
                  status=422 if errors else 200)


@login_required
@refusals
def booking_list(request):
    scope = request_scope(request)
    keeper = scope.is_admin or bool(scope.paths(VENUES))
    now = timezone.now()
    pending = list(selectors.booking_list(actor=scope, status=BookingStatus.PENDING, since=now)
                   .filter(scope.grid_q("venue__community__", VENUES))[:200]) if keeper else []
    upcoming = list(selectors.booking_list(actor=scope, status=BookingStatus.APPROVED, since=now)
                    .filter(scope.grid_q("venue__community__", VENUES))[:200]) if keeper else []
    mine = list(selectors.booking_list(actor=scope, mine=True).order_by("-starts_at")[:50])
    return render(request, "venues/bookings.html", {"pending": pending, "upcoming": upcoming, "mine": mine,
                                                    "keeper": keeper, "now": now})


@login_required
@require_POST
@refusals
def decide(request, booking_id: int):
    try:
        b = services.booking_decide(actor=request.user, booking_id=booking_id,
                                    approve=request.POST.get("approve") == "1", note=request.POST.get("note", ""))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(v)s %(p)s：%(s)s") % {"v": b.venue.name, "p": b.purpose,
                                                             "s": b.get_status_display()})
    return redirect("bookings")


@login_required
@require_POST
@refusals
def cancel(request, booking_id: int):
    try:
        services.booking_cancel(actor=request.user, booking_id=booking_id, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("预约已取消"))
    return redirect("bookings")


# -- venues: create and edit (VENUES) ------------------------------------------------------------------------

_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–—~～至到]\s*(\d{1,2}):(\d{2})$")
_SEPARATORS = re.compile(r"[,，、;；/\n]+")
DAY_LABELS = [gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"),
              gettext_lazy("周五"), gettext_lazy("周六"), gettext_lazy("周日")]
DEFAULT_HOURS = "08:30-12:00, 14:00-18:00"


def _hours_from(post) -> dict:
    """The seven `hours_<1..7>` fields ("08:30-12:00, 14:00-18:00"; empty: closed that day) as the
    service's opening hours; the service checks order and overlaps."""
    hours: dict[str, list[list[str]]] = {}
    for day in range(1, 8):
        intervals = []
        for part in _SEPARATORS.split(post.get(f"hours_{day}") or ""):
            part = part.strip()
            if not part:
                continue
            m = _INTERVAL.match(part)
            if m is None:
                raise InvalidInput.field("opening_hours",
                                         f"周{WEEKDAYS[day - 1]}的时段“{part[:20]}”无效，应如 08:30-12:00")
            intervals.append([f"{int(m[1]):02d}:{m[2]}", f"{int(m[3]):02d}:{m[4]}"])
        if intervals:
            hours[str(day)] = intervals
    return hours


def _hours_values(opening_hours: dict) -> dict[str, str]:
    return {f"hours_{day}": ", ".join(f"{a}-{b}" for a, b in sorted((opening_hours or {}).get(str(day)) or []))
            for day in range(1, 8)}


def _capacity_from(value) -> int:
    value = str(value or "").strip()
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput.field("capacity", "容纳人数应为正整数")
    return int(value)


def _venue_grids(scope):
    return list(GridNode.objects.filter(scope.grid_q("", VENUES)).exclude(level__in=[Level.DISTRICT])
                .order_by("path")[:300])


def _venue_form(request, *, venue: Venue | None, grids: list, values, errors: dict[str, str]):
    days = [{"n": day, "label": DAY_LABELS[day - 1], "value": values.get(f"hours_{day}", "")}
            for day in range(1, 8)]
    return render(request, "venues/form.html", {"venue": venue, "grids": grids, "values": values, "errors": errors,
                                                "days": days}, status=422 if errors else 200)


def _field_errors(exc: ApplicationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for e in exc.errors:
        errors.setdefault(e.field, e.message)
    if not errors or not isinstance(exc, InvalidInput):
        errors.setdefault("form", exc.message)
    return errors


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def venue_new(request):
    scope = request_scope(request)
    grids = _venue_grids(scope)
    if not grids:
        return forbidden(request, _("只有场地管理员（社区两委、网格长）可以新建场地"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        p = values = request.POST
        try:
            venue = services.venue_create(
                actor=request.user, community=form_id(p.get("community")) or 0, name=p.get("name", ""),
                description=p.get("description", ""), place=p.get("place", ""),
                capacity=_capacity_from(p.get("capacity")), opening_hours=_hours_from(p),
                needs_approval=p.get("needs_approval") == "on", active=p.get("active") == "on")
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            errors = _field_errors(exc)
        else:
            messages.success(request, _("场地已创建：%(n)s") % {"n": venue.name})
            return redirect(f"{reverse('venues')}#venue-{venue.pk}")
    else:
        values = {"capacity": "20", "needs_approval": True, "active": True} | {
            f"hours_{day}": DEFAULT_HOURS for day in range(1, 8)}
    return _venue_form(request, venue=None, grids=grids, values=values, errors=errors)


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def venue_edit(request, venue_id: int):
    scope = request_scope(request)
    venue = selectors.venue_get(actor=scope, venue_id=venue_id)
    require(scope, VENUES, venue.community)
    errors: dict[str, str] = {}
    if request.method == "POST":
        p = values = request.POST
        try:
            venue = services.venue_update(
                actor=request.user, venue_id=venue.pk, name=p.get("name", ""), description=p.get("description", ""),
                place=p.get("place", ""), capacity=_capacity_from(p.get("capacity")), opening_hours=_hours_from(p),
                needs_approval=p.get("needs_approval") == "on", active=p.get("active") == "on")
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            errors = _field_errors(exc)
        else:
            messages.success(request, _("场地已保存：%(n)s") % {"n": venue.name})
            return redirect(f"{reverse('venues')}#venue-{venue.pk}")
    else:
        values = {"name": venue.name, "description": venue.description, "place": venue.place,
                  "capacity": str(venue.capacity), "needs_approval": venue.needs_approval, "active": venue.active
                  } | _hours_values(venue.opening_hours)
    return _venue_form(request, venue=venue, grids=[], values=values, errors=errors)
