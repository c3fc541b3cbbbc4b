"""/api/v1 endpoints of 矛盾纠纷调解: disputes, their parties, mediators, sessions, outcome, agreement
PDF, signed copy, follow-up visit, and unmasking a party. Every endpoint needs a login and MEDIATE over
the dispute's grid (404 outside the scope, 403 inside without it)."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from ninja import File, Query, Router, Status, UploadedFile

from wangge.core.errors import NotFound
from wangge.core.schemas import ERRORS, Id, list_of, page_of
from wangge.people.access import Actor, request_scope

from . import pdf, selectors, services
from .schemas import (
    DisputeConcludeIn,
    DisputeDetailOut,
    DisputeIn,
    DisputeOut,
    DisputeQuery,
    DisputeUnmaskIn,
    FollowUpIn,
    MediatorsIn,
    PartyIn,
    PartyOut,
    PartyPiiOut,
    SessionIn,
    SessionOut,
)
from .serializers import dispute_detail_out, dispute_out, party_out, session_out

router = Router(tags=["disputes"])

_FILE = {"responses": {200: {"description": "文件", "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
}}}}


def _actor(request) -> Actor:
    return Actor.for_request(request)


def _detail(request, dispute_id: int) -> dict:
    return dispute_detail_out(selectors.dispute_get(actor=request_scope(request), dispute_id=dispute_id))


@router.get("/disputes", response={200: list_of(DisputeOut), **ERRORS}, operation_id="dispute_list")
def dispute_list(request, query: Query[DisputeQuery]):
    """Disputes over the grids where you may mediate, newest first."""
    qs = selectors.dispute_list(actor=request_scope(request), status=query.status, kind=query.kind,
                                within=query.within, q=query.q, follow_up_due=query.follow_up_due)
    return page_of(qs, query, dispute_out)


@router.post("/disputes", response={201: DisputeDetailOut, **ERRORS}, operation_id="dispute_create")
def dispute_create(request, payload: DisputeIn):
    """Open a dispute at a grid or household, or from a matter (`matter`: its grid, household and reporter;
    the matter is then handled by the mediation and closed when the dispute concludes)."""
    data = payload.dict()
    data["parties"] = [services.PartyIn(**p) for p in data["parties"]]
    dispute = services.dispute_open(actor=_actor(request), data=services.DisputeIn(**data))
    return Status(201, _detail(request, dispute.pk))


@router.get("/disputes/{dispute_id}", response={200: DisputeDetailOut, **ERRORS}, operation_id="dispute_get")
def dispute_get(request, dispute_id: Id):
    """One dispute: parties (phones and ID numbers masked), mediators, sessions, outcome, follow-up."""
    return _detail(request, dispute_id)


@router.post("/disputes/{dispute_id}/parties", response={201: PartyOut, **ERRORS}, operation_id="dispute_party_add")
def dispute_party_add(request, dispute_id: Id, payload: PartyIn):
    """Add a party: a resident (`resident`) or an outsider (`name`, optional `phone`, `id_number`)."""
    party = services.dispute_party_add(actor=_actor(request), dispute_id=dispute_id,
                                       party=services.PartyIn(**payload.dict()))
    return Status(201, party_out(party))


@router.post("/disputes/{dispute_id}/mediators", response={200: DisputeDetailOut, **ERRORS},
             operation_id="dispute_mediators_set")
def dispute_mediators_set(request, dispute_id: Id, payload: MediatorsIn):
    """Set the mediators; those newly named are notified."""
    services.dispute_mediators_set(actor=_actor(request), dispute_id=dispute_id, mediators=payload.mediators)
    return _detail(request, dispute_id)


@router.post("/disputes/{dispute_id}/sessions", response={201: SessionOut, **ERRORS},
             operation_id="dispute_session_add")
def dispute_session_add(request, dispute_id: Id, payload: SessionIn):
    """Log a mediation session: when, where, notes, which parties and mediators attended."""
    session = services.dispute_session_add(actor=_actor(request), dispute_id=dispute_id, **payload.dict())
    return Status(201, session_out(session))


@router.post("/disputes/{dispute_id}/conclusion", response={200: DisputeDetailOut, **ERRORS},
             operation_id="dispute_conclude")
def dispute_conclude(request, dispute_id: Id, payload: DisputeConcludeIn):
    """Record the outcome. agreement needs `agreement_terms` (follow-up visit `follow_up_on`, default in 30
    days); referred needs `referred_to` and `referred_body`; failed needs `failure_reason`; withdrawn needs
    `withdrawal_reason`. A missing field answers 422 naming it, and nothing is written."""
    services.dispute_conclude(actor=_actor(request), dispute_id=dispute_id,
                              outcome=services.OutcomeIn(**payload.dict()))
    return _detail(request, dispute_id)


@router.get("/disputes/{dispute_id}/agreement.pdf", response=ERRORS,
            operation_id="dispute_agreement_pdf", openapi_extra=_FILE)
def dispute_agreement_pdf(request, dispute_id: Id):
    """The mediation agreement (人民调解协议书) as a PDF in Chinese; ID numbers and phones masked."""
    dispute = selectors.dispute_get(actor=request_scope(request), dispute_id=dispute_id)
    if dispute.status != "agreement":
        raise NotFound("该纠纷尚未达成协议")
    response = HttpResponse(pdf.agreement_pdf(dispute), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.filename(dispute)}"'
    return response


@router.post("/disputes/{dispute_id}/signed-copy", response={200: DisputeDetailOut, **ERRORS},
             operation_id="dispute_signed_copy")
def dispute_signed_copy(request, dispute_id: Id, file: File[UploadedFile]):
    """Upload the signed agreement: PDF or a photo (JPEG, PNG, WebP, HEIC; at most 10 MB). The type is
    judged by the content."""
    services.dispute_signed_copy(actor=_actor(request), dispute_id=dispute_id, data=file)
    return _detail(request, dispute_id)


@router.get("/disputes/{dispute_id}/signed-copy", response=ERRORS,
            operation_id="dispute_signed_copy_get", openapi_extra=_FILE)
def dispute_signed_copy_get(request, dispute_id: Id):
    """The signed agreement as uploaded (PDF or JPEG)."""
    dispute = selectors.dispute_get(actor=request_scope(request), dispute_id=dispute_id)
    return signed_copy_response(dispute)


def signed_copy_response(dispute) -> FileResponse:
    if not dispute.signed_copy:
        raise NotFound("尚未上传签字协议")
    ext = "pdf" if dispute.signed_copy_type == "application/pdf" else "jpg"
    return FileResponse(dispute.signed_copy.open("rb"), content_type=dispute.signed_copy_type or "application/pdf",
                        filename=f"agreement-{dispute.pk}-signed.{ext}")


@router.post("/disputes/{dispute_id}/follow-up", response={200: DisputeDetailOut, **ERRORS},
             operation_id="dispute_follow_up")
def dispute_follow_up(request, dispute_id: Id, payload: FollowUpIn):
    """The follow-up visit after an agreement is done: how the agreement holds."""
    services.dispute_follow_up(actor=_actor(request), dispute_id=dispute_id, note=payload.note,
                               done_on=payload.done_on)
    return _detail(request, dispute_id)


@router.post("/disputes/{dispute_id}/parties/{party_id}/unmask", response={200: PartyPiiOut, **ERRORS},
             operation_id="dispute_party_unmask")
def dispute_party_unmask(request, dispute_id: Id, party_id: Id, payload: DisputeUnmaskIn):
    """A party's phone and ID number in full; needs the unmask permission over the grid, logged with your
    reason."""
    return services.dispute_party_unmask(actor=_actor(request), dispute_id=dispute_id, party_id=party_id,
                                         reason=payload.reason)
