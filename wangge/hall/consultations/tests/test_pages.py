"""The pages: the staff list with the question builder, a consultation with its results, the phone form
of a resident, and a resident's list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from wangge.hall.agenda.models import Hall, Item
from wangge.hall.consultations import services
from wangge.hall.consultations.models import Consultation, Response, Status

from .conftest import answers_for, make

pytestmark = pytest.mark.django_db


def _client(world, key: str) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def _local(delta: dt.timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def test_the_list_and_the_form_for_the_secretary(world):
    make(world, title="电梯征求", open_it=True)
    page = _client(world, "committee_A").get("/consultations/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "电梯征求" in html and 'id="consultation-new"' in html and 'name="q-3-text"' in html
    row = _client(world, "committee_A").get("/consultations/question-row/", {"n": 7}, HTTP_HX_REQUEST="true")
    assert 'name="q-7-kind"' in row.content.decode()
    audience = _client(world, "committee_A").get("/consultations/audience/", {"community": world.grid("A").pk})
    assert f'value="g:{world.grid("A1em1").pk}"' in audience.content.decode()


def test_creating_from_the_form_and_refusals_shown_beside_it(world):
    client = _client(world, "committee_A")
    form = {"community": world.grid("A").pk, "title": "停车位改造", "proposal": "地面车位重新划线",
            "basis": "household", "closes_at": _local(dt.timedelta(days=3)),
            "audience": [f"g:{world.grid('A1em1').pk}"],
            "q-1-kind": "single", "q-1-text": "是否赞成？", "q-1-options": "赞成\n反对", "q-1-required": "1",
            "q-2-kind": "scale", "q-2-text": "满意度", "q-2-scale_max": "5", "q-2-min_label": "差",
            "q-2-max_label": "好", "q-2-required": "1",
            "q-3-kind": "single", "q-3-text": "", "q-3-options": ""}
    bad = client.post("/consultations/", {**form, "q-1-options": "赞成", "title": ""})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "标题：请填写" in html and "第1题：单选、多选题至少要有两个选项" in html and "地面车位重新划线" in html
    assert not Consultation.objects.exists()
    ok = client.post("/consultations/", form)
    c = Consultation.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/consultations/{c.pk}/"
    assert c.basis == "household" and c.questions.count() == 2 and list(c.grids.all()) == [world.grid("A1em1")]


def test_a_resident_without_duties_goes_to_their_list(world):
    assert _client(world, "resident").get("/consultations/")["Location"] == "/my/consultations/"


@pytest.mark.parametrize(("user", "status"), [
    ("committee_A", 200), ("admin", 200), ("liaison_A", 403), ("member_A1e", 403), ("resident", 404),
    ("committee_B", 404), ("nobody", 404),
])
def test_a_draft_page(world, user, status):
    c = make(world)
    assert _client(world, user).get(f"/consultations/{c.pk}/").status_code == status


def test_the_secretary_attaches_opens_and_closes(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    c = make(world)
    client = _client(world, "committee_A")
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n%%EOF\n")
    client.post(f"/consultations/{c.pk}/documents/", {"file": pdf})
    bad = client.post(f"/consultations/{c.pk}/documents/", {"file": SimpleUploadedFile("a.exe", b"MZ")},
                      follow=True)
    assert "附件：只支持" in bad.content.decode()
    assert c.documents.count() == 1
    client.post(f"/consultations/{c.pk}/open/")
    c.refresh_from_db()
    assert c.status == Status.OPEN
    assert _client(world, "liaison_A").post(f"/consultations/{c.pk}/close/").status_code == 403
    client.post(f"/consultations/{c.pk}/publish/", {"publish": "1"})
    client.post(f"/consultations/{c.pk}/close/")
    c.refresh_from_db()
    assert c.status == Status.CLOSED and c.publish_results


def test_a_resident_answers_on_the_phone_form_and_sees_published_results(world, logins):
    c = make(world, grids=[world.grid("A1em1").pk], open_it=True)
    client = _client(world, "resident")
    mine = client.get("/my/consultations/").content.decode()
    assert "加装电梯意见征集" in mine and "待作答" in mine
    page = client.get(f"/consultations/{c.pk}/answer/")
    assert page.status_code == 200 and 'class="consult-choice"' in page.content.decode()
    single, multiple, scale, text = c.questions.order_by("position")
    bad = client.post(f"/consultations/{c.pk}/answer/", {f"q-{single.pk}": single.options.first().pk})
    assert bad.status_code == 422 and "第2题：此题必答" in bad.content.decode()
    assert not Response.objects.exists()
    form = {f"q-{single.pk}": single.options.first().pk, f"q-{multiple.pk}": [o.pk for o in multiple.options.all()[:2]],
            f"q-{scale.pk}": "4", f"q-{text.pk}": "请注意施工时间"}
    assert client.post(f"/consultations/{c.pk}/answer/", form).status_code == 302
    again = client.get(f"/consultations/{c.pk}/answer/").content.decode()
    assert "您已于" in again and "请注意施工时间" in again
    assert "已作答" in client.get("/my/consultations/").content.decode()
    # Outside the audience: a page saying why.
    refused = _client(world, "neighbour").get(f"/consultations/{c.pk}/answer/")
    assert refused.status_code == 403 and "不在本次征求意见的范围内" in refused.content.decode()
    assert _client(world, "resident_b").get(f"/consultations/{c.pk}/answer/").status_code == 404
    # Closed and published: the results, without names.
    services.consultation_update(actor=world.users["committee_A"], consultation_id=c.pk, publish_results=True)
    services.consultation_close(actor=world.users["committee_A"], consultation_id=c.pk)
    assert "加装电梯意见征集" in client.get("/my/consultations/").content.decode()
    results = client.get(f"/consultations/{c.pk}/").content.decode()
    assert "consult-bar-fill" in results and "请注意施工时间" in results and world.residents["A1em1"][0].name \
        not in results.split("consult-summary")[1]
    late = client.post(f"/consultations/{c.pk}/answer/", form)
    assert late.status_code == 409 and "截止" in late.content.decode()


def test_staff_read_results_once_closed(world, logins):
    c = make(world, grids=[world.grid("A1em1").pk], open_it=True)
    services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk, answers=answers_for(c))
    assert "征求结束后可查看结果" in _client(world, "liaison_A").get(f"/consultations/{c.pk}/").content.decode()
    assert "consult-summary" in _client(world, "committee_A").get(f"/consultations/{c.pk}/").content.decode()
    services.consultation_close(actor=world.users["committee_A"], consultation_id=c.pk)
    page = _client(world, "liaison_A").get(f"/consultations/{c.pk}/").content.decode()
    assert "consult-summary" in page and "25%" in page


def test_the_item_tag_shows_the_summary_on_a_session_page(world, logins):
    hall = Hall.objects.create(community=world.grid("A"), name="议事厅", subdistrict=world.grid("sub"))
    item = Item.objects.create(hall=hall, kind="major", title="加装电梯", subdistrict=world.grid("sub"))
    c = make(world, grids=[world.grid("A1em1").pk], item=item.pk, open_it=True, publish_results=True)
    services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk, answers=answers_for(c))
    services.consultation_close(actor=world.users["committee_A"], consultation_id=c.pk)
    template = Template("{% load consultation_tags %}{% item_consultations item %}")

    def render(key):
        request = RequestFactory().get("/")
        request.user = world.users[key]
        return template.render(Context({"request": request, "item": item}))

    assert "consult-summary" in render("committee_A") and "consult-summary" in render("resident")
    assert render("resident_b").strip() == "" and render("neighbour").strip() == ""
