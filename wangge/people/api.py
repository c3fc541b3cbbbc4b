"""/api/v1 routes about people: tokens, me, persons, organisations, duties, the PII access log."""

from __future__ import annotations

from ninja import Query, Router, Status

from wangge.core.schemas import ERRORS, Id, ListQuery, list_of, page_of
from wangge.registry.selectors import grid_get, resident_get

from . import selectors, services
from .access import request_scope
from .models import Duty
from .schemas import (
    AccessLogOut,
    DutyEndIn,
    DutyIn,
    DutyOut,
    DutyQuery,
    MeOut,
    OrganisationDetailOut,
    OrganisationOut,
    OrganisationQuery,
    PersonDetailOut,
    PersonFromResidentIn,
    PersonIn,
    PersonOut,
    PersonPatchIn,
    TokenIn,
    TokenOut,
)

router = Router(tags=["people"])
auth_router = Router(tags=["auth"])


@auth_router.post("/auth/token", response={200: TokenOut, **ERRORS}, auth=None, operation_id="auth_token")
def auth_token(request, payload: TokenIn):
    """Exchange a username and password for a bearer token (`Authorization: Bearer <token>`)."""
    token, record = services.token_issue(username=payload.username, password=payload.password)
    return {"token": token, "expires_at": record.expires_at}


def duty_brief(d: Duty) -> dict:
    return {
        "id": d.pk, "role": d.role, "role_label": str(d.get_role_display()), "grid_id": d.grid_id,
        "grid_name": d.grid.name, "start": d.start, "end": d.end,
    }


def duty_out(d: Duty) -> dict:
    return {
        "id": d.pk, "person_id": d.person_id, "person_name": d.person.name, "role": d.role,
        "role_label": str(d.get_role_display()), "grid_id": d.grid_id, "grid_code": d.grid.code,
        "grid_name": d.grid.name, "organisation_id": d.organisation_id, "start": d.start, "end": d.end,
        "is_current": d.is_current, "note": d.note,
    }


def person_out(p) -> dict:
    return {
        "id": p.pk, "name": p.name, "phone": p.masked_phone, "is_resident": p.resident_id is not None,
        "has_login": p.user_id is not None, "subdistrict_id": p.subdistrict_id,
    }


def organisation_out(o) -> dict:
    return {
        "id": o.pk, "name": o.name, "kind": o.kind, "kind_label": str(o.get_kind_display()),
        "parent_id": o.parent_id, "grid_id": o.grid_id, "grid_name": o.grid.name,
    }


@router.get("/me", response={200: MeOut, **ERRORS}, operation_id="me")
def me(request):
    scope = request_scope(request)
    person = getattr(request.user, "person", None)
    duties = selectors.duty_list(actor=scope, person=person.pk) if person else []
    return {
        "username": request.user.get_username(), "is_admin": scope.is_admin,
        "person_id": person.pk if person else None, "name": person.name if person else request.user.get_username(),
        "household_id": scope.household_id, "duties": [duty_brief(d) for d in duties],
        "scope_grid_ids": sorted({g.grid_id for g in scope.grants}),
    }


@router.get("/persons", response={200: list_of(PersonOut), **ERRORS}, operation_id="person_list")
def person_list(request, query: Query[ListQuery]):
    return page_of(selectors.person_list(actor=request_scope(request), within=query.within, q=query.q), query, person_out)


@router.post("/persons", response={201: PersonOut, **ERRORS}, operation_id="person_create")
def person_create(request, payload: PersonIn):
    """Register a person who is not a resident — property staff, a joint unit's officer — at a grid
    (needs the people-management permission there), so that they can be given duties. Residents become
    persons through `POST /persons/from-resident`."""
    scope = request_scope(request)
    grid = grid_get(actor=scope, grid_id=payload.grid_id)
    person = services.person_create(actor=scope, name=payload.name, phone=payload.phone, grid=grid)
    return Status(201, person_out(person))


@router.post("/persons/from-resident", response={200: PersonOut, 201: PersonOut, **ERRORS},
             operation_id="person_from_resident")
def person_from_resident(request, payload: PersonFromResidentIn):
    """The resident's person, created from the household register (201) or as it already was (200).
    Needs the people-management permission at the resident's grid."""
    scope = request_scope(request)
    resident = resident_get(actor=scope, resident_id=payload.resident_id)
    person, created = services.person_from_resident(actor=scope, resident=resident)
    return Status(201 if created else 200, person_out(person))


@router.patch("/persons/{person_id}", response={200: PersonOut, **ERRORS}, operation_id="person_update")
def person_update(request, person_id: Id, payload: PersonPatchIn):
    """Correct the name or phone of a person who is not a resident (a resident's are corrected in the
    household register). Fields left out stay as they are."""
    scope = request_scope(request)
    person = selectors.person_get(actor=scope, person_id=person_id)
    fields = payload.model_dump(exclude_unset=True)
    person = services.person_update(actor=scope, person=person, name=fields.get("name"), phone=fields.get("phone"))
    return person_out(person)


@router.get("/persons/{person_id}", response={200: PersonDetailOut, **ERRORS}, operation_id="person_get")
def person_get(request, person_id: Id):
    scope = request_scope(request)
    person = selectors.person_get(actor=scope, person_id=person_id)
    duties = selectors.duty_list(actor=scope, person=person.pk, current=None)
    return {**person_out(person), "duties": [duty_brief(d) for d in duties]}


@router.get("/organisations", response={200: list_of(OrganisationOut), **ERRORS}, operation_id="organisation_list")
def organisation_list(request, query: Query[OrganisationQuery]):
    qs = selectors.organisation_list(actor=request_scope(request), kind=query.kind, within=query.within, q=query.q)
    return page_of(qs, query, organisation_out)


@router.get("/organisations/{organisation_id}", response={200: OrganisationDetailOut, **ERRORS},
            operation_id="organisation_get")
def organisation_get(request, organisation_id: Id):
    scope = request_scope(request)
    org = selectors.organisation_get(actor=scope, organisation_id=organisation_id)
    members = [
        {"person_id": m.person_id, "name": m.person.name, "post": m.post, "is_party_member": m.is_party_member}
        for m in selectors.membership_list(actor=scope, organisation=org)
    ]
    return {**organisation_out(org), "members": members}


@router.get("/duties", response={200: list_of(DutyOut), **ERRORS}, operation_id="duty_list")
def duty_list(request, query: Query[DutyQuery]):
    qs = selectors.duty_list(
        actor=request_scope(request), role=query.role, within=query.within, q=query.q,
        current={"current": True, "ended": False, "all": None}[query.status],
        person=query.person,
    )
    return page_of(qs, query, duty_out)


@router.get("/duties/{duty_id}", response={200: DutyOut, **ERRORS}, operation_id="duty_get")
def duty_get(request, duty_id: Id):
    return duty_out(selectors.duty_get(actor=request_scope(request), duty_id=duty_id))


@router.post("/duties", response={201: DutyOut, **ERRORS}, operation_id="duty_assign")
def duty_assign(request, payload: DutyIn):
    """Give a person a duty at a grid node (needs the people-management permission there)."""
    scope = request_scope(request)
    person = selectors.person_get(actor=scope, person_id=payload.person_id)
    grid = grid_get(actor=scope, grid_id=payload.grid_id)
    organisation = (
        selectors.organisation_get(actor=scope, organisation_id=payload.organisation_id)
        if payload.organisation_id else None
    )
    duty = services.duty_assign(
        actor=scope, person=person, role=payload.role, grid=grid, organisation=organisation, start=payload.start,
        end=payload.end, note=payload.note,
    )
    return Status(201, duty_out(Duty.objects.select_related("person", "grid").get(pk=duty.pk)))


@router.post("/duties/{duty_id}/end", response={200: DutyOut, **ERRORS}, operation_id="duty_end")
def duty_end(request, duty_id: Id, payload: DutyEndIn):
    """End a duty now: the access it gave ends at once."""
    scope = request_scope(request)
    duty = services.duty_end(actor=scope, duty=selectors.duty_get(actor=scope, duty_id=duty_id), note=payload.note)
    return duty_out(duty)


@router.get("/pii-access-log", response={200: list_of(AccessLogOut), **ERRORS}, operation_id="pii_access_log")
def pii_access_log(request, query: Query[ListQuery]):
    """Who saw whose personal information in full. Admins only."""

    def row(entry):
        return {
            "id": entry.pk, "actor": entry.actor.get_username(), "subject_name": entry.subject_name,
            "resident_id": entry.resident_id, "fields": entry.fields, "purpose": entry.purpose,
            "reason": entry.reason, "at": entry.at,
        }

    return page_of(selectors.pii_log_list(actor=request_scope(request)), query, row)
