"""Pages of 征求意见:

- `/consultations/` — for staff: the consultations they may see, and (with CONSULT) a form to start one
  with a simple question builder (htmx adds a question row; without htmx the form shows three rows);
- `/consultations/<id>/` — the consultation: proposal, documents, audience, window, the actions of the one
  who runs it (attach and remove documents, open, extend, close, publish results) and the results with bar
  charts;
- `/consultations/<id>/edit/` — the draft in the form it was started with, filled in (409 once published);
- `/consultations/<id>/answer/` — for a resident on a phone: one question per card, big radio buttons;
  sending again changes the answers until the consultation closes;
- `/my/consultations/` — for a resident: what is open to them now, and the published results.

Views parse, call one service or selector, and render; a refusal is shown on the page naming the field.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.errors import ApplicationError, Conflict
from wangge.core.schemas import MAX_ID
from wangge.core.views import form_id, refusals
from wangge.people.access import VIEW, Actor, request_scope

from . import selectors, services
from .api import document_response
from .models import Basis, Kind, Status

FIELD_LABELS = {
    "community": gettext_lazy("社区"), "title": gettext_lazy("标题"), "proposal": gettext_lazy("方案说明"),
    "basis": gettext_lazy("作答方式"), "opens_at": gettext_lazy("开始时间"), "closes_at": gettext_lazy("截止时间"),
    "item": gettext_lazy("议题"), "grids": gettext_lazy("征求网格"), "buildings": gettext_lazy("征求楼栋"),
    "questions": gettext_lazy("问卷"), "file": gettext_lazy("附件"), "name": gettext_lazy("文件名"),
}
ROWS_WITHOUT_HTMX = 3
_ROW = re.compile(r"^q-(\d{1,3})-text$")


def _lines(exc: ApplicationError) -> list[str]:
    if not exc.errors:
        return [exc.message]
    out = []
    for error in exc.errors:
        name = FIELD_LABELS.get(error.field.split(".")[0])
        if error.field.startswith(("questions.", "answers.")):
            name = None  # the message already says which question
        out.append(f"{name}：{error.message}" if name and not error.message.startswith(str(name)) else error.message)
    return out


def _when(value: str, field: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        from wangge.core.errors import InvalidInput

        raise InvalidInput.field(field, "时间格式不对，应如 2026-06-01 18:00")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _check(consultation_id: int) -> None:
    if consultation_id > MAX_ID:
        raise Http404("未找到该征求意见")


# -- the staff list and the form --------------------------------------------------------------------------


def _small_int(value: str, default: int):
    """A number typed in a question row: the default when empty, the raw text when it is not a number (the
    service then names the field)."""
    value = (value or "").strip()
    if not value:
        return default
    return int(value) if re.fullmatch(r"-?\d{1,3}", value) else value


def _question_rows(post) -> list[dict]:
    """The question rows of the builder as they were posted, in the order asked for by their 顺序 field
    (rows without one keep their place after the numbered ones); blank rows and rows ticked 删除 are
    dropped. Each row's `order` is then its question number, as the service's errors name it."""
    rows = []
    for n in sorted({int(m.group(1)) for k in post if (m := _ROW.match(k))}):
        get = lambda f, n=n: post.get(f"q-{n}-{f}", "")  # noqa: E731
        text, options = get("text").strip(), get("options")
        if get("remove") or (not text and not options.strip()):
            continue
        order = get("order").strip()
        rows.append({
            "n": n, "kind": get("kind"), "text": text, "options_text": options,
            "options": [line.strip() for line in options.splitlines() if line.strip()],
            "required": bool(get("required")), "min_label": get("min_label"), "max_label": get("max_label"),
            "scale_min": _small_int(get("scale_min"), 1), "scale_max": _small_int(get("scale_max"), 5),
            "order": int(order) if order.isdigit() and len(order) < 4 else None,
        })
    rows.sort(key=lambda r: (r["order"] is None, r["order"] or 0, r["n"]))
    for position, row in enumerate(rows, start=1):
        row["order"] = position
    return rows


def _question_specs(rows: list[dict]) -> list[dict]:
    return [{k: r[k] for k in ("kind", "text", "options", "required", "scale_min", "scale_max", "min_label",
                               "max_label")} for r in rows]


def _rows_of(c) -> list[dict]:
    """The questionnaire of a consultation as rows of the builder (the edit form, prefilled)."""
    return [{"n": q.position, "order": q.position, "kind": q.kind, "text": q.text,
             "options_text": "\n".join(o.text for o in q.options.all()), "required": q.required,
             "scale_min": q.scale_min, "scale_max": q.scale_max, "min_label": q.min_label,
             "max_label": q.max_label} for q in c.questions.all()]


def _mark_rows(rows: list[dict], exc: ApplicationError) -> None:
    """Put each question's errors beside its row (`questions.2.options` → the second row sent)."""
    for error in exc.errors:
        parts = error.field.split(".")
        if parts[0] == "questions" and len(parts) > 1 and parts[1].isdigit() and 0 < int(parts[1]) <= len(rows):
            rows[int(parts[1]) - 1].setdefault("errors", []).append(error.message)


def _audience_ids(audience: list[str]) -> tuple[list[int], list[int]]:
    return ([i for a in audience if a.startswith("g:") and (i := form_id(a[2:]))],
            [i for a in audience if a.startswith("b:") and (i := form_id(a[2:]))])


def _local_input(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _form_context(request, form: dict, rows: list[dict], *, community=None) -> dict:
    actor = Actor.for_request(request)
    communities = selectors.communities_for(actor.scope) if community is None else [community]
    if community is None:
        community = next((c for c in communities if c.pk == form_id(form.get("community"))), None)
    if community is None and len(communities) == 1:
        community = communities[0]
    grids, buildings = selectors.audience_choices(community) if community else ([], [])
    items = []
    if community is not None:
        from wangge.hall.agenda.models import Item, ItemKind

        items = list(Item.objects.filter(hall__community=community, kind=ItemKind.MAJOR).order_by("-id")[:50])
    if not rows:
        rows = [{"n": n, "kind": Kind.SINGLE if n == 1 else "", "required": True}
                for n in range(1, ROWS_WITHOUT_HTMX + 1)]
    audience = form.get("audience") or []
    return {"communities": communities, "community": community, "audience_grids": grids,
            "selected_grids": {form_id(a[2:]) for a in audience if a.startswith("g:")},
            "selected_buildings": {form_id(a[2:]) for a in audience if a.startswith("b:")},
            "audience_buildings": buildings, "items": items, "form": form, "rows": rows,
            "next_row": max(r["n"] for r in rows) + 1, "kinds": Kind.choices, "bases": Basis.choices}


@login_required
@refusals
def consultations(request):
    actor = Actor.for_request(request)
    scope = actor.scope
    can_run = selectors.can_consult_somewhere(scope)
    if not scope.is_staff_scope:
        return redirect("my-consultations")
    errors: list[str] = []
    form: dict = {}
    rows: list[dict] = []
    if request.method == "POST" and can_run:
        form = request.POST.dict()
        audience = request.POST.getlist("audience")
        form["audience"] = audience
        rows = _question_rows(request.POST)
        grids, buildings = _audience_ids(audience)
        try:
            c = services.consultation_create(
                actor=actor, community=form_id(form.get("community")) or 0, title=form.get("title", ""),
                proposal=form.get("proposal", ""), basis=form.get("basis", ""),
                opens_at=_when(form.get("opens_at", ""), "opens_at"),
                closes_at=_when(form.get("closes_at", ""), "closes_at"),
                item=form_id(form.get("item")), grids=grids, buildings=buildings, questions=_question_specs(rows),
                publish_results=bool(form.get("publish_results")),
            )
        except ApplicationError as exc:
            errors = _lines(exc)
            _mark_rows(rows, exc)
        else:
            messages.success(request, _("征求意见草稿已保存，可上传附件后发布。"))
            return redirect("consultation", c.pk)
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    q = request.GET.get("q", "")[:100]
    rows_qs = selectors.consultation_list(actor=scope, status=status or None, q=q)[:200]
    context = {"consultations": list(rows_qs), "can_run": can_run, "errors": errors, "status": status, "q": q,
               "statuses": Status.choices}
    if can_run:
        context.update(_form_context(request, form, rows))
    return render(request, "consultations/list.html", context, status=422 if errors else 200)


@login_required
@require_GET
def question_row(request):
    """htmx: one more empty question row for the builder."""
    n = form_id(request.GET.get("n")) or 1
    return render(request, "consultations/_question_row.html",
                  {"row": {"n": min(n, 999), "kind": "", "required": True}, "kinds": Kind.choices})


@login_required
@require_GET
def audience_options(request):
    """htmx: the grids and buildings of the chosen community."""
    actor = Actor.for_request(request)
    community = next((c for c in selectors.communities_for(actor.scope) if c.pk == form_id(request.GET.get("community"))),
                     None)
    grids, buildings = selectors.audience_choices(community) if community else ([], [])
    return render(request, "consultations/_audience.html",
                  {"audience_grids": grids, "audience_buildings": buildings, "form": {}})


# -- one consultation -------------------------------------------------------------------------------------


@login_required
@require_GET
@refusals
def consultation(request, consultation_id: int):
    _check(consultation_id)
    scope = request_scope(request)
    c, role = selectors.consultation_get(actor=scope, consultation_id=consultation_id)
    summary = selectors.results(c) if selectors.may_read_results(c, role) else None
    now = timezone.now()
    return render(request, "consultations/detail.html", {
        "c": c, "role": role, "manage": role == selectors.MANAGE, "summary": summary,
        "audience": selectors.audience_label(c), "status": c.effective_status(now),
        "status_label": c.status_label(now), "accepting": c.is_accepting(now),
        "eligible": selectors.eligible_count(c) if role == selectors.MANAGE else None,
        "mine": selectors.my_response(c, scope) if role == selectors.AUDIENCE else None,
        "errors": [m for m in request.session.pop("consultation_errors", [])],
    })


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def consultation_edit(request, consultation_id: int):
    """Change a draft: the same form as to start one, filled in. Once published the questionnaire is fixed:
    a page saying so (409), pointing to what may still change on the consultation's page."""
    _check(consultation_id)
    actor = Actor.for_request(request)
    c = selectors.consultation_to_run(actor=actor.scope, consultation_id=consultation_id)
    errors: list[str] = []
    if c.status != Status.DRAFT:
        return _locked(request, c)
    if request.method == "POST":
        form = request.POST.dict()
        audience = request.POST.getlist("audience")
        form["audience"] = audience
        rows = _question_rows(request.POST)
        grids, buildings = _audience_ids(audience)
        try:
            services.consultation_update(
                actor=actor, consultation_id=c.pk, title=form.get("title", ""), proposal=form.get("proposal", ""),
                basis=form.get("basis", ""), opens_at=_when(form.get("opens_at", ""), "opens_at"),
                closes_at=_when(form.get("closes_at", ""), "closes_at"), item=form_id(form.get("item")),
                grids=grids, buildings=buildings, questions=_question_specs(rows),
                publish_results=bool(form.get("publish_results")),
            )
        except Conflict as exc:
            c.refresh_from_db()
            return _locked(request, c, exc.message)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            errors = _lines(exc)
            _mark_rows(rows, exc)
        else:
            messages.success(request, _("征求意见草稿已修改。"))
            return redirect("consultation", c.pk)
    else:
        form = {"title": c.title, "proposal": c.proposal, "basis": c.basis, "opens_at": _local_input(c.opens_at),
                "closes_at": _local_input(c.closes_at), "item": str(c.item_id or ""),
                "publish_results": c.publish_results,
                "audience": [f"g:{g.pk}" for g in c.grids.all() if g.pk != c.community_id]
                + [f"b:{b.pk}" for b in c.buildings.all()]}
        rows = _rows_of(c)
    context = {"c": c, "errors": errors, **_form_context(request, form, rows, community=c.community)}
    return render(request, "consultations/edit.html", context, status=422 if errors else 200)


def _locked(request, c, message: str = ""):
    return render(request, "consultations/edit.html", {
        "c": c, "locked": message or _("征求意见已发布，方案、征求对象和问卷不能再修改（已有的回答会失去意义）。"),
        "status": c.effective_status(), "status_label": c.status_label(),
    }, status=409)


@login_required
@require_POST
def consultation_extend(request, consultation_id: int):
    """Move the closing time of an open consultation later."""
    actor = Actor.for_request(request)
    return _act(request, consultation_id,
                lambda: services.consultation_update(
                    actor=actor, consultation_id=consultation_id,
                    closes_at=_when(request.POST.get("closes_at", ""), "closes_at")),
                _("截止时间已延长。"))


@login_required
@require_POST
def document_remove(request, consultation_id: int, document_id: int):
    actor = Actor.for_request(request)
    if document_id > MAX_ID:
        raise Http404("未找到该附件")
    return _act(request, consultation_id,
                lambda: services.document_remove(actor=actor, consultation_id=consultation_id,
                                                 document_id=document_id),
                _("附件已删除。"))


def _act(request, consultation_id: int, call, done: str):
    _check(consultation_id)
    try:
        call()
    except ApplicationError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        if exc.status == 403:
            from wangge.core.views import forbidden

            return forbidden(request, exc.message)
        request.session["consultation_errors"] = _lines(exc)
    else:
        messages.success(request, done)
    return redirect("consultation", consultation_id)


@login_required
@require_POST
def consultation_open(request, consultation_id: int):
    actor = Actor.for_request(request)
    return _act(request, consultation_id,
                lambda: services.consultation_open(actor=actor, consultation_id=consultation_id),
                _("已发布，征求对象现在可以作答。"))


@login_required
@require_POST
def consultation_close(request, consultation_id: int):
    actor = Actor.for_request(request)
    return _act(request, consultation_id,
                lambda: services.consultation_close(actor=actor, consultation_id=consultation_id),
                _("征求意见已结束。"))


@login_required
@require_POST
def consultation_publish(request, consultation_id: int):
    actor = Actor.for_request(request)
    publish = request.POST.get("publish") == "1"
    return _act(request, consultation_id,
                lambda: services.consultation_update(actor=actor, consultation_id=consultation_id,
                                                     publish_results=publish),
                _("已向居民公开结果。") if publish else _("结果不再向居民公开。"))


@login_required
@require_POST
def document_upload(request, consultation_id: int):
    actor = Actor.for_request(request)
    upload = request.FILES.get("file")

    def call():
        if upload is None:
            from wangge.core.errors import InvalidInput

            raise InvalidInput.field("file", "请选择文件")
        services.document_add(actor=actor, consultation_id=consultation_id, data=upload,
                              name=request.POST.get("name", "") or upload.name)

    return _act(request, consultation_id, call, _("附件已上传。"))


@login_required
@require_GET
@refusals
def document(request, consultation_id: int, document_id: int):
    _check(consultation_id)
    if document_id > MAX_ID:
        raise Http404("未找到该附件")
    d = selectors.document_get(actor=request_scope(request), consultation_id=consultation_id,
                               document_id=document_id)
    return document_response(d)


# -- residents --------------------------------------------------------------------------------------------


def _answers_from(post, c) -> tuple[list[dict], dict]:
    answers, given = [], {}
    for q in c.questions.all():
        key = f"q-{q.pk}"
        if q.kind == Kind.MULTIPLE:
            chosen = [i for i in (form_id(v) for v in post.getlist(key)) if i]
            given[q.pk] = chosen
            answers.append({"question": q.pk, "options": chosen})
        elif q.kind == Kind.SINGLE:
            chosen = form_id(post.get(key))
            given[q.pk] = [chosen] if chosen else []
            answers.append({"question": q.pk, "options": [chosen] if chosen else []})
        elif q.kind == Kind.SCALE:
            raw = post.get(key, "").strip()
            value = int(raw) if re.fullmatch(r"-?\d{1,3}", raw) else (raw or None)
            given[q.pk] = value
            answers.append({"question": q.pk, "value": value})
        else:
            given[q.pk] = post.get(key, "")
            answers.append({"question": q.pk, "text": post.get(key, "")})
    return answers, given


def _given_from(response) -> dict:
    given: dict = {}
    if response is None:
        return given
    for a in response.answers.all():
        if a.option_id:
            given.setdefault(a.question_id, []).append(a.option_id)
        elif a.value is not None:
            given[a.question_id] = a.value
        else:
            given[a.question_id] = a.text
    return given


@login_required
@refusals
def answer(request, consultation_id: int):
    _check(consultation_id)
    actor = Actor.for_request(request)
    c, role = selectors.consultation_get(actor=actor.scope, consultation_id=consultation_id)
    mine = selectors.my_response(c, actor.scope)
    errors: list[str] = []
    given = _given_from(mine)
    status = 200
    if request.method == "POST":
        answers, given = _answers_from(request.POST, c)
        try:
            services.consultation_respond(actor=actor, consultation_id=c.pk, answers=answers)
        except ApplicationError as exc:
            if exc.status == 404:
                raise Http404(exc.message) from exc
            errors = _lines(exc)
            status = exc.status if exc.status in (403, 409, 422) else 400
        else:
            messages.success(request, _("您的意见已提交，谢谢！截止前可以修改。"))
            return redirect("consultation-answer", c.pk)
    now = timezone.now()
    for q in c.questions.all():
        q.given = given.get(q.pk)
    return render(request, "consultations/answer.html", {
        "c": c, "role": role, "mine": mine, "errors": errors, "accepting": c.is_accepting(now),
        "status_label": c.status_label(now), "audience": selectors.audience_label(c),
        "results_available": selectors.may_read_results(c, role),
        "foreign": bool(mine and mine.resident_id != getattr(actor.person, "resident_id", None)),
    }, status=status)


@login_required
@require_GET
def my_consultations(request):
    open_now, published = selectors.my_consultations(actor=request_scope(request))
    scope = request_scope(request)
    answered = set()
    if open_now:
        for c in open_now:
            if selectors.my_response(c, scope) is not None:
                answered.add(c.pk)
    return render(request, "consultations/my.html", {
        "open_now": open_now, "published": published, "answered": answered,
        "staff": scope.is_staff_scope and (scope.is_admin or bool(scope.paths(VIEW))),
    })
