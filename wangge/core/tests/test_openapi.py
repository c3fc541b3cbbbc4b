"""The API against its own OpenAPI document: a bounded schemathesis run, authenticated as several roles,
that finds no 5xx and no response breaking its schema; and the committed snapshot of the document."""

from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from ninja import Schema
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from wangge.core.management.commands import export_openapi_text
from wangge.people.services import token_issue

ROLES = ["admin", "leader_A1", "micro_A1em1", "resident"]


@pytest.fixture
def api_schema(db):
    # Like Django's test client: keep the test's connection (inside its transaction) across requests.
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    for signal in signals:
        signal.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def tokens(world):
    # Issued directly: Django's test client would reconnect the signals the schema fixture disconnected.
    return {role: "Bearer " + token_issue(username=world.users[role].username, password="pw")[0] for role in ROLES}


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_answers_within_its_schema(case, tokens):
    for role in ROLES:
        case.call_and_validate(
            headers={"Authorization": tokens[role]}, checks=[not_a_server_error, response_schema_conformance]
        )


def test_committed_openapi_document_is_current():
    committed = Path(__file__).resolve().parents[3] / "docs" / "api" / "openapi.json"
    assert committed.exists(), "run `make openapi` and commit docs/api/openapi.json"
    assert committed.read_text(encoding="utf-8") == export_openapi_text(), (
        "the API changed: run `make openapi` and commit docs/api/openapi.json"
    )


def test_docs_page_serves_its_assets_locally(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_every_api_schema_has_its_own_name():
    """The OpenAPI document names each schema by its class: two classes of one name would share one entry,
    and one endpoint's answers would be described by the other's schema. (Importing the OpenAPI export above
    has imported every router and its schemas.)"""
    seen: dict[str, str] = {}
    clashes = []
    stack = [Schema]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("wangge."):
            continue
        where = f"{cls.__module__}.{cls.__qualname__}"
        if cls.__name__ in seen and seen[cls.__name__] != where:
            clashes.append(f"{cls.__name__}: {seen[cls.__name__]} and {where}")
        seen.setdefault(cls.__name__, where)
    assert not clashes, clashes
