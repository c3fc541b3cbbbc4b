from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from .conftest import make_election, shift

pytestmark = pytest.mark.django_db


def _body(world):
    now = timezone.now()
    return {"community": world.grid("A").pk, "title": "最美志愿者", "nomination_opens": now.isoformat(),
            "nomination_closes": (now + dt.timedelta(days=3)).isoformat(),
            "voting_opens": (now + dt.timedelta(days=4)).isoformat(),
            "voting_closes": (now + dt.timedelta(days=8)).isoformat(), "announce": True}


def test_create_scope_and_bad_input(world, api):
    assert api("committee_A").post("/api/v1/elections", _body(world), content_type="application/json").status_code == 201
    assert api("liaison_A").post("/api/v1/elections", _body(world), content_type="application/json").status_code == 403
    assert api("committee_B").post("/api/v1/elections", _body(world), content_type="application/json").status_code == 404
    assert api("resident").post("/api/v1/elections", _body(world), content_type="application/json").status_code == 403
    bad = {**_body(world), "voting_opens": _body(world)["nomination_opens"]}
    r = api("committee_A").post("/api/v1/elections", bad, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "voting_opens"
    r = api("committee_A").post("/api/v1/elections", {**_body(world), "title": " "}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title"
    assert api(None).get("/api/v1/elections").status_code == 401


def test_every_endpoint_scoped(world, api):
    e = make_election(world)
    n = e.nominations.first()
    base = f"/api/v1/elections/{e.pk}"
    # list / get: A's staff and residents see it; B's staff and residents do not.
    for key in ("committee_A", "liaison_A", "resident", "admin"):
        assert api(key).get("/api/v1/elections").json()["count"] == 1
        assert api(key).get(base).status_code == 200
    for key in ("committee_B", "member_B1e", "nobody"):
        assert api(key).get("/api/v1/elections").json()["count"] == 0
        assert api(key).get(base).status_code == 404
    writes = [
        ("patch", base, {"title": "新名字"}),
        ("post", f"{base}/publish", {"results": True}),
        ("post", f"{base}/nominations/{n.pk}/decide", {"approve": True, "citation": "好"}),
    ]
    for method, url, body in writes:
        assert getattr(api("liaison_A"), method)(url, body, content_type="application/json").status_code == 403
        assert getattr(api("resident"), method)(url, body, content_type="application/json").status_code == 403
        assert getattr(api("committee_B"), method)(url, body, content_type="application/json").status_code == 404
    assert api("liaison_A").get(f"{base}/audit").status_code == 403
    assert api("committee_B").get(f"{base}/audit").status_code == 404
    assert api("committee_A").get(f"{base}/audit").json()["count"] == 6
    assert api("resident").get(f"{base}/results").status_code == 403
    assert api("committee_B").get(f"{base}/results").status_code == 404
    assert api("committee_A").get(f"{base}/results").status_code == 200
    # nominations: staff see pending ones, residents candidates only
    r = api("resident").post(f"{base}/nominations", {"nominee": world.residents["A1em2"][0].pk, "reason": "好"},
                             content_type="application/json")
    assert r.status_code == 201
    assert api("resident").get(f"{base}/nominations").json()["count"] == 2
    assert api("committee_A").get(f"{base}/nominations").json()["count"] == 3
    assert api("committee_B").post(f"{base}/nominations", {"nominee": world.residents["A1em2"][1].pk, "reason": "好"},
                                   content_type="application/json").status_code == 404
    # votes
    shift(e, "voting")
    cand = n.pk
    assert api("committee_B").post(f"{base}/votes", {"candidates": [cand]},
                                   content_type="application/json").status_code == 404
    assert api("liaison_A").post(f"{base}/votes", {"candidates": [cand]},
                                 content_type="application/json").status_code == 403
    r = api("resident").post(f"{base}/votes", {"candidates": [cand]}, content_type="application/json")
    assert r.status_code == 201
    assert api("resident").get(base).json()["voted"] is True
    r = api("resident").post(f"{base}/votes", {"candidates": [cand]}, content_type="application/json")
    assert r.status_code == 409 and "已经投过票" in r.json()["detail"]
    r = api("resident").post(f"{base}/votes", {"candidates": []}, content_type="application/json")
    assert r.status_code == 422


def test_publish_results_then_residents_see_counts(world, api):
    e = shift(make_election(world), "voting")
    api("resident").post(f"/api/v1/elections/{e.pk}/votes", {"candidates": [e.nominations.first().pk]},
                         content_type="application/json")
    shift(e, "closed")
    r = api("committee_A").post(f"/api/v1/elections/{e.pk}/publish", {"results": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["phase"] == "finished"
    res = api("resident").get(f"/api/v1/elections/{e.pk}/results").json()
    assert res["published"] and res["ballots"] == 1 and res["candidates"][0]["votes"] == 1
    assert api("resident").get("/api/v1/elections?phase=finished").json()["count"] == 1


def test_list_queries_bounded(world, api, django_assert_max_num_queries):
    for _ in range(3):
        make_election(world)
    client = api("committee_A")
    with django_assert_max_num_queries(15):
        assert client.get("/api/v1/elections").json()["count"] == 3


# -- pages ---------------------------------------------------------------------------------------------------


def test_pages_for_each_role(world, client_of):
    e = make_election(world)
    for key in ("committee_A", "resident", "liaison_A"):
        c = client_of(key)
        assert c.get("/elections/").status_code == 200
        assert c.get(f"/elections/{e.pk}/").status_code == 200
    assert client_of("committee_A").get("/elections/new/").status_code == 200
    assert client_of("resident").get("/elections/new/").status_code == 403
    assert client_of("committee_A").get(f"/elections/{e.pk}/audit/").status_code == 200
    assert client_of("resident").get(f"/elections/{e.pk}/audit/").status_code == 403
    assert client_of("committee_B").get(f"/elections/{e.pk}/").status_code == 404
    page = client_of("resident").get(f"/elections/{e.pk}/").content.decode()
    assert "提交提名" in page


def test_vote_page_flow(world, client_of):
    e = shift(make_election(world), "voting")
    c = client_of("resident")
    cand = e.nominations.first().pk
    r = c.post(f"/elections/{e.pk}/vote/", {"candidates": [cand]}, follow=True)
    assert "投票成功" in r.content.decode() and "您已经投过票了" in r.content.decode()
    r = c.post(f"/elections/{e.pk}/vote/", {"candidates": [cand]}, follow=True)
    assert "已经投过票" in r.content.decode()
    assert e.ballots.count() == 1


def test_create_page(world, client_of):
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    data = {"community": world.grid("A").pk, "title": "最美业主", "eligibility": "residents", "basis": "household",
            "votes_per_voter": "1", "nomination_opens": now.strftime(fmt),
            "nomination_closes": (now + dt.timedelta(days=2)).strftime(fmt),
            "voting_opens": (now + dt.timedelta(days=1)).strftime(fmt),
            "voting_closes": (now + dt.timedelta(days=5)).strftime(fmt)}
    r = client_of("committee_A").post("/elections/new/", data)
    assert r.status_code == 422 and "投票开始不能早于提名截止" in r.content.decode()
    data["voting_opens"] = (now + dt.timedelta(days=3)).strftime(fmt)
    r = client_of("committee_A").post("/elections/new/", data)
    assert r.status_code == 302
