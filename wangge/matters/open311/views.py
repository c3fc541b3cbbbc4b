"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2/.

Plain Django views rather than the ninja API: the specification wants XML as well as JSON, bare JSON
arrays, and its own error format. Each view parses, calls intake/output (which call the matters
services and selectors), and renders. Every answer under this prefix — including unknown paths and
formats — is in the specification's format.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt

from wangge.core import ratelimit
from wangge.core.errors import ApplicationError

from .. import selectors
from . import intake, keys, output
from .intake import Open311Error
from .render import FORMATS, errors, respond

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint last changed in a way a client may care about (discovery's changeset).
CHANGESET = "2026-11-28T00:00:00+08:00"
HOUR = 3600


def _limited(fmt: str, key: str, limit: int, what: str):
    if ratelimit.hit(key, limit, HOUR):
        return None
    return errors(
        fmt, 429, f"请求过于频繁：{what}每小时最多{limit}次，请稍后再试", headers={"Retry-After": str(ratelimit.retry_after(HOUR))}
    )


def endpoint(*methods: str):
    """Check the format and method, rate-limit reads per address, and turn errors into the
    specification's error answers."""

    def wrap(view):
        @functools.wraps(view)
        def inner(request, fmt: str, **kwargs):
            if fmt not in FORMATS:
                return errors("xml", 404, f"format {fmt[:20]!r} not found：请使用 .xml 或 .json")
            if request.method not in methods:
                return errors(fmt, 400, f"{request.method} not allowed：此处只接受 {'、'.join(methods)}",
                              headers={"Allow": ", ".join(methods)})
            if request.method == "GET":
                ip = ratelimit.client_ip(request)
                refused = _limited(fmt, f"open311:get:{ip}", settings.OPEN311_RATE_GET_PER_IP, "查询")
                if refused is not None:
                    return refused
            try:
                response = view(request, fmt, **kwargs)
            except Open311Error as exc:
                response = errors(fmt, exc.status, *exc.descriptions)
            except ApplicationError as exc:
                error = intake.from_application_error(exc)
                response = errors(fmt, error.status, *error.descriptions)
            if request.method == "GET":
                response["Access-Control-Allow-Origin"] = "*"  # public data, for browser-based clients
            return response

        return inner

    return wrap


@endpoint("GET")
def discovery(request, fmt):
    root = request.build_absolute_uri(request.path.rsplit("/", 1)[0])
    data = {
        "changeset": CHANGESET,
        "contact": settings.OPEN311_CONTACT,
        "key_service": settings.OPEN311_KEY_SERVICE,
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": root,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }
    return respond(fmt, "discovery", data)


@endpoint("GET")
def services(request, fmt):
    intake.jurisdiction(request.GET.get("jurisdiction_id"))
    return respond(fmt, "services", [output.service_out(c) for c in selectors.category_list()])


@endpoint("GET")
def service_definition(request, fmt, code):
    intake.jurisdiction(request.GET.get("jurisdiction_id"))
    return respond(fmt, "service_definition", output.definition_out(intake.service(code)))


@csrf_exempt
@endpoint("GET", "POST")
def service_requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    subdistrict = intake.jurisdiction(request.GET.get("jurisdiction_id"))
    matters = output.request_list(subdistrict, request.GET)
    return respond(fmt, "service_requests", output.requests_out(matters, absolute=request.build_absolute_uri))


def _create(request, fmt):
    ip = ratelimit.client_ip(request)
    if ip not in set(settings.OPEN311_RATE_EXEMPT_IPS):
        refused = _limited(fmt, f"open311:post:ip:{ip}", settings.OPEN311_RATE_PER_IP, "每个网络地址")
        if refused is not None:
            return refused
    form = intake.Form(request.POST)
    api_key = form.get("api_key") or (request.GET.get("api_key") or "").strip()
    client = keys.client_for_key(api_key)
    if client is None:
        why = "api_key was not provided" if not api_key else "Invalid api_key received（密钥无效或已吊销）"
        return errors(fmt, 403, f"{why} -- can't proceed with create_request.")
    device = form.get("device_id")
    if device:
        refused = _limited(
            fmt, f"open311:post:device:{client.pk}:{intake.hashed(device)}",
            settings.OPEN311_RATE_PER_DEVICE, "每台设备",
        )
        if refused is not None:
            return refused
    code = form.get("jurisdiction_id") or (request.GET.get("jurisdiction_id") or "").strip()
    subdistrict = intake.jurisdiction(code, client=client)
    if subdistrict.pk != client.subdistrict_id:
        return errors(fmt, 403, f"api_key is not valid for jurisdiction_id {subdistrict.code}（该密钥不属于这一街道）")
    matter, _created = intake.request_create(client=client, form=form, subdistrict=subdistrict)
    answer = [{
        "service_request_id": str(matter.pk),
        "service_notice": intake.service_notice(matter.category),
        "account_id": None,
    }]
    return respond(fmt, "service_requests", answer)


@endpoint("GET")
def service_request(request, fmt, request_id):
    subdistrict = intake.jurisdiction(request.GET.get("jurisdiction_id"))
    matter = output.request_get(subdistrict, request_id)
    return respond(fmt, "service_requests", output.requests_out([matter], absolute=request.build_absolute_uri))


@endpoint("GET")
def token(request, fmt, token):
    subdistrict = intake.jurisdiction(request.GET.get("jurisdiction_id"))
    matter = output.token_get(subdistrict, token)
    return respond(fmt, "service_requests", [{"service_request_id": str(matter.pk), "token": matter.token}])


def not_found(request, path=""):
    fmt = "json" if request.path.endswith(".json") else "xml"
    return errors(fmt, 404, f"{request.path[:100]} not found：见 {SPECIFICATION}")
