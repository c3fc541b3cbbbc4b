"""The one NinjaAPI. Each app adds its router; domain errors are mapped to JSON here, once."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from wangge.community.activities.api import router as activities_router
from wangge.community.elections.api import router as elections_router
from wangge.community.notices.api import router as notices_router
from wangge.community.venues.api import router as venues_router
from wangge.core.auth import API_AUTH
from wangge.core.errors import ApplicationError
from wangge.fieldwork.cameras.api import router as cameras_router
from wangge.fieldwork.disputes.api import router as disputes_router
from wangge.fieldwork.emergencies.api import router as emergencies_router
from wangge.fieldwork.gates.api import router as gates_router
from wangge.fieldwork.incidents.api import router as incidents_router
from wangge.fieldwork.visitors.api import router as visitors_router
from wangge.fieldwork.visits.api import router as visits_router
from wangge.hall.agenda.api import router as agenda_router
from wangge.hall.consultations.api import router as consultations_router
from wangge.hall.meetings.api import router as meetings_router
from wangge.insights.dashboards.api import router as dashboards_router
from wangge.insights.evaluation.api import router as evaluation_router
from wangge.insights.reports.api import router as reports_router
from wangge.insights.transparency.api import router as transparency_router
from wangge.matters.api import router as matters_router
from wangge.notify.api import router as notify_router
from wangge.people.api import auth_router
from wangge.people.api import router as people_router
from wangge.registry.api import router as registry_router
from wangge.registry.import_api import router as import_router

api = NinjaAPI(
    title="wangge API",
    version="1",
    description="网格化社区治理与红色物业平台 API。列表接口均返回 {items, count}，支持 page、page_size、within、q。",
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _body(detail: str, errors=()) -> dict:
    return {"detail": detail, "errors": list(errors)}


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, _body(exc.message, [e.as_dict() for e in exc.errors]), status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    # ninja's loc starts with where the value came from: ("query", "page"), ("path", "grid_id"),
    # ("form", "grid_id"), ("file", "file"), ("body", "payload", "name"). The field is what follows,
    # without the name of the body parameter (always `payload` here).
    errors = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("query", "body", "path", "form", "file", "header", "cookie"):
            location, loc = loc[0], loc[1:]
            if location == "body" and loc[:1] == ["payload"]:
                loc = loc[1:]
        field = ".".join(loc) or "body"
        message = str(error.get("msg", "无效")).removeprefix("Value error, ")
        errors.append({"field": field, "message": message})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "请求无效"
    return api.create_response(request, _body(detail, errors), status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(request, _body("需要登录或有效的令牌"), status=401)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(request, _body(str(exc)), status=exc.status_code)


api.add_router("", auth_router)
api.add_router("", import_router)  # before registry: /households/export is not a household id
api.add_router("", registry_router)
api.add_router("", people_router)
api.add_router("", matters_router)
api.add_router("", notify_router)
api.add_router("", visits_router)
api.add_router("", disputes_router)
api.add_router("", gates_router)
api.add_router("", visitors_router)
api.add_router("", cameras_router)
api.add_router("", incidents_router)
api.add_router("", emergencies_router)
api.add_router("", agenda_router)
api.add_router("", meetings_router)
api.add_router("", consultations_router)
api.add_router("", activities_router)
api.add_router("", venues_router)
api.add_router("", elections_router)
api.add_router("", notices_router)
api.add_router("", dashboards_router)
api.add_router("", evaluation_router)
api.add_router("", reports_router)
api.add_router("", transparency_router)
