"""Pages of 评选.

- `/elections/` (elections): residents see their community's elections (open ones first); staff who run
  elections also the drafts and a link to create one.
- `/elections/new/` (election-new): create an election (ELECTIONS).
- `/elections/<id>/` (election-detail): the phone page — nominate, vote once, results once published; for
  the staff also the pending nominations to approve, and the publish buttons.
- `/elections/<id>/audit/` (election-audit): the audit trail (ELECTIONS).
- `/elections/<id>/edit/` (election-edit): change an election that is not yet in voting (ELECTIONS): its
  title, description, candidate rule, vote basis and windows, as `election_update` allows.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.core.errors import ApplicationError, InvalidInput, PermissionDenied
from wangge.core.views import field_errors, form_id, refusals
from wangge.people.access import ELECTIONS, Actor
from wangge.registry.models import GridNode, Level

from . import selectors, services
from .models import Basis, Eligibility, Phase


def _communities(scope):
    qs = GridNode.objects.filter(level=Level.COMMUNITY)
    return [g for g in qs.filter(scope.grid_q("", ELECTIONS)).order_by("code")] if not scope.is_admin else list(
        qs.order_by("code"))


@login_required
@refusals
def election_index(request):
    actor = Actor.for_request(request)
    resident = actor.person.resident if actor.person is not None and actor.person.resident_id else None
    qs = list(selectors.with_voted(selectors.election_list(actor=actor.scope), resident))
    order = {Phase.VOTING: 0, Phase.NOMINATING: 1, Phase.REVIEWING: 2, Phase.UPCOMING: 3, Phase.COUNTING: 4,
             Phase.DRAFT: 5, Phase.FINISHED: 6}
    qs.sort(key=lambda e: order[e.phase()])
    voted = {e.pk for e in qs if getattr(e, "has_voted_annotated", False)}
    return render(request, "elections/index.html", {
        "elections": qs, "voted": voted, "can_create": bool(_communities(actor.scope)),
    })


def _local(value: str, field: str) -> dt.datetime:
    parsed = parse_datetime((value or "").strip())
    if parsed is None:
        raise InvalidInput.field(field, _("请填写日期时间"))
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@login_required
@refusals
@require_http_methods(["GET", "POST"])
def election_new(request):
    actor = Actor.for_request(request)
    communities = _communities(actor.scope)
    if not communities:
        raise PermissionDenied(_("您没有举办评选的权限"))
    errors: dict[str, str] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            fields = {f: _local(request.POST.get(f), f) for f in
                      ("nomination_opens", "nomination_closes", "voting_opens", "voting_closes")}
            election = services.election_create(
                actor=actor, community=form_id(request.POST.get("community")) or 0, title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                eligibility=request.POST.get("eligibility", ""), basis=request.POST.get("basis", ""),
                votes_per_voter=form_id(request.POST.get("votes_per_voter")) or 1,
                announce=request.POST.get("announce") == "on", **fields,
            )
        except InvalidInput as exc:
            errors = field_errors(exc)
        else:
            messages.success(request, _("评选已创建"))
            return redirect("election-detail", election.pk)
    return render(request, "elections/new.html", {
        "communities": communities, "eligibilities": Eligibility.choices, "bases": Basis.choices,
        "errors": errors, "values": values,
    }, status=422 if errors else 200)


WINDOWS = ("nomination_opens", "nomination_closes", "voting_opens", "voting_closes")


def _local_input(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def editable(election, now=None) -> bool:
    """The edit page is for elections not yet in voting: drafts, and announced ones before voting opens."""
    now = now or timezone.now()
    return election.results_published_at is None and (election.announced_at is None or now < election.voting_opens)


@login_required
@refusals
@require_http_methods(["GET", "POST"])
def election_edit(request, election_id: int):
    actor = Actor.for_request(request)
    election = selectors.election_get(actor=actor.scope, election_id=election_id)
    if not selectors.can_run(actor.scope, election):
        raise PermissionDenied(_("您没有举办评选的权限"))
    if not editable(election):
        messages.error(request, _("投票已开始，评选不能再在此修改"))
        return redirect("election-detail", election.pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        p = values = request.POST
        try:
            votes = (p.get("votes_per_voter") or "").strip()
            if not (votes.isascii() and votes.isdigit()):
                raise InvalidInput.field("votes_per_voter", "每票可选人数应为1到10")
            windows = {}
            for field in WINDOWS:
                when = _local(p.get(field), field)
                old = getattr(election, field)
                # The form shows minutes: a time sent back as shown is no change (a passed one may not move).
                if when.replace(second=0, microsecond=0) != old.replace(second=0, microsecond=0):
                    windows[field] = when
            election = services.election_update(
                actor=actor, election_id=election.pk, title=p.get("title", ""), description=p.get("description", ""),
                eligibility=p.get("eligibility", ""), basis=p.get("basis", ""), votes_per_voter=int(votes), **windows)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            errors = field_errors(exc)
            if not isinstance(exc, InvalidInput):
                errors.setdefault("form", exc.message)
        else:
            messages.success(request, _("评选已保存"))
            return redirect("election-detail", election.pk)
    else:
        values = {"title": election.title, "description": election.description, "eligibility": election.eligibility,
                  "basis": election.basis, "votes_per_voter": str(election.votes_per_voter)} | {
            f: _local_input(getattr(election, f)) for f in WINDOWS}
    return render(request, "elections/new.html", {
        "election": election, "eligibilities": Eligibility.choices, "bases": Basis.choices, "errors": errors,
        "values": values,
    }, status=422 if errors else 200)


@login_required
@refusals
def election_detail(request, election_id: int):
    actor = Actor.for_request(request)
    election = selectors.election_get(actor=actor.scope, election_id=election_id)
    can_run = selectors.can_run(actor.scope, election)
    resident = services.current_resident(actor, election)
    now = timezone.now()
    results = None
    if election.results_published_at is not None or can_run:
        results = selectors.results(actor=actor.scope, election=election)
    nominees = []
    if (resident is not None and election.nominating(now)) or (can_run and now < election.voting_opens):
        nominees = list(selectors.eligible_nominees(election=election, q=request.GET.get("q", ""))
                        .select_related("household__unit__building")[:50])
    return render(request, "elections/detail.html", {
        "election": election, "can_run": can_run, "resident": resident,
        "voted": selectors.has_voted(resident=resident, election=election),
        "nominations": selectors.nominations(actor=actor.scope, election=election),
        "results": results, "nominees": nominees, "now": now,
        "voting": election.voting(now) and election.announced_at is not None,
        "nominating": election.nominating(now) and election.announced_at is not None,
        "staff_nominating": can_run and now < election.voting_opens,
        "counting": now >= election.voting_closes, "editable": can_run and editable(election, now),
    })


def _act(request, fn, success: str):
    try:
        fn()
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.errors[0].message if exc.errors else exc.message))
    else:
        messages.success(request, success)


@login_required
@refusals
@require_POST
def election_nominate(request, election_id: int):
    actor = Actor.for_request(request)
    _act(request, lambda: services.nomination_create(
        actor=actor, election_id=election_id, nominee=form_id(request.POST.get("nominee")) or 0,
        reason=request.POST.get("reason", "")), _("提名已提交，等待社区审核"))
    return redirect("election-detail", election_id)


@login_required
@refusals
@require_POST
def election_decide(request, election_id: int, nomination_id: int):
    actor = Actor.for_request(request)
    approve = request.POST.get("decision") != "decline"
    _act(request, lambda: services.nomination_decide(
        actor=actor, election_id=election_id, nomination_id=nomination_id, approve=approve,
        citation=request.POST.get("citation", "")), _("已确定为候选人") if approve else _("提名未通过"))
    return redirect("election-detail", election_id)


@login_required
@refusals
@require_POST
def election_vote(request, election_id: int):
    actor = Actor.for_request(request)
    chosen = [form_id(v) or 0 for v in request.POST.getlist("candidates")]
    _act(request, lambda: services.vote_cast(actor=actor, election_id=election_id, candidates=chosen),
         _("投票成功，谢谢参与"))
    return redirect("election-detail", election_id)


@login_required
@refusals
@require_POST
def election_publish(request, election_id: int):
    actor = Actor.for_request(request)
    results = request.POST.get("results") == "1"
    _act(request, lambda: services.election_publish(actor=actor, election_id=election_id, results=results),
         _("结果已公布") if results else _("评选已发布"))
    return redirect("election-detail", election_id)


@login_required
@refusals
def election_audit(request, election_id: int):
    actor = Actor.for_request(request)
    entries = selectors.audit(actor=actor.scope, election_id=election_id)
    election = selectors.election_get(actor=actor.scope, election_id=election_id)
    return render(request, "elections/audit.html", {"election": election, "entries": entries[:1000]})
