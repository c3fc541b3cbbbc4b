"""Every read of 征求意见, scoped.

Who sees what:
- CONSULT over the community: everything (drafts, answers as results, documents) at any time.
- VIEW over the community or over a grid inside it (grid workers of its estates, joint-unit liaisons…):
  consultations once published, and their results once closed. A draft, or the results of an open consultation: 403.
- A resident currently living in the audience: the published consultation, its documents and their own
  answers; the results once closed if the secretary chose to publish them (otherwise 403).
- A resident of the community outside the audience: 403 naming the audience. Anyone else: 404.
Free-text answers are shown without names; no read returns who answered what.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wangge.core.errors import InvalidInput, NotFound, PermissionDenied
from wangge.core.text import normalize_query
from wangge.people.access import CONSULT, VIEW, Scope, actor_scope
from wangge.registry.models import GridNode, Household, Level, Resident
from wangge.registry.selectors import within_node

from .models import Answer, Basis, Consultation, Document, Kind, Response, Status

MANAGE, STAFF, AUDIENCE, OUTSIDER = "manage", "staff", "audience", "outsider"


# -- the audience ------------------------------------------------------------------------------------------


def audience_residents(c: Consultation) -> QuerySet[Resident]:
    """The residents currently living in the consultation's grids (with their subtrees) or buildings."""
    q = Q(pk__in=[])
    for grid in c.grids.all():
        q |= Q(household__unit__micro_grid__path__startswith=grid.path)
        q |= Q(household__unit__building__estate_grid__path__startswith=grid.path)
    building_ids = [b.pk for b in c.buildings.all()]
    if building_ids:
        q |= Q(household__unit__building_id__in=building_ids)
    return Resident.objects.filter(q, left_at__isnull=True)


def eligible_count(c: Consultation) -> int:
    """Residents, or households with at least one current resident, who may answer."""
    residents = audience_residents(c)
    if c.basis == Basis.HOUSEHOLD:
        return Household.objects.filter(pk__in=residents.values("household_id")).count()
    return residents.count()


def audience_label(c: Consultation) -> str:
    names = [g.name for g in c.grids.all()] + [
        f"{b.estate_grid.name}{b.name}" for b in c.buildings.select_related("estate_grid")
    ]
    return "、".join(names) + "的居民"


def _resident(scope: Scope) -> Resident | None:
    if not scope.household_id or not scope.person_id:
        return None
    return (Resident.objects.select_related("household__unit__building")
            .filter(person__pk=scope.person_id, left_at__isnull=True).first())


def staff_of(scope: Scope, community: GridNode) -> bool:
    """Staff with VIEW over the community or over a grid inside it (a grid member of one of its estates)."""
    return scope.can(VIEW, community) or community.pk in scope.ancestor_ids()


def require_consult(scope: Scope, community: GridNode) -> None:
    """CONSULT over the community, else 403 for its staff and residents (they know it exists), else 404."""
    if scope.can(CONSULT, community):
        return
    if staff_of(scope, community) or community.pk in scope.household_chain:
        raise PermissionDenied("您没有在该社区征求意见的权限")
    raise NotFound("未找到")


def role_of(scope: Scope, c: Consultation) -> str | None:
    """How the actor stands to a consultation: manage, staff, audience, outsider (a resident of the
    community outside the audience, or staff of a grid above who sees the community), or None (unseen)."""
    if scope.can(CONSULT, c.community):
        return MANAGE
    if staff_of(scope, c.community):
        return STAFF
    resident = _resident(scope)
    if resident is not None and audience_residents(c).filter(pk=resident.pk).exists():
        return AUDIENCE
    if c.community_id in scope.household_chain:
        return OUTSIDER
    return None


# -- lists and one consultation ----------------------------------------------------------------------------


def _visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    staff = scope.grid_q("community__", VIEW) | Q(community_id__in=scope.ancestor_ids())
    q = scope.grid_q("community__", CONSULT) | (staff & ~Q(status=Status.DRAFT))
    resident = _resident(scope)
    if resident is not None and scope.household_chain:
        q |= ~Q(status=Status.DRAFT) & (
            Q(grids__in=scope.household_chain) | Q(buildings=resident.household.unit.building_id)
        )
    return q


def consultation_list(
    *, actor, within: int | None = None, q: str | None = None, status: str | None = None, at=None,
) -> QuerySet[Consultation]:
    """Consultations the actor may see (see the module), newest closing time first. `status` is the
    status as people see it (an open consultation past its closing time counts as closed)."""
    scope = actor_scope(actor)
    now = at or timezone.now()
    ids = Consultation.objects.filter(_visible_q(scope)).values("pk")
    qs = (Consultation.objects.filter(pk__in=ids).select_related("community", "item")
          .annotate(response_count=Count("responses", distinct=True)))
    node = within_node(scope, within)
    if node is not None:
        # The consultations of the communities in the subtree, or of the community the grid lies in.
        qs = qs.filter(Q(community__path__startswith=node.path) | Q(community_id__in=node.ancestor_ids()))
    if status:
        if status not in Status.values:
            raise InvalidInput.field("status", "状态应为 draft（草稿）、open（征求中）或 closed（已结束）")
        if status == Status.OPEN:
            qs = qs.filter(status=Status.OPEN, closes_at__gt=now)
        elif status == Status.CLOSED:
            qs = qs.filter(Q(status=Status.CLOSED) | Q(status=Status.OPEN, closes_at__lte=now))
        else:
            qs = qs.filter(status=Status.DRAFT)
    if q:
        needle = normalize_query(q)
        if needle:
            qs = qs.filter(search_text__contains=needle)
    return qs.order_by("-closes_at", "-id")


def _get(consultation_id: int) -> Consultation:
    c = (Consultation.objects.select_related("community", "item", "created_by")
         .prefetch_related("grids", "buildings__estate_grid", "documents", "questions__options")
         .filter(pk=consultation_id).first())
    if c is None:
        raise NotFound("未找到该征求意见")
    return c


def consultation_get(*, actor, consultation_id: int) -> tuple[Consultation, str]:
    """One consultation and how the actor stands to it (404 outside, 403 inside where it may not be
    seen)."""
    scope = actor_scope(actor)
    c = _get(consultation_id)
    role = role_of(scope, c)
    if role == MANAGE:
        return c, role
    if role is None or (c.status == Status.DRAFT and role in (AUDIENCE, OUTSIDER)):
        raise NotFound("未找到该征求意见")
    if c.status == Status.DRAFT:
        raise PermissionDenied("征求意见草稿只有负责征求意见的人员可以查看")
    if role == OUTSIDER:
        raise PermissionDenied(f"您不在本次征求意见的范围内（征求对象：{audience_label(c)}）")
    return c, role


def consultation_to_run(*, actor, consultation_id: int) -> Consultation:
    """A consultation for the one who runs it (the edit page): as `consultation_get`, then CONSULT over its
    community (403 for its staff and residents who may see it, 404 for anyone else)."""
    scope = actor_scope(actor)
    c, role = consultation_get(actor=scope, consultation_id=consultation_id)
    if role != MANAGE:
        require_consult(scope, c.community)
    return c


def results_get(*, actor, consultation_id: int, at=None) -> tuple[Consultation, dict]:
    """The summary of the answers, for those who may read it now (see the module)."""
    c, role = consultation_get(actor=actor, consultation_id=consultation_id)
    closed = c.is_closed(at)
    if role == STAFF and not closed:
        raise PermissionDenied("征求结束后才能查看结果")
    if role == AUDIENCE and not (closed and c.publish_results):
        raise PermissionDenied("征求结果尚未公开")
    return c, results(c)


def may_read_results(c: Consultation, role: str, at=None) -> bool:
    if role == MANAGE:
        return True
    closed = c.is_closed(at)
    return closed and (role == STAFF or (role == AUDIENCE and c.publish_results))


def document_get(*, actor, consultation_id: int, document_id: int) -> Document:
    c, _role = consultation_get(actor=actor, consultation_id=consultation_id)
    document = Document.objects.filter(consultation=c, pk=document_id).first()
    if document is None:
        raise NotFound("未找到该附件")
    return document


def my_response(c: Consultation, actor) -> Response | None:
    """The response the actor's resident (or, with the household basis, their household) has given."""
    resident = _resident(actor_scope(actor))
    if resident is None:
        return None
    qs = Response.objects.filter(consultation=c).prefetch_related("answers")
    if c.basis == Basis.HOUSEHOLD:
        return qs.filter(basis=Basis.HOUSEHOLD, household_id=resident.household_id).first()
    return qs.filter(basis=Basis.RESIDENT, resident=resident).first()


def my_consultations(*, actor, at=None) -> tuple[list[Consultation], list[Consultation]]:
    """For a resident: the consultations open to them now, and the closed ones whose results are
    published."""
    scope = actor_scope(actor)
    now = at or timezone.now()
    resident = _resident(scope)
    if resident is None:
        return [], []
    audience = Q(grids__in=scope.household_chain) | Q(buildings=resident.household.unit.building_id)
    ids = Consultation.objects.filter(audience, ~Q(status=Status.DRAFT)).values("pk")
    rows = [c for c in Consultation.objects.filter(pk__in=ids).select_related("community")
            .prefetch_related("grids", "buildings") if audience_residents(c).filter(pk=resident.pk).exists()]
    open_now = sorted((c for c in rows if c.status == Status.OPEN and not c.is_closed(now)),
                      key=lambda c: c.closes_at)
    published = sorted((c for c in rows if c.is_closed(now) and c.publish_results),
                       key=lambda c: c.closes_at, reverse=True)
    return open_now, published


def can_consult_somewhere(actor) -> bool:
    scope = actor_scope(actor)
    return scope.is_admin or bool(scope.paths(CONSULT))


def communities_for(actor) -> list[GridNode]:
    """The communities where the actor may open a consultation."""
    scope = actor_scope(actor)
    qs = GridNode.objects.filter(level=Level.COMMUNITY)
    if not scope.is_admin:
        qs = qs.filter(scope.grid_q("", CONSULT))
    return list(qs.order_by("code"))


def audience_choices(community: GridNode) -> tuple[list[GridNode], list]:
    """The grids below a community and its buildings, to choose an audience from."""
    from wangge.registry.models import Building

    grids = list(GridNode.objects.filter(path__startswith=community.path).exclude(pk=community.pk)
                 .order_by("path"))
    buildings = list(Building.objects.filter(estate_grid__path__startswith=community.path)
                     .select_related("estate_grid").order_by("estate_grid__code", "name"))
    return grids, buildings


def for_item(*, actor, item) -> list[tuple[Consultation, dict | None]]:
    """The consultations attached to an agenda item that the actor may see, each with its summary when the
    actor may read it (None otherwise): what the session page shows for the item."""
    scope = actor_scope(actor)
    out = []
    for c in (Consultation.objects.filter(item=item).select_related("community")
              .prefetch_related("grids", "buildings").order_by("id")):
        role = role_of(scope, c)
        if role is None or role == OUTSIDER or (c.status == Status.DRAFT and role != MANAGE):
            continue
        out.append((c, results(c) if may_read_results(c, role) else None))
    return out


# -- results -----------------------------------------------------------------------------------------------


def _share(n: int, of: int) -> float:
    return round(n / of, 4) if of else 0.0


def results(c: Consultation) -> dict:
    """Counts per option, scale mean and distribution, the free-text answers (without names), and the
    response rate: responses ÷ eligible residents (or households with the household basis) now living in
    the audience. Four queries whatever the number of questions."""
    questions = list(c.questions.prefetch_related("options").order_by("position"))
    responses = Response.objects.filter(consultation=c).count()
    eligible = eligible_count(c)
    answers = Answer.objects.filter(response__consultation=c)
    answered = dict(answers.values_list("question_id").annotate(n=Count("response_id", distinct=True)))
    counts: dict[tuple[int, int | None, int | None], int] = {
        (row["question_id"], row["option_id"], row["value"]): row["n"]
        for row in answers.filter(text="").values("question_id", "option_id", "value").annotate(n=Count("id"))
    }
    texts: dict[int, list[str]] = {}
    for qid, text in answers.exclude(text="").order_by("response_id", "id").values_list("question_id", "text"):
        texts.setdefault(qid, []).append(text)
    out = []
    for question in questions:
        n = answered.get(question.pk, 0)
        row = {"id": question.pk, "position": question.position, "kind": question.kind, "text": question.text,
               "required": question.required, "answered": n, "options": [], "distribution": [], "mean": None,
               "scale_min": question.scale_min, "scale_max": question.scale_max,
               "min_label": question.min_label, "max_label": question.max_label, "texts": []}
        if question.is_choice:
            for option in question.options.all():
                k = counts.get((question.pk, option.pk, None), 0)
                row["options"].append({"id": option.pk, "text": option.text, "count": k, "share": _share(k, n)})
        elif question.kind == Kind.SCALE:
            total = 0
            for value in question.scale_values:
                k = counts.get((question.pk, None, value), 0)
                total += k * value
                row["distribution"].append({"value": value, "count": k, "share": _share(k, n)})
            row["mean"] = round(total / n, 2) if n else None
        else:
            row["texts"] = texts.get(question.pk, [])
        out.append(row)
    return {"basis": c.basis, "eligible": eligible, "responses": responses, "rate": _share(responses, eligible),
            "questions": out}
