"""Pages of key small matters for residents and for the public.

- `/report/`: report a matter from a phone — category (its extra questions swap in with htmx), description,
  a map pin or a building/unit, photos, "anonymous to the public"; before submitting, open matters of the
  same category nearby (`/report/nearby/`) so that a resident can follow one instead of reporting it again.
  A hidden per-form key makes a double tap or a re-submit create one matter.
- `/my/matters/`: the matters I reported, newest first.
- `/public/matters/` (+ `.geojson`) and `/public/matters/<id>/`: what anyone may see, without login and
  without personal data: no reporter, no assignee, no actor; for a matter reported anonymously not even the
  unit (the building only) nor an exact point.

The matter page itself (`/matters/<id>/`, named `matter`) is the staff pages' (views_staff.py).
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core.errors import ApplicationError, Conflict, FieldError, InvalidInput, NotFound
from wangge.core.schemas import MAX_ID
from wangge.people.access import Scope, request_scope
from wangge.registry import locate as locating
from wangge.registry import selectors as registry_selectors
from wangge.registry.models import Level

from . import selectors, services
from .lifecycle import ACTIONS, OPEN_STATES
from .models import AttributeType, Category, Event, Matter, PhotoKind, Rating, Source
from .serializers import photo_url

PER_PAGE = 20
UNIT_CHOICES_MAX = 1000
GEOJSON_MAX = 2000
# A matter reported anonymously is shown on the public map about 100 m from where it was reported.
ANONYMOUS_POINT_DECIMALS = 3

# Where each field's error is shown on the report form (the service names lon, lat and crs; the page shows
# them at the location); any other field goes to the top of the form.
_FIELD_OF_ERROR = {"lon": "location", "lat": "location", "crs": "location", "household": "unit"}
_REPORT_FIELDS = ("category", "description", "location", "unit", "photos", "source", "reporter_name",
                  "reporter_phone")
_ANCHOR = {"category": "report-category", "description": "report-description", "location": "report-location",
           "unit": "report-unit", "photos": "report-photos", "form": "report-form", "source": "report-source",
           "reporter_name": "report-reporter-name", "reporter_phone": "report-reporter-phone"}
_FIELD_LABELS = {"category": gettext_lazy("事项类别"), "description": gettext_lazy("情况描述"),
                 "location": gettext_lazy("位置"), "unit": gettext_lazy("楼栋和单元"), "photos": gettext_lazy("照片"),
                 "source": gettext_lazy("来源"), "reporter_name": gettext_lazy("反映人"),
                 "reporter_phone": gettext_lazy("反映人电话")}
# What staff may record on the form besides their own report: a patrol, a visit, a 12345 hotline call.
STAFF_SOURCES = [Source.PATROL, Source.VISIT, Source.HOTLINE]

# Timeline entries that are not steps of the state machine (lifecycle.ACTIONS labels those).
_STEP_LABELS = {
    "report": gettext_lazy("上报"),
    "assign": gettext_lazy("派给处置人"),
    "reassign": gettext_lazy("改派"),
    "supervise": gettext_lazy("督办"),
    "escalate": gettext_lazy("超时升级"),
    "absorb": gettext_lazy("合并了重复上报"),
    "photo": gettext_lazy("补充照片"),
}


def _id_or_none(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID else None


def _new_key() -> str:
    return uuid.uuid4().hex


def _step(event: Event, *, public: bool) -> dict:
    """One timeline entry as residents and the public see it: what was done, when, and the note — never
    who did it. On the public page a rating shows its verdict, not the reporter's own words."""
    spec = ACTIONS.get(event.action)
    label = spec.label if spec else _STEP_LABELS.get(event.action, event.action)
    note = event.note
    if event.action == "rate":
        rating = (event.data or {}).get("rating", "")
        verdict = Rating(rating).label if rating in Rating.values else ""
        note = verdict if public else " · ".join(x for x in (str(verdict), note) if x)
    return {"action": event.action, "label": label, "at": event.at, "note": note, "to_state": event.to_state}


# -- report --------------------------------------------------------------------------------------------


def _category_or_none(code) -> Category | None:
    try:
        return services.category_for_report(code)
    except InvalidInput:
        return None


def _unit_choices(scope: Scope) -> tuple[list, int | None]:
    """The units the user may report in — those of their scope (staff), and every unit of their own
    estate (a resident) — and the unit of their own home, if any."""
    units = {}
    if scope.is_staff_scope:
        units.update((u.pk, u) for u in registry_selectors.unit_list(actor=scope)[:UNIT_CHOICES_MAX])
    home_unit = None
    if scope.household_id is not None:
        estate_units = registry_selectors.unit_list(actor=None).filter(
            building__estate_grid_id__in=scope.household_chain
        )
        units.update((u.pk, u) for u in estate_units[:UNIT_CHOICES_MAX])
        home_unit = next((u.pk for u in registry_selectors.unit_list(actor=scope).filter(
            households__id=scope.household_id)), None)
    ordered = sorted(units.values(), key=lambda u: (u.building.estate_grid_id, u.building.name, u.name))
    return ordered, home_unit


def _buildings(units) -> list[dict]:
    """The buildings of the unit picker that have a position: landmarks on a map without tiles."""
    seen: dict[int, dict] = {}
    for u in units:
        b = u.building
        if b.lon is not None and b.lat is not None and b.pk not in seen:
            seen[b.pk] = {"name": b.name, "lon": b.lon, "lat": b.lat}
    return list(seen.values())


def _attribute_values(category: Category | None, data) -> tuple[dict, dict]:
    """The answers to the category's extra questions as typed (for the form) and as the service takes them."""
    typed: dict = {}
    cleaned: dict = {}
    if category is None:
        return typed, cleaned
    for attr in category.attributes.all():
        if not attr.variable:
            continue
        name = f"attributes.{attr.code}"
        if attr.datatype == AttributeType.MULTI:
            value = [v for v in data.getlist(name) if v]
            typed[attr.code] = value
            if value:
                cleaned[attr.code] = value
            continue
        value = data.get(name, "").strip()
        typed[attr.code] = value
        if not value:
            continue
        if attr.datatype == AttributeType.DATETIME:
            # A datetime-local input sends local time without an offset: it is the user's local time.
            parsed = parse_datetime(value)
            if parsed is not None and timezone.is_naive(parsed):
                value = timezone.make_aware(parsed).isoformat()
        cleaned[attr.code] = value
    return typed, cleaned


def _attribute_rows(category: Category | None, typed: dict, errors: dict) -> list[dict]:
    rows = []
    if category is None:
        return rows
    for attr in category.attributes.all():
        value = typed.get(attr.code, [] if attr.datatype == AttributeType.MULTI else "")
        chosen = {str(v) for v in value} if isinstance(value, list) else {str(value)}
        rows.append({
            "attr": attr,
            "name": f"attributes.{attr.code}",
            "id": f"attr-{attr.code}",
            "value": value,
            "options": [{"key": str(o.get("key")), "name": o.get("name") or o.get("key"),
                         "checked": str(o.get("key")) in chosen} for o in attr.values if isinstance(o, dict)],
            "error": errors.get(f"attributes.{attr.code}", ""),
        })
    return rows


def _number_or_text(value: str):
    """A coordinate as a number; anything else as typed, for the service to name the field."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return value


def _sources(scope: Scope) -> list:
    """The channels this user may record: their own report as a resident, and the staff channels."""
    own = [Source.RESIDENT] if scope.household_id is not None or not scope.is_staff_scope else []
    return own + (STAFF_SOURCES if scope.is_staff_scope else [])


def _to_report(values: dict, attributes: dict, photos: list) -> services.Report:
    """The form → the service's report. `where` says which location the user chose; a form posted without
    it (no JavaScript, or a client of its own) sends whatever it has, and the service prefers the unit."""
    lon = lat = unit = None
    if values["where"] != "unit":
        lon, lat = _number_or_text(values["lon"]), _number_or_text(values["lat"])
    if values["where"] != "map" and values["unit"]:
        unit = _id_or_none(values["unit"])
        if unit is None:
            raise InvalidInput.field("unit", _("请选择楼栋和单元"))
    if values["source"] not in values["sources"]:
        raise InvalidInput.field("source", _("请选择来源"))
    return services.Report(
        source=values["source"], category=values["category"], description=values["description"], lon=lon,
        lat=lat, crs=values["crs"] or "wgs84", unit=unit, attributes=attributes, photos=photos,
        anonymous=values["anonymous"], reporter_name=values["reporter_name"], reporter_phone=values["reporter_phone"],
    )


def _errors_by_field(exc: ApplicationError) -> dict[str, str]:
    """The first error of each field of the form; errors naming no field of the form go to `form`."""
    shown: dict[str, str] = {}
    for error in exc.errors or [FieldError("form", exc.message)]:
        field = _FIELD_OF_ERROR.get(error.field, error.field)
        if field not in _REPORT_FIELDS and not field.startswith("attributes."):
            field = "form"
        shown.setdefault(field, error.message)
    return shown


def _error_list(errors: dict[str, str], attribute_rows: list[dict]) -> list[dict]:
    """The summary above the form: each error with the name of its field and a link to it."""
    questions = {row["name"]: row["attr"].description for row in attribute_rows}
    return [
        {"anchor": _ANCHOR.get(field) or f"attr-{field.removeprefix('attributes.')}",
         "label": _FIELD_LABELS.get(field) or questions.get(field, ""), "message": message}
        for field, message in errors.items()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """The report form (`?category=` preselects one); a post reports the matter and opens its page."""
    scope = request_scope(request)
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    units, home_unit = _unit_choices(scope)
    category = _category_or_none(data.get("category", ""))
    sources = _sources(scope)
    values = {
        "sources": sources,
        "source": data.get("source", "").strip() if posted and len(sources) > 1 else sources[0],
        "reporter_name": data.get("reporter_name", "").strip(),
        "reporter_phone": data.get("reporter_phone", "").strip(),
        "key": data.get("key", "").strip() if posted else _new_key(),
        "category": data.get("category", "").strip(),
        "description": data.get("description", ""),
        "where": data.get("where", "").strip() if posted else ("unit" if home_unit else "map"),
        "lon": data.get("lon", "").strip(),
        "lat": data.get("lat", "").strip(),
        "crs": data.get("crs", "").strip() or "wgs84",
        "unit": data.get("unit", "").strip() if posted else str(home_unit or ""),
        "anonymous": data.get("anonymous") == "1",
        "photos_lost": False,
    }
    typed, attributes = _attribute_values(category, data) if posted else ({}, {})
    errors: dict[str, str] = {}
    if posted:
        photos = request.FILES.getlist("photos")
        try:
            report_ = _to_report(values, attributes, photos)
            matter, created = services.matter_report(
                actor=request.user, report=report_, idempotency_key=values["key"] or None
            )
        except Conflict:
            # This form was sent before with other content (back, edit, send): a new report needs a new key.
            errors = {"form": _("这张表单已经提交过，内容却有改动。如需再上报一件事项，请核对后再次提交。")}
            values["key"] = _new_key()
        except ApplicationError as exc:
            errors = _errors_by_field(exc)
            if any(e.field == "Idempotency-Key" for e in exc.errors):
                values["key"] = _new_key()
        else:
            if created:
                messages.success(request, _("已上报，编号 %(id)s。处理进展会通知您。") % {"id": matter.pk})
            else:
                messages.info(request, _("这件事项刚才已经上报过，编号 %(id)s。") % {"id": matter.pk})
            return redirect("matter", matter_id=matter.pk)
        # Browsers never re-fill a file input: say so, rather than lose the photos silently.
        values["photos_lost"] = bool(photos)
    attribute_rows = _attribute_rows(category, typed, errors)
    context = {
        "groups": selectors.category_groups(),
        "category": category,
        "attribute_rows": attribute_rows,
        "units": units,
        "buildings": _buildings(units),
        "values": values,
        "errors": errors,
        "error_list": _error_list(errors, attribute_rows),
        "description_max": services.DESCRIPTION_MAX,
        "photos_max": services.PHOTOS_MAX,
    }
    return render(request, "matters/resident/report.html", context, status=422 if errors else 200)


@login_required
@require_GET
def report_attributes(request):
    """htmx: the chosen category's hints and extra questions, swapped into the report form."""
    category = _category_or_none(request.GET.get("category", ""))
    context = {"category": category, "attribute_rows": _attribute_rows(category, {}, {})}
    return render(request, "matters/resident/_attributes.html", context)


@login_required
@require_GET
def report_nearby(request):
    """htmx: where the chosen point lies, and open matters of the chosen category near it (or in the chosen
    unit), so that a resident can follow one rather than report it again. Nothing to say: an empty answer."""
    data = request.GET
    where = data.get("where", "")
    category = _category_or_none(data.get("category", ""))
    lon = lat = None
    place = None
    outside = False
    if where != "unit":
        try:
            lon, lat = float(data.get("lon", "")), float(data.get("lat", ""))
        except ValueError:
            lon = lat = None
    if lon is not None and lat is not None:
        try:
            place, (lon, lat) = locating.locate(lon=lon, lat=lat, crs=data.get("crs") or "wgs84")
        except ApplicationError:
            outside = True
            lon = lat = None
    unit = _id_or_none(data.get("unit", "")) if where != "map" else None
    rows = []
    if category is not None and (lon is not None or unit is not None):
        rows = [
            {"matter": m, "distance": d, "mine": m.reporter_user_id == request.user.pk}
            for m, d in selectors.nearby(category=category, lon=lon, lat=lat, unit_id=unit)
        ]
    context = {"category": category, "rows": rows, "place": place, "outside": outside}
    return render(request, "matters/resident/_nearby.html", context)


# -- my matters -----------------------------------------------------------------------------------------


def _public_steps() -> Prefetch:
    return Prefetch("events", queryset=Event.objects.filter(public=True).order_by("-seq"), to_attr="public_events")


@login_required
@require_GET
def my_matters(request):
    """The matters I reported, newest first, each with the last step I can see."""
    qs = (
        selectors.matter_list(actor=request_scope(request), mine=True)
        .order_by("-created_at", "-id")
        .prefetch_related(_public_steps())
    )
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    for matter in page:
        matter.latest_step = _step(matter.public_events[0], public=False) if matter.public_events else None
    return render(request, "matters/resident/my_matters.html", {"page": page})


# -- public ----------------------------------------------------------------------------------------------


def _public_filters(data) -> dict:
    """The public list's filters as typed (for the form and the links) and as `public_list` takes them."""
    state = data.get("state", "")
    group = data.get("group", "").strip()
    grid = _id_or_none(data.get("grid", ""))
    return {
        "state": state if state in ("open", "closed") else "",
        "group": group if group.isascii() and len(group) <= 64 else "",
        "grid": grid,
    }


def _public_qs(filters: dict):
    return selectors.public_list(
        within=filters["grid"], category=filters["group"] or None, state=filters["state"] or None
    )


def _public_query(filters: dict) -> str:
    return urlencode({k: v for k, v in filters.items() if v})


def _public_groups() -> list[Category]:
    """The category groups that hold at least one public category (the others never show here)."""
    return [g for g, leaves in selectors.category_groups() if g is not None and any(c.is_public for c in leaves)]


def _public_point(matter) -> tuple[float, float]:
    digits = ANONYMOUS_POINT_DECIMALS if matter.anonymous else 6
    return round(matter.lon, digits), round(matter.lat, digits)


@require_GET
def public_matters(request):
    """Matters anyone may see — a map and a list, by state, category group and community — without login."""
    filters = _public_filters(request.GET)
    page = Paginator(_public_qs(filters).order_by("-id"), PER_PAGE).get_page(request.GET.get("page"))
    communities = list(registry_selectors.grid_list(actor=None, level=Level.COMMUNITY))
    context = {
        "page": page,
        "filters": filters,
        "query": _public_query(filters),
        "groups": _public_groups(),
        "communities": communities,
        "outlines": [{"name": c.name, "boundary": c.boundary} for c in communities if c.boundary],
        "open_states": OPEN_STATES,
    }
    return render(request, "matters/public/matters.html", context)


@require_GET
def public_matters_geojson(request):
    """The public list's matters that have a point, as GeoJSON (the most recent GEOJSON_MAX)."""
    filters = _public_filters(request.GET)
    qs = _public_qs(filters).filter(lon__isnull=False, lat__isnull=False).order_by("-id")[:GEOJSON_MAX]
    features = []
    for m in qs:
        features.append({
            "type": "Feature",
            "id": m.pk,
            "geometry": {"type": "Point", "coordinates": list(_public_point(m))},
            "properties": {
                "id": m.pk,
                "category": m.category.name,
                "state": m.state,
                "state_label": str(m.get_state_display()),
                "open": m.state in OPEN_STATES,
                "created": timezone.localtime(m.created_at).date().isoformat(),
            },
        })
    return JsonResponse({"type": "FeatureCollection", "features": features},
                        json_dumps_params={"ensure_ascii": False})


def _public_place(matter: Matter) -> str:
    """Where, as the public may know it: the building and unit — only the building when reported
    anonymously (a unit is a few households: too close to saying who)."""
    if not matter.anonymous:
        return matter.address
    return matter.unit.building.name if matter.unit_id and matter.unit else ""


@require_GET
def public_matter(request, matter_id: int):
    """One public matter: what, where (building level), its state and public steps, its photos."""
    try:
        if matter_id > MAX_ID:
            raise NotFound("未找到该事项")
        matter = selectors.public_get(matter_id=matter_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    photos: dict[str, list] = {PhotoKind.REPORT: [], PhotoKind.AFTER: []}
    for p in matter.photos.filter(kind__in=list(photos)).order_by("id"):
        if p.file or p.url.startswith(("https://", "http://")):
            # A photo stored elsewhere (an Open311 client's media_url) is linked, never loaded into the page.
            photos[p.kind].append({"url": photo_url(p), "external": not p.file, "width": p.width, "height": p.height})
    context = {
        "matter": matter,
        "place": _public_place(matter),
        "report_photos": photos[PhotoKind.REPORT],
        "after_photos": photos[PhotoKind.AFTER],
        "steps": [_step(e, public=True) for e in selectors.timeline(matter, staff=False)],
        "is_open": matter.is_open,
    }
    return render(request, "matters/public/matter.html", context)
