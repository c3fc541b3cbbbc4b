"""The pages: list, new (also from a matter), detail with its forms; refusals shown beside the form."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wangge.fieldwork.disputes.models import Dispute, Status
from wangge.matters import services as matters
from wangge.matters.models import State

pytestmark = pytest.mark.django_db


def _client(world, key: str) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


@pytest.mark.parametrize(("user", "status"), [
    ("member_A1e", 200), ("leader_A1", 200), ("admin", 200), ("micro_A1em1", 403), ("resident", 403),
    ("nobody", 403),
])
def test_list_page(world, dispute, user, status):
    response = _client(world, user).get("/disputes/")
    assert response.status_code == status
    assert ("楼上漏水" in response.content.decode()) == (status == 200)


@pytest.mark.parametrize(("user", "status"), [
    ("member_A1e", 200), ("leader_A1", 200), ("micro_A1em1", 403), ("member_A2e", 404), ("nobody", 404),
])
def test_detail_page_scope(world, dispute, user, status):
    response = _client(world, user).get(f"/disputes/{dispute.pk}/")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "赵外来" in page
        raw = dispute.parties.get(side="respondent")
        assert raw.phone not in page and raw.id_number not in page


def test_list_page_filters(world, dispute):
    client = _client(world, "leader_A1")
    assert "楼上漏水" in client.get("/disputes/?kind=leak").content.decode()
    assert "楼上漏水" not in client.get("/disputes/?kind=parking").content.decode()
    assert "楼上漏水" not in client.get("/disputes/?status=agreement").content.decode()
    assert client.get("/disputes/?grid=999999").status_code == 200  # an unknown grid shows a message


def test_new_page_opens_a_dispute(world):
    client = _client(world, "member_A1e")
    assert client.get("/disputes/new/").status_code == 200
    response = client.post("/disputes/new/", {"grid": world.grid("A1em1").pk, "kind": "parking", "title": "",
                                              "applicant_name": "钱某", "applicant_phone": "123"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "标题" in page and "联系电话" in page
    assert Dispute.objects.count() == 0
    response = client.post("/disputes/new/", {"grid": world.grid("A1em1").pk, "kind": "parking", "title": "车位被占",
                                              "applicant_name": "钱某", "respondent_name": "孙某"})
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/disputes/{dispute.pk}/"
    assert dispute.parties.count() == 2


def test_new_page_from_a_matter(world):
    unit = world.households["A1em1"][0].unit
    matter, _ = matters.matter_report(actor=world.users["resident"], report=matters.Report(
        category="dispute-neighbour", description="邻居堆放杂物占用楼道", unit=unit.pk))
    # The matter's page offers the way to mediation to those who may mediate there, and to nobody else.
    link = f'href="/disputes/new/?matter={matter.pk}"'
    assert link in _client(world, "member_A1e").get(f"/matters/{matter.pk}/").content.decode()
    assert link not in _client(world, "micro_A1em1").get(f"/matters/{matter.pk}/").content.decode()
    assert link not in _client(world, "resident").get(f"/matters/{matter.pk}/").content.decode()
    client = _client(world, "member_A1e")
    page = client.get(f"/disputes/new/?matter={matter.pk}").content.decode()
    assert f"事项 #{matter.pk}" in page and "邻居堆放杂物占用楼道" in page
    response = client.post("/disputes/new/", {"matter": matter.pk, "kind": "neighbours", "title": "楼道杂物",
                                              "respondent_name": "孙某"})
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.state == State.IN_PROGRESS


def test_detail_forms(world, dispute):
    client = _client(world, "member_A1e")
    url = f"/disputes/{dispute.pk}/"
    response = client.post(f"{url}conclusion/", {"outcome": "referred", "referred_body": ""})
    assert response.status_code == 422
    page = response.content.decode()
    assert "移交去向" in page and "接收单位" in page
    response = client.post(f"{url}sessions/", {"held_at": "2020-13-01T10:00", "place": "议事厅", "notes": "x"})
    assert response.status_code == 422 and "调解时间" in response.content.decode()
    response = client.post(f"{url}sessions/", {"place": "议事厅", "notes": "双方陈述",
                                               "parties_present": [p.pk for p in dispute.parties.all()]})
    assert response.status_code == 302
    response = client.post(f"{url}parties/", {"side": "other", "name": "物业代表"})
    assert response.status_code == 302
    response = client.post(f"{url}conclusion/", {"outcome": "agreement", "agreement_terms": "赔偿800元",
                                                 "referred_body": "ignored by the page"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == Status.AGREEMENT
    page = client.get(url).content.decode()
    assert "赔偿800元" in page and "agreement.pdf" in page
    pdf = client.get(f"{url}agreement.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = client.post(f"{url}signed-copy/", {"file": SimpleUploadedFile("a.pdf", b"<html>no</html>")})
    assert bad.status_code == 422 and "文件" in bad.content.decode()
    good = client.post(f"{url}signed-copy/", {"file": SimpleUploadedFile("x.bin", b"%PDF-1.4\n%%EOF\n")})
    assert good.status_code == 302
    assert client.get(f"{url}signed-copy/")["Content-Type"] == "application/pdf"
    response = client.post(f"{url}follow-up/", {"note": "双方满意"})
    assert response.status_code == 302
    assert "双方满意" in client.get(url).content.decode()


def test_unmask_on_the_page(world, dispute):
    client = _client(world, "member_A1e")
    party = dispute.parties.get(side="respondent")
    response = client.post(f"/disputes/{dispute.pk}/parties/{party.pk}/unmask/", {"reason": "约定调解时间"})
    assert response.status_code == 200 and party.phone in response.content.decode()
    assert _client(world, "member_A2e").post(f"/disputes/{dispute.pk}/parties/{party.pk}/unmask/",
                                             {"reason": "x"}).status_code == 404


def test_forms_refuse_outside_scope(world, dispute):
    client = _client(world, "member_A2e")
    assert client.post(f"/disputes/{dispute.pk}/sessions/", {"place": "x", "notes": "y"}).status_code == 404
    assert _client(world, "micro_A1em1").post(f"/disputes/{dispute.pk}/conclusion/",
                                              {"outcome": "failed", "failure_reason": "x"}).status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == Status.OPEN and not dispute.sessions.exists()
