"""/api/v1/consultations: every endpoint with users inside and outside the scope — 404 outside (ids don't
leak), 403 inside without the right, 401 without a login."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wangge.hall.consultations.models import Consultation, Response

from .conftest import answers_for, make

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OUTSIDERS = ("committee_B", "resident_b", "nobody")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _body(world, **kw):
    data = {"community": world.grid("A").pk, "title": "小区停车位改造方案",
            "closes_at": (timezone.now() + dt.timedelta(days=5)).isoformat(),
            "grids": [world.grid("A1em1").pk],
            "questions": [{"kind": "single", "text": "是否赞成？", "options": ["赞成", "反对"]},
                          {"kind": "scale", "text": "满意度", "min_label": "差", "max_label": "好"}]}
    data.update(kw)
    return data


def test_create_then_read_as_the_secretary(world, api, logins):
    client = api("committee_A")
    response = client.post("/api/v1/consultations", _body(world), content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft" and data["audience"] == "A1微网格1的居民"
    assert [q["kind"] for q in data["questions"]] == ["single", "scale"] and data["my_answers"] is None
    assert client.get(f"/api/v1/consultations/{data['id']}").json()["title"] == "小区停车位改造方案"


def test_create_refusals(world, api, logins):
    bad = api("committee_A").post("/api/v1/consultations", _body(world, title="", questions=[
        {"kind": "single", "text": "一个选项", "options": ["是"]}]), content_type="application/json")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"title", "questions.1.options"}
    for key, status in (("liaison_A", 403), ("member_A1e", 403), ("resident", 403), ("committee_B", 404),
                        ("resident_b", 404), ("nobody", 404)):
        r = api(key).post("/api/v1/consultations", _body(world), content_type="application/json")
        assert r.status_code == status, (key, r.content)
    assert api(None).post("/api/v1/consultations", _body(world), content_type="application/json").status_code == 401
    assert not Consultation.objects.exists()


def test_list_is_scoped(world, api, logins):
    draft = make(world, title="草稿征求")
    opened = make(world, title="电梯征求", grids=[world.grid("A1em1").pk], open_it=True)
    make(world, actor="committee_B", community="B", title="B社区征求", open_it=True)

    def titles(key, **params):
        r = api(key).get("/api/v1/consultations", params)
        assert r.status_code == 200
        return {row["title"] for row in r.json()["items"]}

    assert titles("committee_A") == {"草稿征求", "电梯征求"}
    assert titles("liaison_A") == {"电梯征求"} and titles("member_A1e") == {"电梯征求"}
    assert titles("resident") == {"电梯征求"}
    assert titles("neighbour") == set() and titles("resident_b") == {"B社区征求"}
    assert titles("nobody") == set() and titles("committee_B") == {"B社区征求"}
    assert titles("admin") == {"草稿征求", "电梯征求", "B社区征求"}
    assert titles("committee_A", status="draft") == {"草稿征求"}
    assert titles("committee_A", q="电梯") == {"电梯征求"}
    assert titles("committee_A", within=world.grid("A1em1").pk) == {"草稿征求", "电梯征求"}
    assert api("committee_A").get("/api/v1/consultations", {"within": world.grid("B").pk}).status_code == 404
    assert api("committee_A").get("/api/v1/consultations", {"status": "sealed"}).status_code == 422
    assert draft.pk and opened.pk


def test_get_update_open_close_results_and_documents_by_role(world, api, logins, media):
    c = make(world, grids=[world.grid("A1em1").pk])
    base = f"/api/v1/consultations/{c.pk}"
    # A draft: only those who run it.
    for key, status in (("committee_A", 200), ("liaison_A", 403), ("member_A1e", 403), ("resident", 404),
                        ("neighbour", 404), *((k, 404) for k in OUTSIDERS)):
        assert api(key).get(base).status_code == status, key
    for key, status in (("liaison_A", 403), ("resident", 403), ("committee_B", 404), ("nobody", 404)):
        assert api(key).patch(base, {"title": "改"}, content_type="application/json").status_code == status, key
        assert api(key).post(f"{base}/open").status_code == status, key
        upload = SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf")
        assert api(key).post(f"{base}/documents", {"file": upload}).status_code == status, key
    secretary = api("committee_A")
    assert secretary.patch(base, {"title": "加装电梯方案"}, content_type="application/json").json()["title"] \
        == "加装电梯方案"
    doc = secretary.post(f"{base}/documents", {"file": SimpleUploadedFile("方案.pdf", PDF)})
    assert doc.status_code == 201, doc.content
    doc_url = f"{base}/documents/{doc.json()['id']}"
    assert secretary.post(f"{base}/documents", {"file": SimpleUploadedFile("x.pdf", b"MZ")}).status_code == 422
    assert secretary.post(f"{base}/open").json()["status"] == "open"
    assert secretary.patch(base, {"title": "再改"}, content_type="application/json").status_code == 409
    # Published: staff of the community and the audience see it; outsiders don't.
    for key, status in (("liaison_A", 200), ("member_A1e", 200), ("resident", 200), ("spouse", 200),
                        ("neighbour", 403), *((k, 404) for k in OUTSIDERS)):
        assert api(key).get(base).status_code == status, key
        got = api(key).get(doc_url)
        assert got.status_code == status, key
        if status == 200:
            assert b"".join(got.streaming_content) == PDF and got["Content-Type"] == "application/pdf"
    # Results while open: the secretary only.
    for key, status in (("committee_A", 200), ("liaison_A", 403), ("resident", 403), ("neighbour", 403),
                        ("committee_B", 404), ("nobody", 404)):
        assert api(key).get(f"{base}/results").status_code == status, key
    # Answering.
    answers = answers_for(c)
    for key, status in (("resident", 201), ("spouse", 201), ("neighbour", 403), ("liaison_A", 403),
                        ("committee_A", 403), ("resident_b", 404), ("nobody", 404)):
        r = api(key).post(f"{base}/responses", {"answers": answers}, content_type="application/json")
        assert r.status_code == status, (key, r.content)
    mine = api("resident").get(base).json()["my_answers"]
    assert {a["question"] for a in mine} == {q.pk for q in c.questions.all()}
    bad = api("resident").post(f"{base}/responses", {"answers": [{"question": answers[0]["question"],
                                                                   "options": [10**9]}]},
                               content_type="application/json")
    assert bad.status_code == 422 and "第1题" in bad.json()["errors"][0]["message"]
    # Closing.
    for key, status in (("liaison_A", 403), ("resident", 403), ("committee_B", 404)):
        assert api(key).post(f"{base}/close").status_code == status, key
    assert secretary.post(f"{base}/close").json()["status"] == "closed"
    assert secretary.post(f"{base}/close").status_code == 409
    late = api("upstairs").post(f"{base}/responses", {"answers": answers}, content_type="application/json")
    assert late.status_code == 409 and "截止" in late.json()["detail"]
    # Closed: staff read results; residents only once published.
    assert api("liaison_A").get(f"{base}/results").json()["responses"] == 2
    assert api("resident").get(f"{base}/results").status_code == 403
    assert api("resident").get(base).json()["results_available"] is False
    secretary.patch(base, {"publish_results": True}, content_type="application/json")
    results = api("resident").get(f"{base}/results").json()
    assert results["responses"] == 2 and results["eligible"] == 4 and results["rate"] == 0.5
    assert api("neighbour").get(f"{base}/results").status_code == 403
    assert api("resident_b").get(f"{base}/results").status_code == 404
    assert Response.objects.count() == 2


def test_per_household_basis_over_the_api(world, api, logins):
    c = make(world, grids=[world.grid("A1em1").pk], basis="household", open_it=True)
    answers = answers_for(c)
    url = f"/api/v1/consultations/{c.pk}/responses"
    assert api("resident").post(url, {"answers": answers}, content_type="application/json").status_code == 201
    second = api("spouse").post(url, {"answers": answers}, content_type="application/json")
    assert second.status_code == 409 and "每户" in second.json()["detail"]
    # The spouse sees the household's answers as theirs.
    assert api("spouse").get(f"/api/v1/consultations/{c.pk}").json()["my_answers"]


def test_large_ids_are_not_found(world, api):
    assert api("committee_A").get("/api/v1/consultations/99999999").status_code == 404
    assert api("committee_A").get("/api/v1/consultations/99999999/results").status_code == 404


def test_nulls_in_a_patch_are_answered_not_crashed(world, api):
    c = make(world)
    base = f"/api/v1/consultations/{c.pk}"
    client = api("committee_A")
    r = client.patch(base, {"grids": None, "questions": None, "closes_at": None}, content_type="application/json")
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"closes_at"}
    r = client.patch(base, {"grids": None, "buildings": None}, content_type="application/json")
    assert r.status_code == 200 and r.json()["audience"] == "红旗社区的居民"
