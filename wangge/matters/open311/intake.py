"""POST requests: an Open311 form turned into a `services.Report` and handed to `matter_report`.

Everything here is translation from Open311 terms to wangge's; the rules of intake (categories,
attributes, locating, routing, deadlines) stay in `matters.services`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from wangge.core import pii
from wangge.core.errors import ApplicationError, FieldError, NotFound
from wangge.people.access import actor_scope
from wangge.registry import locate as locating
from wangge.registry.models import Building, GridNode, Level

from .. import selectors, services
from ..models import Category, IdempotencyKey, Matter, Open311Client, Source

_ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
MEDIA_URLS_MAX = 9


class Open311Error(Exception):
    """An answer in the specification's error format: HTTP status and one or more descriptions."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


# wangge's field names → the Open311 parameter a client sent.
_FIELDS = {
    "category": "service_code",
    "lon": "long",
    "lat": "lat",
    "crs": "lat/long",
    "location": "lat/long",
    "unit": "address_string",
    "address": "address_string",
    "reporter_name": "first_name/last_name",
    "reporter_phone": "phone",
    "reporter_email": "email",
    "photos": "media_url",
    "source": "api_key",
}


def open311_field(name: str) -> str:
    if name.startswith("attributes."):
        return f"attribute[{name.removeprefix('attributes.')}]"
    return _FIELDS.get(name, name)


def from_application_error(exc) -> Open311Error:
    """A domain error as Open311 answers it: 403 for permission, 404 for what is missing, else 400;
    each field error named by its Open311 parameter."""
    status = {403: 403, 404: 404}.get(exc.status, 400)
    errors: list[FieldError] = exc.errors or []
    if errors:
        return Open311Error(status, *[f"{open311_field(e.field)}: {e.message}" for e in errors])
    return Open311Error(status, exc.message)


# -- jurisdiction and services ----------------------------------------------------------------------


def jurisdiction(code, *, client: Open311Client | None = None) -> GridNode:
    """The subdistrict a request is for. Without jurisdiction_id: the api_key's subdistrict, or the only
    subdistrict there is."""
    from .keys import subdistrict_for_code

    text = code.strip() if isinstance(code, str) else ""
    if text:
        try:
            return subdistrict_for_code(text)
        except NotFound as exc:
            raise Open311Error(404, f"jurisdiction_id {text!r} not found（未找到该街道）") from exc
    if client is not None and client.subdistrict is not None:
        return client.subdistrict
    found = list(GridNode.objects.filter(level=Level.SUBDISTRICT).order_by("id")[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise Open311Error(404, "jurisdiction_id not found（尚未建立任何街道网格）")
    raise Open311Error(400, "jurisdiction_id was not provided（本服务覆盖多个街道，请提供街道网格编码）")


def service(code) -> Category:
    """A category that takes reports, by its service_code."""
    text = code.strip() if isinstance(code, str) else ""
    if not text:
        raise Open311Error(400, "service_code was not provided（请提供 service_code）")
    category = selectors.category_list().filter(code=text).first()
    if category is None:
        raise Open311Error(404, f"service_code {text!r} not found（没有这一服务类型）")
    return category


# -- the form ----------------------------------------------------------------------------------------


@dataclass
class Form:
    """The POST body: `get(name)` gives the last value of a field, `lists()` every field's values."""

    data: object  # a QueryDict

    def get(self, name: str) -> str:
        value = self.data.get(name)
        return value.strip() if isinstance(value, str) else ""

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for v in self.data.getlist(name) if isinstance(v, str) and v.strip()]


def attributes(form: Form, category: Category) -> dict:
    """`attribute[code]=value` (repeated, or `attribute[code][]=…`, for a multivaluelist). Codes the
    service does not define are ignored: clients such as FixMyStreet add attributes of their own."""
    known = {a.code: a for a in category.attributes.all() if a.variable}
    found: dict = {}
    for name, values in form.data.lists():
        match = _ATTRIBUTE_RE.match(name)
        if match is None or match.group(1) not in known:
            continue
        code = match.group(1)
        values = [v.strip() for v in values if isinstance(v, str)]
        multi = known[code].datatype == "multivaluelist"
        if multi:
            found.setdefault(code, [])
            found[code] += [v for v in values if v]
        elif values:
            found[code] = values[-1]
    return found


def _coordinate(form: Form, name: str, low: float, high: float) -> float:
    text = form.get(name)
    try:
        value = float(text)
    except ValueError as exc:
        raise Open311Error(400, f"{name}: 应为 WGS84 十进制度数，如 {name}=37.197044") from exc
    if not math.isfinite(value) or not (low <= value <= high):
        raise Open311Error(400, f"{name}: 应在 {low:g} 到 {high:g} 之间")
    return value


def _point_from_address(address: str, subdistrict: GridNode) -> tuple[float, float]:
    """A building named in the address (e.g. “康宁花园3号楼”), within the subdistrict. The estate's name
    settles which “3号楼” is meant; the longest building name wins (“11号楼” over “1号楼”)."""
    buildings = [
        b for b in Building.objects.filter(
            estate_grid__path__startswith=subdistrict.path, lon__isnull=False, lat__isnull=False
        ).select_related("estate_grid")
        if b.name and b.name in address
    ]
    with_estate = [b for b in buildings if b.estate_grid.name and b.estate_grid.name in address]
    candidates = with_estate or buildings
    if candidates:
        longest = max(len(b.name) for b in candidates)
        candidates = [b for b in candidates if len(b.name) == longest]
    if len(candidates) == 1:
        return candidates[0].lon, candidates[0].lat
    if len(candidates) > 1:
        raise Open311Error(
            400, "address_string: 多个小区都有这一楼栋，请写明小区名（如“康宁花园3号楼”）或提供 lat/long"
        )
    raise Open311Error(400, "lat/long: 请提供 lat 和 long（WGS84）；address_string 中没有本街道的小区楼栋名称")


def _check_place(lon: float, lat: float, subdistrict: GridNode) -> None:
    node_id = locating.locate_id(lon, lat)
    node = GridNode.objects.filter(pk=node_id).first() if node_id is not None else None
    if node is None:
        raise Open311Error(400, f"lat/long: ({lat}, {lon}) 不在任何网格内，请确认使用 WGS84 坐标")
    if node.pk != subdistrict.pk and not node.path.startswith(subdistrict.path):
        raise Open311Error(
            400, f"lat/long: ({lat}, {lon}) 不在 jurisdiction_id {subdistrict.code}（{subdistrict.name}）内"
        )


def _reporter_name(first: str, last: str) -> str:
    if _CJK_RE.search(first + last) and not re.search(r"[A-Za-z]", first + last):
        return f"{last}{first}"  # 姓在前，不加空格
    return " ".join(part for part in (first, last) if part)


def report_from(form: Form, *, subdistrict: GridNode) -> services.Report:
    """The report a POST describes, or Open311Error naming the parameter that is wrong."""
    category = service(form.get("service_code"))
    has_lat, has_long = bool(form.get("lat")), bool(form.get("long"))
    address = form.get("address_string")
    if has_lat != has_long:
        raise Open311Error(400, f"{'long' if has_lat else 'lat'}: lat 和 long 需同时提供")
    if has_lat:
        lat = _coordinate(form, "lat", -90, 90)
        lon = _coordinate(form, "long", -180, 180)
    elif address:
        lon, lat = _point_from_address(address, subdistrict)
    elif form.get("address_id"):
        raise Open311Error(400, "address_id: 本服务不使用地址编号，请提供 lat/long 或 address_string")
    else:
        raise Open311Error(400, "lat/long: 请提供位置：lat 和 long（WGS84），或 address_string")
    _check_place(lon, lat, subdistrict)
    media = form.getlist("media_url")
    if len(media) > MEDIA_URLS_MAX:
        raise Open311Error(400, f"media_url: 最多{MEDIA_URLS_MAX}个")
    check_url = URLValidator(schemes=["http", "https"])
    for url in media:
        try:
            if len(url) > 500:
                raise ValidationError("too long")
            check_url(url)
        except ValidationError as exc:
            raise Open311Error(400, f"media_url: {url[:80]!r} 不是有效的 http(s) 网址（最长500字符）") from exc
    email = form.get("email")
    if email:
        try:
            EmailValidator()(email)
        except ValidationError as exc:
            raise Open311Error(400, f"email: {email[:80]!r} 不是有效的邮箱地址") from exc
    # The phone is kept when it is a mainland mobile number (the one notifications can reach); any
    # other number is not an error of the request, and is not stored.
    phone = pii.normalize_phone(form.get("phone"))
    if phone and pii.phone_problem(phone):
        phone = ""
    description = form.get("description") or f"{category.name}（经 Open311 上报，未附描述）"
    return services.Report(
        category=category.code,
        description=description,
        source=Source.OPEN311,
        lon=lon,
        lat=lat,
        crs="wgs84",
        address=address,
        attributes=attributes(form, category),
        media_urls=media,
        reporter_name=_reporter_name(form.get("first_name"), form.get("last_name")),
        reporter_phone=phone,
        reporter_email=email,
        device_id=form.get("device_id")[:100],
    )


# -- creating, once ------------------------------------------------------------------------------


def hashed(text: str) -> str:
    """A device or account id short enough for a cache or idempotency key, and no longer readable."""
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _client_label(client: Open311Client, form: Form) -> str:
    who = form.get("device_id") or form.get("account_id")
    return f"open311:{client.pk}:{hashed(who) if who else '-'}"


def _repeat_key(client_label: str, report: services.Report) -> str:
    """The idempotency key of a POST: the same client, device and content give the same key while the
    matter it created is open; once that matter is closed the same report is a new occurrence."""
    content = {k: v for k, v in report.__dict__.items() if k != "photos"}
    key = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    base = key
    for _ in range(20):
        row = IdempotencyKey.objects.filter(client=client_label, key=key).select_related("matter").first()
        if row is None or row.matter.is_open:
            return key
        key = hashlib.sha256(f"{base}:{row.matter_id}".encode()).hexdigest()
    return key


def request_create(*, client: Open311Client, form: Form, subdistrict: GridNode) -> tuple[Matter, bool]:
    """Create the matter a POST describes (or return the one the same device already created)."""
    report = report_from(form, subdistrict=subdistrict)
    label = _client_label(client, form)
    actor = services.Actor(None, actor_scope(None), None, f"Open311：{client.name}"[:60])
    try:
        return services.matter_report(
            actor=actor, report=report, idempotency_key=_repeat_key(label, report), client=label,
            open311_client=client,
        )
    except ApplicationError as exc:
        raise from_application_error(exc) from exc


def service_notice(category: Category) -> str:
    """What the reporter can expect, from the category's deadlines."""
    from ..models import SlaUnit

    def span(stage: str) -> str:
        amount, unit = category.sla(stage)
        return f"{amount:g}{SlaUnit(unit).label}"

    return f"已登记。受理时限{span('accept')}，处置时限{span('resolve')}。"
