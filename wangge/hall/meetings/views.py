"""Pages of the meeting day: the secretary's meeting page (invitations, attendance and its QR code,
quorum, minutes per item, motions live, resolutions, held/published), the attendee's phone vote page,
the public RSVP and check-in pages, and the residents' published resolutions."""

from __future__ import annotations

import datetime as dt
import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from wangge.core.errors import ApplicationError, NotFound
from wangge.core.views import refusals
from wangge.hall.agenda.models import SessionStatus
from wangge.people.access import Actor, request_scope
from wangge.people.models import Organisation

from . import pdf, selectors, services
from .models import Basis, Choice, Method, Minutes, MotionStatus, Response, Threshold


def _actor(request) -> Actor:
    return Actor.for_request(request)


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _error(request, exc: ApplicationError) -> None:
    text = exc.message
    if exc.errors:
        text = "；".join(f"{e.message}（{e.field}）" for e in exc.errors)
    messages.error(request, text)


def _back(session_id: int, anchor: str = ""):
    return redirect(reverse("meeting", args=[session_id]) + (f"#{anchor}" if anchor else ""))


# -- the secretary's meeting page ------------------------------------------------------------------------


def _motions_context(session) -> dict:
    motions = list(session.motions.select_related("item").prefetch_related("ballots").order_by("id"))
    return {"motions": motions, "has_open": any(m.status == MotionStatus.OPEN for m in motions)}


@login_required
@refusals
def meeting(request, session_id: int):
    scope = request_scope(request)
    session = selectors.session_for_staff(actor=scope, session_id=session_id)
    record = services.record_for(session) if session.status == SessionStatus.PLANNED else selectors.record_of(session)
    invitations = list(selectors.invitation_list(actor=scope, session_id=session_id))
    attendances = list(selectors.attendance_list(actor=scope, session_id=session_id))
    present = {a.invitation_id for a in attendances if a.invitation_id}
    items = list(selectors.items_of(session))
    minutes = {m.item_id: m for m in Minutes.objects.filter(item__in=items)}
    for item in items:
        item.minutes_row = minutes.get(item.pk)
    resolutions = list(selectors.session_resolutions(actor=scope, session_id=session_id))
    organisations = Organisation.objects.filter(services._near(session.hall.community)).order_by("kind", "id")[:100]
    start, end = services.checkin_window(session)
    return render(request, "meetings/meeting.html", {
        "s": session, "record": record, "invitations": invitations, "present": present,
        "attendances": attendances, "quorum": services.quorum(session), "items": items,
        "resolutions": resolutions, "progress": selectors.follow_up_progress(resolutions),
        "organisations": organisations, "window_start": start, "window_end": end,
        "writable": session.status not in services.CLOSED_SESSION,
        "checkin_url": request.build_absolute_uri(reverse("meeting-checkin", args=[record.checkin_token]))
        if record else "",
        "methods": Method.choices, "bases": Basis.choices, "thresholds": Threshold.choices,
        "default_due": timezone.localdate(session.starts_at) + dt.timedelta(days=30),
        "default_category": services.DEFAULT_CATEGORY,
        **_motions_context(session),
    })


@login_required
@refusals
def meeting_motions(request, session_id: int):
    """The live motions card (htmx polling while a vote is open)."""
    session = selectors.session_for_staff(actor=request_scope(request), session_id=session_id)
    return render(request, "meetings/_motions.html", {"s": session, "writable": True, **_motions_context(session)})


def _post(action):
    """A POST of the meeting page: run `action(request, session_id)`, show the refusal as a message."""

    @login_required
    @require_POST
    @refusals
    def view(request, session_id: int, **kwargs):
        selectors.session_for_staff(actor=request_scope(request), session_id=session_id)
        try:
            anchor = action(request, session_id, **kwargs)
        except NotFound:
            raise
        except ApplicationError as exc:
            if getattr(exc, "status", 400) in (403,):
                raise
            _error(request, exc)
            anchor = None
        return _back(session_id, anchor or "")

    view.__name__ = action.__name__
    return view


@_post
def invite_usual(request, session_id):
    rows = services.meeting_invite_usual(actor=_actor(request), session_id=session_id)
    messages.success(request, f"已邀请{len(rows)}个")
    return "invitations"


@_post
def invite(request, session_id):
    persons = [p for p in (_int(v) for v in request.POST.get("persons", "").replace("，", ",").split(",") if v.strip()) if p]
    orgs = [o for o in (_int(v) for v in request.POST.getlist("organisations")) if o]
    rows = services.meeting_invite(actor=_actor(request), session_id=session_id, persons=persons, organisations=orgs)
    messages.success(request, f"已邀请{len(rows)}个")
    return "invitations"


@_post
def attendance_add(request, session_id):
    services.meeting_attendance_add(
        actor=_actor(request), session_id=session_id, name=request.POST.get("name", ""),
        organisation=_int(request.POST.get("organisation")), organisation_name=request.POST.get("organisation_name", ""))
    messages.success(request, "已登记签到")
    return "attendance"


@_post
def minutes_save(request, session_id, item_id: int):
    from wangge.hall.agenda.models import Item

    if not Item.objects.filter(pk=item_id, session_id=session_id).exists():
        raise NotFound("未找到该议题")
    services.meeting_minutes_update(actor=_actor(request), item_id=item_id, text=request.POST.get("text", ""))
    messages.success(request, "纪要已保存")
    return f"item-{item_id}"


@_post
def motion_create(request, session_id):
    services.meeting_motion_create(actor=_actor(request), session_id=session_id, data=services.MotionIn(
        item=_int(request.POST.get("item")), text=request.POST.get("text", ""),
        method=request.POST.get("method", Method.HANDS), basis=request.POST.get("basis", Basis.PERSON),
        secret=request.POST.get("secret") == "on", threshold=request.POST.get("threshold", Threshold.SIMPLE)))
    return "motions"


def _motion_of(session_id: int, motion_id: int):
    from .models import Motion

    if not Motion.objects.filter(pk=motion_id, session_id=session_id).exists():
        raise NotFound("未找到该表决事项")


@_post
def motion_open(request, session_id, motion_id: int):
    _motion_of(session_id, motion_id)
    services.meeting_motion_open(actor=_actor(request), motion_id=motion_id)
    return "motions"


@_post
def motion_close(request, session_id, motion_id: int):
    _motion_of(session_id, motion_id)
    services.meeting_motion_close(actor=_actor(request), motion_id=motion_id)
    return "motions"


@_post
def hands_record(request, session_id, motion_id: int):
    _motion_of(session_id, motion_id)
    values = {}
    for name in ("votes_for", "votes_against", "votes_abstain"):
        raw = request.POST.get(name, "0").strip() or "0"
        values[name] = int(raw) if raw.isdigit() else -1
    services.meeting_hands_record(actor=_actor(request), motion_id=motion_id, **values)
    return "motions"


@_post
def resolution_create(request, session_id):
    raw_due = request.POST.get("due_on", "").strip()
    try:
        due = dt.date.fromisoformat(raw_due) if raw_due else None
    except ValueError:
        due = "bad"
    services.meeting_resolution_create(actor=_actor(request), session_id=session_id, data=services.ResolutionIn(
        item=_int(request.POST.get("item")), text=request.POST.get("text", ""),
        responsible_person=_int(request.POST.get("responsible_person")),
        responsible_organisation=_int(request.POST.get("responsible_organisation")), due_on=due,
        category=request.POST.get("category", services.DEFAULT_CATEGORY) or services.DEFAULT_CATEGORY,
        adopt_item_matters=request.POST.get("adopt") != "no", motion=_int(request.POST.get("motion"))))
    messages.success(request, "决议已记录，跟踪事项已生成")
    return "resolutions"


@_post
def mark_held(request, session_id):
    services.meeting_mark_held(actor=_actor(request), session_id=session_id)
    messages.success(request, "会议已标记为已召开")
    return "status"


@_post
def publish(request, session_id):
    services.meeting_publish(actor=_actor(request), session_id=session_id)
    messages.success(request, "纪要和决议已向社区居民公开")
    return "status"


# -- the check-in QR code --------------------------------------------------------------------------------


@login_required
@refusals
def checkin_poster(request, session_id: int):
    session = selectors.session_for_staff(actor=request_scope(request), session_id=session_id)
    record = services.record_for(session)
    return render(request, "meetings/checkin_poster.html", {
        "s": session, "url": request.build_absolute_uri(reverse("meeting-checkin", args=[record.checkin_token]))})


@login_required
@refusals
def checkin_qr(request, session_id: int, fmt: str):
    if fmt not in ("png", "svg"):
        raise Http404("未知格式")
    session = selectors.session_for_staff(actor=request_scope(request), session_id=session_id)
    record = services.record_for(session)
    qr = segno.make(request.build_absolute_uri(reverse("meeting-checkin", args=[record.checkin_token])), error="m")
    buffer = io.BytesIO()
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=8, border=2, xmldecl=True, title=session.title)
        content_type = "image/svg+xml"
    else:
        qr.save(buffer, kind="png", scale=10, border=2)
        content_type = "image/png"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="checkin-{session.pk}.{fmt}"'
    return response


def checkin(request, token: str):
    """The page the check-in QR opens: logged in (or with `?rsvp=<token>`), one tap checks in."""
    try:
        session = selectors.session_by_checkin_token(token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    rsvp = request.GET.get("rsvp") or request.POST.get("rsvp") or ""
    context = {"s": session, "token": token, "rsvp": rsvp, "attendance": None, "error": ""}
    if request.method == "POST":
        actor = _actor(request) if request.user.is_authenticated else None
        try:
            row, created = services.meeting_checkin(actor=actor, checkin_token=token, rsvp_token=rsvp or None)
            context.update(attendance=row, created=created)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            context["error"] = exc.message
            return render(request, "meetings/checkin.html", context, status=exc.status)
    elif request.user.is_authenticated:
        context["attendance"] = selectors.attendance_of(actor=_actor(request), session=session)
    return render(request, "meetings/checkin.html", context)


# -- RSVP ------------------------------------------------------------------------------------------------


def rsvp(request, token: str):
    try:
        invitation = selectors.invitation_by_token(token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    context = {"inv": invitation, "s": invitation.session, "errors": {}, "values": {}}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("response", "note", "delegates")}
        try:
            services.meeting_rsvp(token=token, answer=services.RsvpIn(**values))
        except ApplicationError as exc:
            context.update(errors={e.field: e.message for e in exc.errors} or {"non_field": exc.message},
                           values=values)
            return render(request, "meetings/rsvp.html", context, status=exc.status)
        messages.success(request, "已收到您的回复")
        return redirect("meeting-rsvp", token=token)
    return render(request, "meetings/rsvp.html", {**context, "responses": Response})


def rsvp_ics(request, token: str):
    try:
        invitation = selectors.invitation_by_token(token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(services.session_ics(invitation.session), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{invitation.session_id}.ics"'
    return response


# -- the attendee's phone ------------------------------------------------------------------------------


def _vote_context(request, session_id: int) -> dict:
    actor = _actor(request)
    session = selectors._session(session_id)
    attendance = selectors.attendance_of(actor=actor, session=session)
    if attendance is None:
        if not (actor.scope.sees_grid(session.hall.community) or actor.scope.is_admin):
            raise NotFound("未找到该会议")
        return {"s": session, "attendance": None, "motions": []}
    from .models import Voter

    motions = list(session.motions.filter(status__in=[MotionStatus.OPEN, MotionStatus.CLOSED]).order_by("-id")[:10])
    keys = {services._voter_key(attendance, m.basis) for m in motions}
    voted = set(Voter.objects.filter(motion__in=motions, key__in=keys).values_list("motion_id", flat=True))
    return {"s": session, "attendance": attendance, "motions": motions, "voted": voted, "choices": Choice.choices,
            "has_open": any(m.status == MotionStatus.OPEN for m in motions)}


@login_required
@refusals
def vote(request, session_id: int):
    context = _vote_context(request, session_id)
    if request.method == "POST":
        motion_id = _int(request.POST.get("motion"))
        try:
            if motion_id is None or not context["s"].motions.filter(pk=motion_id).exists():
                raise NotFound("未找到该表决事项")
            services.meeting_vote(actor=_actor(request), motion_id=motion_id, choice=request.POST.get("choice", ""))
            messages.success(request, "投票成功")
        except NotFound:
            raise
        except ApplicationError as exc:
            _error(request, exc)
        return redirect("meeting-vote", session_id=session_id)
    template = "meetings/_vote_motions.html" if request.headers.get("HX-Request") == "true" else "meetings/vote.html"
    return render(request, template, context)


# -- minutes PDF and the residents' resolutions ------------------------------------------------------


@login_required
@refusals
def minutes_pdf(request, session_id: int):
    session = selectors.session_for_reader(actor=request_scope(request), session_id=session_id)
    response = HttpResponse(pdf.minutes_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.filename(session)}"'
    return response


@login_required
@refusals
def resolutions(request):
    scope = request_scope(request)
    rows = list(selectors.resolution_list(actor=scope)[:200])
    sessions: dict[int, dict] = {}
    for r in rows:
        entry = sessions.setdefault(r.session_id, {"s": r.session, "rows": []})
        entry["rows"].append(r)
    for entry in sessions.values():
        entry["progress"] = selectors.follow_up_progress(entry["rows"])
    return render(request, "meetings/resolutions.html", {"sessions": list(sessions.values())})
