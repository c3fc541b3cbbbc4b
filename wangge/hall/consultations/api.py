"""/api/v1 endpoints of 征求意见. Every endpoint needs a login. Running a consultation (create, change a
draft, attach and remove documents, open, close) needs CONSULT over its community: 404 outside the scope, 403
inside without it. Reading follows `selectors` (staff with VIEW once published, residents of the
audience); answering is for residents of the audience while it is open."""

from __future__ import annotations

from django.http import FileResponse
from ninja import File, Form, Query, Router, Status, UploadedFile

from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.people.access import Actor, request_scope

from . import selectors, services
from .schemas import (
    ConsultationDetailOut,
    ConsultationDocumentOut,
    ConsultationIn,
    ConsultationOut,
    ConsultationPatch,
    ConsultationQuery,
    ConsultationResponseIn,
    ConsultationResponseOut,
    ConsultationResultsOut,
)
from .serializers import consultation_detail_out, consultation_out

router = Router(tags=["consultations"])

_FILE = {"responses": {200: {"description": "附件", "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
}}}}


def _actor(request) -> Actor:
    return Actor.for_request(request)


def detail(request, consultation_id: int) -> dict:
    scope = request_scope(request)
    c, role = selectors.consultation_get(actor=scope, consultation_id=consultation_id)
    return consultation_detail_out(
        c, audience=selectors.audience_label(c), my_response=selectors.my_response(c, scope),
        results_available=selectors.may_read_results(c, role),
    )


@router.get("/consultations", response={200: list_of(ConsultationOut), **ERRORS}, operation_id="consultation_list")
def consultation_list(request, query: Query[ConsultationQuery]):
    """Consultations you may see: those you run, those published in your grids, those open to you as a
    resident. Newest closing time first."""
    qs = selectors.consultation_list(actor=request_scope(request), within=query.within, q=query.q,
                                     status=query.status)
    return page_of(qs, query, consultation_out)


@router.post("/consultations", response={201: ConsultationDetailOut, **ERRORS}, operation_id="consultation_create")
def consultation_create(request, payload: ConsultationIn):
    """A draft consultation: the proposal, the audience (grids and/or buildings of the community), the
    basis (per resident or per household), the window and the questionnaire."""
    data = payload.dict()
    c = services.consultation_create(actor=_actor(request), **data)
    return Status(201, detail(request, c.pk))


@router.get("/consultations/{consultation_id}", response={200: ConsultationDetailOut, **ERRORS},
            operation_id="consultation_get")
def consultation_get(request, consultation_id: Id):
    """One consultation with its questions, documents and (for a resident) their own answers."""
    return detail(request, consultation_id)


@router.patch("/consultations/{consultation_id}", response={200: ConsultationDetailOut, **ERRORS},
              operation_id="consultation_update")
def consultation_update(request, consultation_id: Id, payload: ConsultationPatch):
    """Change a draft (fields sent replace; `questions` replaces the questionnaire). Once published only
    `publish_results` may change, and `closes_at` may move later while it is open (409 otherwise)."""
    data = payload.dict(exclude_unset=True)
    services.consultation_update(actor=_actor(request), consultation_id=consultation_id, **data)
    return detail(request, consultation_id)


@router.post("/consultations/{consultation_id}/documents", response={201: ConsultationDocumentOut, **ERRORS},
             operation_id="consultation_document_add")
def consultation_document_add(request, consultation_id: Id, file: File[UploadedFile], name: Form[str] = ""):
    """Attach a document to a draft: PDF or photo (judged by content; at most 10 MB)."""
    from django.urls import reverse

    d = services.document_add(actor=_actor(request), consultation_id=consultation_id, data=file,
                              name=name or file.name or "")
    return Status(201, {"id": d.pk, "name": d.name, "content_type": d.content_type, "size": d.size,
                        "url": reverse("consultation-document", args=[consultation_id, d.pk])})


@router.get("/consultations/{consultation_id}/documents/{document_id}", response=ERRORS,
            operation_id="consultation_document", openapi_extra=_FILE)
def consultation_document(request, consultation_id: Id, document_id: Id):
    """A document, for those who may see the consultation."""
    d = selectors.document_get(actor=request_scope(request), consultation_id=consultation_id,
                               document_id=document_id)
    return document_response(d)


@router.delete("/consultations/{consultation_id}/documents/{document_id}", response={204: None, **ERRORS},
               operation_id="consultation_document_remove")
def consultation_document_remove(request, consultation_id: Id, document_id: Id):
    """Remove a document attached by mistake, while the consultation is a draft (409 once published). It
    is no longer served (404)."""
    services.document_remove(actor=_actor(request), consultation_id=consultation_id, document_id=document_id)
    return Status(204, None)


def document_response(d) -> FileResponse:
    response = FileResponse(d.file.open("rb"), content_type=d.content_type, filename=d.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/consultations/{consultation_id}/open", response={200: ConsultationDetailOut, **ERRORS},
             operation_id="consultation_open")
def consultation_open(request, consultation_id: Id):
    """Publish a draft: the audience may answer from `opens_at` until `closes_at` and is notified."""
    services.consultation_open(actor=_actor(request), consultation_id=consultation_id)
    return detail(request, consultation_id)


@router.post("/consultations/{consultation_id}/close", response={200: ConsultationDetailOut, **ERRORS},
             operation_id="consultation_close")
def consultation_close(request, consultation_id: Id):
    """Close now (it also closes by itself at `closes_at`)."""
    services.consultation_close(actor=_actor(request), consultation_id=consultation_id)
    return detail(request, consultation_id)


@router.post("/consultations/{consultation_id}/responses", response={201: ConsultationResponseOut, **ERRORS},
             operation_id="consultation_respond")
def consultation_respond(request, consultation_id: Id, payload: ConsultationResponseIn):
    """Answer as a resident of the audience while it is open; sending again changes your answers until it
    closes. With the household basis one response per household: another member gets 409."""
    response = services.consultation_respond(
        actor=_actor(request), consultation_id=consultation_id,
        answers=[a.dict() for a in payload.answers],
    )
    return Status(201, {"id": response.pk, "submitted_at": response.submitted_at,
                        "updated_at": response.updated_at})


@router.get("/consultations/{consultation_id}/results", response={200: ConsultationResultsOut, **ERRORS},
            operation_id="consultation_results")
def consultation_results(request, consultation_id: Id):
    """The summary: counts per option, scale mean and distribution, free-text answers without names, the
    response rate. CONSULT at any time; VIEW once closed; residents of the audience once closed if the
    results are published."""
    _c, summary = selectors.results_get(actor=request_scope(request), consultation_id=consultation_id)
    return summary
