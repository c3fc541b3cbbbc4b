"""The public pages and their JSON twin: anonymous access, 404s, no personal data, live updates."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from wangge.insights.transparency import selectors

pytestmark = pytest.mark.django_db


def page(path: str, **headers):
    return Client().get(path, **headers)


def personal_data(world) -> list[str]:
    """Everything that would identify a person in the world: residents' and workers' names, phones, ID numbers."""
    out = []
    for residents in world.residents.values():
        for r in residents:
            out += [r.name, r.phone, r.id_number]
    for person in world.persons.values():
        out += [person.name, person.phone]
    return [s for s in out if s]


def test_anyone_sees_a_communitys_page_without_logging_in(world, scene):
    community = world.grid("A")
    response = page(f"/transparency/{community.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    t = selectors.transparency(community_id=community.pk)
    assert "红旗社区" in html and "城西街道" in html
    assert f"<strong>{t.activities}</strong>" in html and f"<strong>{t.matters_closed}</strong>" in html
    assert f"<strong>{t.cameras}</strong>" in html and f"<strong>{t.visits}</strong>" in html
    assert "满意率 90.0%" in html  # (1 satisfied + 0.8 × 1 basically satisfied) ÷ 2 rated
    assert f'hx-get="/transparency/{community.pk}/live/"' in html and 'hx-trigger="every 60s"' in html
    assert html.count("<polyline") == 6
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


def test_the_live_partial_is_the_figures_alone(world, scene):
    response = page(f"/transparency/{world.grid('A').pk}/live/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="tp-figures"') and "<html" not in html


@pytest.mark.parametrize("key", ["district", "sub", "A1", "A1e", "A1em1"])
def test_a_node_that_is_not_a_community_answers_404(world, key):
    pk = world.grid(key).pk
    assert page(f"/transparency/{pk}/").status_code == 404
    assert page(f"/transparency/{pk}/live/").status_code == 404
    response = page(f"/api/v1/transparency/{pk}")
    assert response.status_code == 404 and response.json()["detail"]


@pytest.mark.parametrize("pk", [999999, 9223372036854775807, 9223372036854775808])
def test_an_unknown_id_answers_404(world, pk):
    assert page(f"/transparency/{pk}/").status_code == 404
    assert page(f"/api/v1/transparency/{pk}").status_code in (404, 422)


def test_no_personal_data_on_the_page_or_in_the_json(world, scene):
    pk = world.grid("A").pk
    html = page(f"/transparency/{pk}/").content.decode()
    body = page(f"/api/v1/transparency/{pk}").content.decode()
    for text in personal_data(world):
        assert text not in html, text
        assert text not in body, text
    rooms = {h.room for households in world.households.values() for h in households}
    strings = [v for v in json.loads(body).values() if isinstance(v, str)]
    assert not rooms & set(strings)
    for word in ("1号楼", "单元", "室"):
        assert word not in html and word not in body


def test_the_json_twin_has_the_same_figures(world, scene):
    pk = world.grid("A").pk
    response = page(f"/api/v1/transparency/{pk}")
    assert response.status_code == 200
    body = response.json()
    t = selectors.transparency(community_id=pk)
    for name in ("activities", "attendance", "matters_received", "matters_closed", "disputes_mediated", "cameras",
                 "cameras_in_service", "sessions_held", "resolutions", "visits", "households_visited"):
        assert body[name] == getattr(t, name), name
    assert body["community"] == "红旗社区" and body["satisfaction_rate"] == pytest.approx(0.9)
    assert len(body["months"]) == 12 and set(body["months"][0]) >= {"month", "activities", "visits", "cameras"}


def test_the_list_names_every_community(world):
    html = page("/transparency/").content.decode()
    assert f'href="/transparency/{world.grid("A").pk}/"' in html and f'href="/transparency/{world.grid("B").pk}/"' in html
    assert "城西街道" in html
    assert f'/transparency/{world.grid("A1").pk}/' not in html


def test_a_warm_page_costs_no_query(world, django_assert_num_queries):
    pk = world.grid("B").pk
    page(f"/transparency/{pk}/")
    page("/transparency/")
    with django_assert_num_queries(0):
        assert page(f"/transparency/{pk}/").status_code == 200
        assert page(f"/transparency/{pk}/live/").status_code == 200
        assert page(f"/api/v1/transparency/{pk}").status_code == 200
        assert page("/transparency/").status_code == 200


def test_only_get(world):
    assert Client().post(f"/transparency/{world.grid('A').pk}/").status_code == 405


def test_the_operation_is_public_in_the_openapi_document():
    from wangge.config.api import api

    schema = api.get_openapi_schema()
    operation = schema["paths"]["/api/v1/transparency/{community_id}"]["get"]
    assert operation["operationId"] == "transparency_get"
    assert not operation.get("security")
    assert {"TransparencyOut", "TransparencyMonthOut"} <= set(schema["components"]["schemas"])
