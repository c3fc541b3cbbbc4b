"""The evaluation as a subdistrict chief uses it: grids, workers and handling organisations ranked by the
indicators, and every figure opening onto the matters behind it."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wangge.insights.evaluation import selectors
from wangge.insights.rollups import services as rollups
from wangge.people import services as people
from wangge.people.models import OrganisationKind
from wangge.testing.matters import A1EM1, A2EM1, close, report

URL = "/api/v1/insights/evaluation"


def _client(world, key="committee_A") -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def _matter(world, where, *, close_after_days=None, rework=False, rating=None):
    start = timezone.now()  # the world's duties began just now
    matter = report(world, where, at=start, description="垃圾")
    if close_after_days is None:
        return matter
    return close(world, matter, at=start + dt.timedelta(days=close_after_days),
                 resolved_at=start + dt.timedelta(minutes=5), rework=rework, rating=rating)


@pytest.fixture
def history(world):
    good = [_matter(world, A1EM1, close_after_days=0.1, rating="satisfied") for _ in range(2)]
    late = _matter(world, A2EM1, close_after_days=15, rework=True, rating="basic")
    still_open = _matter(world, A2EM1)
    rollups.fold_all()
    return world, good, late, still_open


@pytest.mark.django_db
def test_grids_are_ranked_by_the_composite_score(history):
    world, good, late, still_open = history
    body = _client(world).get(URL, {"node": world.grid("A").pk, "period": "12m"}).json()
    assert "0.3 × 结案率" in body["score_formula"]
    rows = {r["name"]: r for r in body["rows"]}
    a1, a2 = rows[world.grid("A1").name], rows[world.grid("A2").name]
    assert (a1["rank"], a1["score"]) == (1, pytest.approx(100))
    assert (a2["received"], a2["due"], a2["done"], a2["done_on_time"], a2["reworked"]) == (2, 2, 1, 0, 1)
    # 0.3 × 0.5 + 0.3 × 0 + 0.2 × (1 − 0.5) + 0.2 × 0.8
    assert a2["rank"] == 2 and a2["score"] == pytest.approx(100 * (0.15 + 0 + 0.1 + 0.16))


@pytest.mark.django_db
def test_workers_and_organisations_are_ranked_too(history):
    world, good, late, still_open = history
    handler = good[0].assignee
    assert handler is not None
    company = people.organisation_create(name="康宁物业", kind=OrganisationKind.PROPERTY_COMPANY, grid=world.grid("A"))
    people.membership_add(organisation=company, person=handler)
    client = _client(world)
    workers = client.get(URL, {"node": world.grid("A").pk, "period": "12m", "by": "worker"}).json()["rows"]
    assert handler.name in {r["name"] for r in workers}
    assert sum(r["received"] for r in workers) == 4 - sum(1 for m in (*good, late, still_open) if not m.assignee_id)
    orgs = client.get(URL, {"node": world.grid("A").pk, "period": "12m", "by": "organisation"}).json()["rows"]
    mine = next(r for r in orgs if r["name"] == "康宁物业")
    assert mine["received"] == sum(1 for m in (*good, late, still_open) if m.assignee_id == handler.pk)
    assert mine["detail"] == "物业服务企业"


@pytest.mark.django_db
def test_each_figure_opens_onto_its_matters(history):
    world, good, late, still_open = history
    client = _client(world)
    base = {"node": world.grid("A").pk, "period": "12m", "by": "grid", "key": world.grid("A2").pk}
    behind = client.get(f"{URL}/matters", {**base, "indicator": "late"}).json()
    assert {m["id"] for m in behind["items"]} == {late.pk, still_open.pk}
    assert "reporter" not in str(behind["items"][0]).lower()
    reworked = client.get(f"{URL}/matters", {**base, "indicator": "reworked"}).json()
    assert [m["id"] for m in reworked["items"]] == [late.pk]
    page = client.get("/insights/evaluation/", {"node": world.grid("A").pk, "period": "12m"}).content.decode()
    assert f'data-key="{world.grid("A2").pk}"' in page and "indicator=late" in page
    listing = client.get("/insights/evaluation/matters/", {**base, "indicator": "not_done"}).content.decode()
    assert f'data-matter="{still_open.pk}"' in listing and f'data-matter="{late.pk}"' not in listing


@pytest.mark.django_db
@pytest.mark.parametrize("params, field", [
    ({"by": "street"}, "by"),
    ({"level": "district"}, "level"),
    ({"period": "decade"}, "period"),
])
def test_bad_choices_name_their_field(world, params, field):
    response = _client(world).get(URL, {"node": world.grid("A").pk, **params})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field


@pytest.mark.django_db
def test_matters_behind_refuse_a_key_outside_the_node(world):
    client = _client(world)
    response = client.get(f"{URL}/matters", {"node": world.grid("A").pk, "by": "grid", "key": world.grid("B").pk})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "key"
    assert client.get(f"{URL}/matters", {"node": world.grid("A").pk, "indicator": "x"}).status_code == 422
    assert client.get(URL, {"node": world.grid("B").pk}).status_code == 404
    assert _client(world, "resident").get(URL, {"node": world.grid("A1em1").pk}).status_code == 403


def test_ties_share_a_rank_and_unscored_rows_come_last():
    from wangge.insights.rollups.selectors import Figures

    full = Figures(received=2, due=2, done=2, done_on_time=2, rated=0)
    rows = [selectors.Row(i, name, "", f, selectors.score(f)) for i, (name, f) in
            enumerate([("B组", full), ("A组", full), ("C组", Figures())])]
    ranked = selectors._ranked(rows)
    assert [(r.name, r.rank) for r in ranked] == [("A组", 1), ("B组", 1), ("C组", None)]
