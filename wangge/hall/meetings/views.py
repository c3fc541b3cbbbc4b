"""Pages of the meeting day: the secretary's meeting page (invitations, attendance and its QR code,
quorum, minutes per item, motions live, resolutions, held/published), the attendee's phone vote page,
the public RSVP and check-in pages, and the residents' published resolutions."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from wangge.core.errors import ApplicationError, FieldError, NotFound, PermissionDenied
from wangge.core.views import form_id, is_htmx, refusals
from wangge.hall.agenda.ics import session_ics
from wangge.hall.agenda.models import SessionStatus
from wangge.people import selectors as people_selectors
from wangge.people.access import Actor, request_scope

from . import pdf, selectors, services
from .models import Basis, Choice, Method, Minutes, MotionStatus, Response, Threshold


def _actor(request) -> Actor:
    return Actor.for_request(request)


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


INVITE_PICKS = 20
INVITE_FIELDS = ("persons", "organisations")


def _invite_form(scope, session, *, q: str = "", person_ids=(), org_ids=(), errors: dict | None = None,
                 opened: bool = False) -> dict:
    """The invitation form: the persons found by `q` (those the session may invite, with their duties),
    the ones already picked first and checked (kept across searches and after an error), and the
    organisations serving the community — those already invited marked."""
    invited = session.invitations.values_list("person_id", "organisation_id")
    invited_persons = {p for p, _o in invited if p}
    invited_orgs = {o for _p, o in invited if o}
    picked = []
    if person_ids:
        chosen = (people_selectors.person_pick_list(actor=scope).filter(pk__in=person_ids)
                  .select_related("resident__household__unit__micro_grid"))
        by_id = {p.pk: p for p in chosen}
        picked = [by_id[pk] for pk in person_ids if pk in by_id]
    found, more = [], False
    if q:
        found = list(selectors.invite_person_picks(actor=scope, session=session, q=q)[: INVITE_PICKS + 1])
        more, found = len(found) > INVITE_PICKS, found[:INVITE_PICKS]
    picked_ids = {p.pk for p in picked}
    picks = picked + [p for p in found if p.pk not in picked_ids]
    for person in picks:
        person.invited = person.pk in invited_persons
    organisations = list(selectors.organisations_near(session.hall.community)[:100])
    for organisation in organisations:
        organisation.invited = organisation.pk in invited_orgs
    errors = errors or {}
    return {"q": q, "picks": picks, "picked_ids": picked_ids, "found": len(found), "more": more, "limit": INVITE_PICKS,
            "organisations": organisations, "org_ids": set(org_ids), "errors": errors,
            "open": opened or bool(q) or bool(errors)}


def _meeting_page(request, session, *, invite: dict | None = None, status: int = 200):
    scope = request_scope(request)
    session_id = session.pk
    record = services.record_for(session) if session.status == SessionStatus.PLANNED else selectors.record_of(session)
    invitations = list(selectors.invitation_list(actor=scope, session_id=session_id))
    attendances = list(selectors.attendance_list(actor=scope, session_id=session_id))
    present = {a.invitation_id for a in attendances if a.invitation_id}
    items = list(selectors.items_of(session))
    minutes = {m.item_id: m for m in Minutes.objects.filter(item__in=items)}
    for item in items:
        item.minutes_row = minutes.get(item.pk)
    resolutions = list(selectors.session_resolutions(actor=scope, session_id=session_id))
    if invite is None:
        invite = _invite_form(scope, session, q=request.GET.get("invite_q", "").strip()[:50])
    start, end = services.checkin_window(session)
    return render(request, "meetings/meeting.html", {
        "s": session, "record": record, "invitations": invitations, "present": present,
        "attendances": attendances, "quorum": services.quorum(session), "items": items,
        "resolutions": resolutions, "progress": selectors.follow_up_progress(resolutions),
        "organisations": invite["organisations"], "invite": invite, "window_start": start, "window_end": end,
        "writable": session.status not in services.CLOSED_SESSION,
        "checkin_url": request.build_absolute_uri(reverse("meeting-checkin", args=[record.checkin_token]))
        if record else "",
        "methods": Method.choices, "bases": Basis.choices, "thresholds": Threshold.choices,
        "default_due": timezone.localdate(session.starts_at) + dt.timedelta(days=30),
        "default_category": services.DEFAULT_CATEGORY,
        **_motions_context(session),
    }, status=status)


@login_required
@refusals
def meeting(request, session_id: int):
    session = selectors.session_for_staff(actor=request_scope(request), session_id=session_id)
    return _meeting_page(request, session)


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


def _picked(values) -> tuple[list[int], bool]:
    """The ids checked in the form, in order, once each; and whether some value was not an id."""
    ids = [form_id(v) for v in values]
    return list(dict.fromkeys(i for i in ids if i is not None)), any(i is None for i in ids)


@login_required
@refusals
def invite_picks(request, session_id: int):
    """The invitation form's live person search (an htmx partial); the persons checked so far
    (`persons`) stay at the top, checked. Without htmx: the meeting page with the search made."""
    scope = request_scope(request)
    session = selectors.session_for_staff(actor=scope, session_id=session_id)
    q = request.GET.get("invite_q", "").strip()[:50]
    if not is_htmx(request):
        return redirect(reverse("meeting", args=[session_id]) + "?" + urlencode({"invite_q": q}) + "#invite-box")
    person_ids, _bad = _picked(request.GET.getlist("persons"))
    return render(request, "meetings/_invite_picks.html",
                  {"s": session, "invite": _invite_form(scope, session, q=q, person_ids=person_ids)})


@login_required
@require_POST
@refusals
def invite(request, session_id: int):
    """Invite the persons and organisations checked. "查找" (`find`) re-renders the page with the search
    made and the checks kept (the form without JavaScript); a refusal re-renders it with the checks kept
    and the error beside the field it names."""
    scope = request_scope(request)
    session = selectors.session_for_staff(actor=scope, session_id=session_id)
    q = request.POST.get("invite_q", "").strip()[:50]
    person_ids, bad_persons = _picked(request.POST.getlist("persons"))
    org_ids, bad_orgs = _picked(request.POST.getlist("organisations"))
    form = {"q": q, "person_ids": person_ids, "org_ids": org_ids, "opened": True}
    if request.POST.get("find"):
        return _meeting_page(request, session, invite=_invite_form(scope, session, **form))
    errors = {}
    if bad_persons:
        errors["persons"] = "请从查找结果中勾选人员"
    if bad_orgs:
        errors["organisations"] = "请勾选组织"
    if not errors:
        try:
            rows = services.meeting_invite(actor=_actor(request), session_id=session_id, persons=person_ids,
                                           organisations=org_ids)
        except (NotFound, PermissionDenied):
            raise
        except ApplicationError as exc:
            for error in exc.errors or [FieldError("form", exc.message)]:
                errors.setdefault(error.field if error.field in INVITE_FIELDS else "form", error.message)
            return _meeting_page(request, session, invite=_invite_form(scope, session, errors=errors, **form),
                                 status=exc.status)
    if errors:
        return _meeting_page(request, session, invite=_invite_form(scope, session, errors=errors, **form), status=422)
    if rows:
        messages.success(request, f"已邀请{len(rows)}个，邀请已通过站内通知和邮件（附日历文件）发出")
    else:
        messages.info(request, "所选人员和组织都已邀请过")
    return _back(session_id, "invitations")


@_post
def attendance_add(request, session_id):
    services.meeting_attendance_add(
        actor=_actor(request), session_id=session_id, name=request.POST.get("name", ""),
        organisation=form_id(request.POST.get("organisation")), organisation_name=request.POST.get("organisation_name", ""))
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
        item=form_id(request.POST.get("item")), text=request.POST.get("text", ""),
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
        item=form_id(request.POST.get("item")), text=request.POST.get("text", ""),
        responsible_person=form_id(request.POST.get("responsible_person")),
        responsible_organisation=form_id(request.POST.get("responsible_organisation")), due_on=due,
        category=request.POST.get("category", services.DEFAULT_CATEGORY) or services.DEFAULT_CATEGORY,
        adopt_item_matters=request.POST.get("adopt") != "no", motion=form_id(request.POST.get("motion"))))
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
    session = invitation.session
    body = session_ics(session)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
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
        motion_id = form_id(request.POST.get("motion"))
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
        # the follow-ups as residents read them: how many matters stand in each state
        r.state_counts = Counter(m.get_state_display() for m in r.matters.all()).most_common()
    for entry in sessions.values():
        entry["progress"] = selectors.follow_up_progress(entry["rows"])
    return render(request, "meetings/resolutions.html", {"sessions": list(sessions.values())})
