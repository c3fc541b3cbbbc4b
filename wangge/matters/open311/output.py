"""What Open311 reads: services, service definitions and service requests, in the specification's
shape. Requests come from `selectors.public_list()` and carry no personal data: no reporter, no phone
or ID number even inside free text, no room — only the building or unit the matter was reported at.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from wangge.core import pii
from wangge.registry.models import GridNode

from .. import selectors
from ..lifecycle import OPEN_STATES
from ..models import AttributeType, Category, Event, Matter, Photo, State
from .intake import Open311Error, service_notice

DEFAULT_DAYS = 90
MAX_RESULTS = 1000
# Shown to anyone who knows the id, so that a client can close its copy: no content, only the outcome.
_GONE = {State.REJECTED, State.WITHDRAWN, State.MERGED}

_DATATYPE_HELP = {
    AttributeType.NUMBER: "数字，如 3",
    AttributeType.DATETIME: "日期时间（ISO 8601），如 2026-05-01T08:30:00+08:00",
    AttributeType.SINGLE: "从 values 中选一项，提交其 key",
    AttributeType.MULTI: "从 values 中选一项或多项，每项一个 attribute[code][]=key",
}


def when(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# -- services ----------------------------------------------------------------------------------------


def service_out(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": bool(category.attributes.all()),
        "type": "realtime",
        "keywords": ", ".join(k.strip() for k in re.split(r"[,，、]", category.keywords) if k.strip()),
        "group": category.parent.name if category.parent else None,
    }


def definition_out(category: Category) -> dict:
    rows = []
    for order, attribute in enumerate(category.attributes.all(), start=1):
        row = {
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required and attribute.variable,
            "datatype_description": _DATATYPE_HELP.get(attribute.datatype),
            "order": order,
            "description": attribute.description,
        }
        if attribute.datatype in (AttributeType.SINGLE, AttributeType.MULTI):
            row["values"] = [{"key": str(v.get("key")), "name": str(v.get("name", ""))} for v in attribute.values]
        rows.append(row)
    return {"service_code": category.code, "attributes": rows}


# -- service requests --------------------------------------------------------------------------------

_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9Xx])\d{17}[0-9Xx](?![0-9Xx])")
_ROOM = re.compile(r"[0-9A-Za-z-]+(?=\s*(?:室|房间|号房))")


def scrub(text: str) -> str:
    """Free text as the public may read it: mobile and ID numbers masked."""
    text = _ID_NUMBER.sub(lambda m: pii.mask_id_number(m.group(0)), text or "")
    return _MOBILE.sub(lambda m: pii.mask_phone(m.group(0)), text)


def public_address(matter: Matter) -> str:
    """The address as typed, without a room number (“3号楼2单元302室” → “3号楼2单元***室”); the
    location grid's name when none was given."""
    text = _ROOM.sub("***", scrub(matter.address))
    return text or matter.grid.name


def _parse_when(name: str, text: str, *, end: bool) -> dt.datetime:
    try:
        value = parse_datetime(text) if "T" in text or " " in text else None
        day = parse_date(text) if value is None and len(text) == 10 else None
    except ValueError:  # well formed, but no such day or time
        value = day = None
    if value is None:
        if day is None:
            raise Open311Error(400, f"{name}: {text[:40]!r} 不是 w3 日期时间格式，应如 2026-05-01T00:00:00+08:00")
        value = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise Open311Error(400, "service_request_id: 应为以逗号分隔的编号，如 12,15") from exc
    if not ids or any(i < 1 or i > 2**63 - 1 for i in ids):
        raise Open311Error(400, "service_request_id: 应为以逗号分隔的编号，如 12,15")
    return ids[:MAX_RESULTS]


def _positive(name: str, text: str, default: int, maximum: int | None = None) -> int:
    if not text:
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise Open311Error(400, f"{name}: 应为正整数") from exc
    if value < 1:
        raise Open311Error(400, f"{name}: 应为正整数")
    if maximum is not None and value > maximum:
        raise Open311Error(400, f"{name}: 不能超过{maximum}")
    return value


def _base(subdistrict: GridNode) -> QuerySet[Matter]:
    return (
        Matter.objects.filter(subdistrict=subdistrict, category__is_public=True)
        .select_related("category", "grid", "handling_grid", "unit__building")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("id")))
    )


def request_list(subdistrict: GridNode, params, *, now: dt.datetime | None = None) -> list[Matter]:
    """GET requests: newest first. `service_request_id` overrides every other filter; otherwise the
    last 90 days (or start_date/end_date, at most 90 days apart), at most 1000 per page."""
    get = {k: (params.get(k) or "").strip() for k in (
        "service_request_id", "service_code", "status", "start_date", "end_date", "page", "page_size")}
    if get["service_request_id"]:
        ids = _ids(get["service_request_id"])
        rows = {m.pk: m for m in _base(subdistrict).filter(pk__in=ids)}
        return [rows[i] for i in dict.fromkeys(ids) if i in rows]
    page = _positive("page", get["page"], 1)
    page_size = _positive("page_size", get["page_size"], MAX_RESULTS, MAX_RESULTS)
    qs = selectors.public_list(within=subdistrict.pk).select_related("handling_grid", "unit__building")
    qs = qs.prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("id")))
    if get["service_code"]:
        codes = [c.strip() for c in get["service_code"].split(",") if c.strip()]
        known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Open311Error(400, f"service_code: 没有服务类型 {'、'.join(unknown)}")
        qs = qs.filter(Q(category__code__in=codes) | Q(category__parent__code__in=codes))
    if get["status"]:
        statuses = {s.strip().lower() for s in get["status"].split(",") if s.strip()}
        if not statuses or statuses - {"open", "closed"}:
            raise Open311Error(400, "status: 应为 open、closed，或以逗号分隔的两者")
        if statuses == {"open"}:
            qs = qs.filter(state__in=list(OPEN_STATES))
        elif statuses == {"closed"}:
            qs = qs.exclude(state__in=list(OPEN_STATES))
    window = dt.timedelta(days=DEFAULT_DAYS)
    start = _parse_when("start_date", get["start_date"], end=False) if get["start_date"] else None
    end = _parse_when("end_date", get["end_date"], end=True) if get["end_date"] else None
    if start and end:
        if end < start:
            raise Open311Error(400, "end_date: 不能早于 start_date")
        if end - start > window:
            raise Open311Error(400, f"start_date/end_date: 相隔不能超过{DEFAULT_DAYS}天")
    elif start:
        end = start + window
    else:
        end = end or (now or timezone.now())
        start = end - window
    qs = qs.filter(created_at__gte=start, created_at__lte=end).order_by("-created_at", "-id")
    offset = (page - 1) * page_size
    return list(qs[offset:offset + page_size])


def request_get(subdistrict: GridNode, request_id: str) -> Matter:
    try:
        pk = int(request_id)
    except ValueError as exc:
        raise Open311Error(404, f"service_request_id {request_id[:40]!r} not found") from exc
    matter = _base(subdistrict).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if matter is None:
        raise Open311Error(404, f"service_request_id {pk} not found（没有这一公开事项）")
    return matter


def token_get(subdistrict: GridNode, token: str) -> Matter:
    matter = Matter.objects.filter(subdistrict=subdistrict, token=token).only("pk", "token").first()
    if matter is None:
        raise Open311Error(404, f"token {token[:40]!r} not found")
    return matter


def _status_notes(matters: list[Matter]) -> dict[int, str]:
    """The note of each matter's latest public change of state (e.g. why it was closed)."""
    notes: dict[int, str] = {}
    rows = (
        Event.objects.filter(matter_id__in=[m.pk for m in matters], public=True)
        .exclude(to_state="")
        .order_by("matter_id", "seq")
        .values_list("matter_id", "note")
    )
    for matter_id, note in rows:
        notes[matter_id] = note
    return notes


def _gone_note(matter: Matter) -> str:
    if matter.state == State.MERGED and matter.merged_into_id:
        return f"重复事项，已并入 #{matter.merged_into_id} 处理"
    return str(matter.get_state_display())


def requests_out(matters: list[Matter], *, absolute) -> list[dict]:
    """`absolute(path)` turns a stored file's URL into one a client can fetch."""
    notes = _status_notes(matters)
    return [request_out(m, note=notes.get(m.pk, ""), absolute=absolute) for m in matters]


def request_out(matter: Matter, *, note: str, absolute) -> dict:
    category = matter.category
    is_open = matter.state in OPEN_STATES
    gone = matter.state in _GONE
    photo = next(iter(matter.photos.all()), None) if not gone else None
    media_url = None
    if photo is not None:
        media_url = absolute(photo.file.url) if photo.file else (photo.url or None)
    lon, lat = matter.lon, matter.lat
    if lat is None and matter.unit is not None:
        lon, lat = matter.unit.building.lon, matter.unit.building.lat
    agency = matter.handling_grid or matter.grid
    if gone:
        status_notes = scrub(note) or _gone_note(matter)
    else:
        status_notes = scrub(note) or str(matter.get_state_display())
    return {
        "service_request_id": str(matter.pk),
        "status": "open" if is_open else "closed",
        "status_notes": status_notes,
        "service_name": category.name,
        "service_code": category.code,
        "description": None if gone else scrub(matter.description),
        "agency_responsible": agency.name if agency else None,
        "service_notice": service_notice(category),
        "requested_datetime": when(matter.created_at),
        "updated_datetime": when((matter.closed_at if not is_open else None) or matter.updated_at),
        "expected_datetime": when(matter.resolve_due or matter.deadline) if is_open else None,
        "address": None if gone else public_address(matter),
        "address_id": None,
        "zipcode": None,
        "lat": None if gone else lat,
        "long": None if gone else lon,
        "media_url": media_url,
    }
