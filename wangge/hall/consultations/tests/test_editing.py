"""Changing a draft (its fields and its questionnaire), extending an open consultation, and removing a
document attached by mistake — in the services, on the pages and in the API. Once a consultation is open
its questionnaire is fixed; a refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.hall.consultations import selectors, services
from wangge.hall.consultations.models import Consultation, Document, Question, Status
from wangge.registry.models import Building

from .conftest import QUESTIONS, answers_for, make

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _client(world, key: str) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _snapshot(c: Consultation) -> tuple:
    c = Consultation.objects.get(pk=c.pk)
    questions = [(q.pk, q.position, q.kind, q.text, q.scale_min, q.scale_max, [o.text for o in q.options.all()])
                 for q in c.questions.order_by("position")]
    return (c.title, c.proposal, c.basis, c.closes_at, c.status, sorted(c.grids.values_list("pk", flat=True)),
            sorted(c.buildings.values_list("pk", flat=True)), questions)


# -- services ----------------------------------------------------------------------------------------------


def test_a_draft_changes_as_a_whole(world):
    c = make(world)
    building = Building.objects.get(estate_grid=world.grid("A2e"))
    closes = timezone.now() + dt.timedelta(days=10)
    services.consultation_update(
        actor=world.users["committee_A"], consultation_id=c.pk, title="加装电梯方案（修订）", proposal="费用按户分摊",
        basis="household", closes_at=closes, grids=[world.grid("A1em1").pk], buildings=[building.pk],
        questions=[QUESTIONS[2] | {"scale_min": 0, "scale_max": 10}, QUESTIONS[0] | {"options": ["赞成", "反对"]},
                   {"kind": "text", "text": "还有什么顾虑？"}],
    )
    c.refresh_from_db()
    assert (c.title, c.proposal, c.basis, c.closes_at) == ("加装电梯方案（修订）", "费用按户分摊", "household", closes)
    assert list(c.grids.all()) == [world.grid("A1em1")] and list(c.buildings.all()) == [building]
    scale, single, text = c.questions.order_by("position")
    assert (scale.kind, scale.scale_min, scale.scale_max) == ("scale", 0, 10)
    assert [o.text for o in single.options.all()] == ["赞成", "反对"]
    assert text.kind == "text" and text.required
    # Choosing no grid and no building again means the whole community.
    services.consultation_update(actor=world.users["committee_A"], consultation_id=c.pk, grids=[], buildings=[])
    assert list(c.grids.all()) == [world.grid("A")] and not c.buildings.exists()


def test_a_bad_question_is_named_and_nothing_is_written(world):
    c = make(world)
    before = _snapshot(c)
    with pytest.raises(InvalidInput) as exc:
        services.consultation_update(
            actor=world.users["committee_A"], consultation_id=c.pk, title="新标题",
            questions=[QUESTIONS[0], {"kind": "single", "text": "只有一个选项", "options": ["是"]},
                       {"kind": "scale", "text": "量表", "scale_min": 3, "scale_max": 11}],
        )
    assert {e.field for e in exc.value.errors} == {"questions.2.options", "questions.3.scale"}
    assert "第2题" in next(e.message for e in exc.value.errors if e.field == "questions.2.options")
    assert _snapshot(c) == before


def test_once_open_only_the_closing_time_moves_later(world, logins):
    c = make(world, grids=[world.grid("A1em1").pk], open_it=True)
    services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk, answers=answers_for(c))
    before = _snapshot(c)
    committee = world.users["committee_A"]
    for change in ({"questions": QUESTIONS[:1]}, {"title": "改"}, {"grids": []}, {"basis": "household"},
                   {"title": "改", "closes_at": c.closes_at + dt.timedelta(days=1)}):
        with pytest.raises(Conflict) as exc:
            services.consultation_update(actor=committee, consultation_id=c.pk, **change)
        assert "问卷不能再修改" in exc.value.message
    for earlier in (c.closes_at - dt.timedelta(hours=1), c.closes_at, None):
        with pytest.raises(InvalidInput) as exc:
            services.consultation_update(actor=committee, consultation_id=c.pk, closes_at=earlier)
        assert [e.field for e in exc.value.errors] == ["closes_at"]
    assert _snapshot(c) == before
    later = c.closes_at + dt.timedelta(days=3)
    services.consultation_update(actor=committee, consultation_id=c.pk, closes_at=later)
    c.refresh_from_db()
    assert c.closes_at == later and c.responses.count() == 1 and c.status == Status.OPEN
    services.consultation_close(actor=committee, consultation_id=c.pk)
    with pytest.raises(Conflict):
        services.consultation_update(actor=committee, consultation_id=c.pk, closes_at=later + dt.timedelta(days=1))
    # Past its closing time it is closed, even before the job writes it.
    late = make(world, open_it=True)
    with pytest.raises(Conflict):
        services.consultation_update(actor=committee, consultation_id=late.pk, at=late.closes_at,
                                     closes_at=late.closes_at + dt.timedelta(days=1))


def test_removing_a_document(world, media, django_capture_on_commit_callbacks):
    c = make(world)
    committee = world.users["committee_A"]
    keep = services.document_add(actor=committee, consultation_id=c.pk, data=PDF, name="方案.pdf")
    wrong = services.document_add(actor=committee, consultation_id=c.pk, data=PDF, name="身份证复印件.pdf")
    stored = media / wrong.file.name
    assert stored.exists()
    for key, error in (("member_A1e", PermissionDenied), ("liaison_A", PermissionDenied), ("resident", PermissionDenied),
                       ("committee_B", NotFound), ("nobody", NotFound)):
        with pytest.raises(error):
            services.document_remove(actor=world.users[key], consultation_id=c.pk, document_id=wrong.pk)
    with pytest.raises(NotFound):  # a document of another consultation
        services.document_remove(actor=committee, consultation_id=make(world).pk, document_id=wrong.pk)
    assert Document.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.document_remove(actor=committee, consultation_id=c.pk, document_id=wrong.pk)
    assert not stored.exists() and list(c.documents.all()) == [keep]
    with pytest.raises(NotFound):
        selectors.document_get(actor=committee, consultation_id=c.pk, document_id=wrong.pk)
    services.consultation_open(actor=committee, consultation_id=c.pk)
    with pytest.raises(Conflict):
        services.document_remove(actor=committee, consultation_id=c.pk, document_id=keep.pk)
    assert list(c.documents.all()) == [keep]


# -- pages -------------------------------------------------------------------------------------------------


def _edit_form(c, **changes) -> dict:
    """The edit form as the page fills it in, with changes."""
    form = {"title": c.title, "proposal": c.proposal, "basis": c.basis, "closes_at": _local(c.closes_at)}
    for q in c.questions.order_by("position"):
        n = q.position
        form |= {f"q-{n}-order": str(n), f"q-{n}-kind": q.kind, f"q-{n}-text": q.text,
                 f"q-{n}-options": "\n".join(o.text for o in q.options.all()), f"q-{n}-scale_min": str(q.scale_min),
                 f"q-{n}-scale_max": str(q.scale_max), f"q-{n}-min_label": q.min_label,
                 f"q-{n}-max_label": q.max_label}
        if q.required:
            form[f"q-{n}-required"] = "1"
    return form | changes


def test_the_secretary_edits_a_draft_and_its_page_shows_the_change(world):
    c = make(world, grids=[world.grid("A1em1").pk])
    client = _client(world, "committee_A")
    page = client.get(f"/consultations/{c.pk}/")
    assert f'href="/consultations/{c.pk}/edit/"' in page.content.decode()
    form_page = client.get(f"/consultations/{c.pk}/edit/")
    html = form_page.content.decode()
    assert form_page.status_code == 200
    assert 'value="加装电梯意见征集"' in html and 'value="您是否赞成加装电梯？"' in html
    assert "赞成\n反对\n无所谓</textarea>" in html and f'value="{_local(c.closes_at)}"' in html
    assert f'value="g:{world.grid("A1em1").pk}" checked' in html
    # Change the title, put the scale question first, drop the multiple choice, change the options of the
    # single choice, and add a 0–10 scale row (as the htmx button adds it).
    closes = timezone.now() + dt.timedelta(days=12)
    form = _edit_form(c, **{
        "title": "加装电梯方案（第二稿）", "closes_at": _local(closes), "basis": "household",
        "audience": [f"b:{Building.objects.get(estate_grid=world.grid('A2e')).pk}"],
        "q-1-order": "2", "q-1-options": "赞成\n反对", "q-2-remove": "1", "q-3-order": "1",
        "q-5-kind": "scale", "q-5-text": "您对施工安排的满意度", "q-5-scale_min": "0", "q-5-scale_max": "10",
        "q-5-required": "1",
    })
    response = client.post(f"/consultations/{c.pk}/edit/", form)
    assert response.status_code == 302 and response["Location"] == f"/consultations/{c.pk}/"
    detail = client.get(f"/consultations/{c.pk}/").content.decode()
    assert "加装电梯方案（第二稿）" in detail and "每户一份" in detail and "A2" in detail
    questions = detail.split('class="consult-questions"')[1]
    order = ["您对方案的满意程度", "您是否赞成加装电梯？", "其他意见和建议", "您对施工安排的满意度"]
    assert [questions.index(t) for t in order] == sorted(questions.index(t) for t in order)
    assert "您关心哪些方面？" not in questions and "无所谓" not in questions and "0–10" in questions


def test_a_bad_question_on_the_edit_page_is_named_beside_it_and_nothing_is_saved(world):
    c = make(world)
    before = _snapshot(c)
    client = _client(world, "committee_A")
    response = client.post(f"/consultations/{c.pk}/edit/", _edit_form(c, **{
        "title": "新标题", "q-1-options": "赞成", "q-3-scale_max": "abc"}))
    assert response.status_code == 422
    html = response.content.decode()
    row = html.split('id="q-row-1"')[1].split('id="q-row-2"')[0]
    assert "第1题：单选、多选题至少要有两个选项" in row
    assert "第3题：量表范围应在0到10之间" in html.split('id="q-row-3"')[1]
    assert 'value="新标题"' in html and 'value="abc"' in html  # what was typed is kept
    assert _snapshot(c) == before


def test_an_open_consultation_is_not_edited_but_its_closing_time_may_be_extended(world):
    c = make(world, open_it=True)
    client = _client(world, "committee_A")
    page = client.get(f"/consultations/{c.pk}/").content.decode()
    assert "/edit/" not in page and 'id="consultation-extend"' in page
    refused = client.get(f"/consultations/{c.pk}/edit/")
    assert refused.status_code == 409 and "问卷不能再修改" in refused.content.decode()
    before = _snapshot(c)
    posted = client.post(f"/consultations/{c.pk}/edit/", _edit_form(c, title="改标题", **{"q-1-remove": "1"}))
    assert posted.status_code == 409 and _snapshot(c) == before
    earlier = client.post(f"/consultations/{c.pk}/extend/", {"closes_at": _local(c.closes_at - dt.timedelta(days=1))},
                          follow=True)
    assert "截止时间只能延后" in earlier.content.decode() and _snapshot(c) == before
    later = c.closes_at + dt.timedelta(days=2)
    extended = client.post(f"/consultations/{c.pk}/extend/", {"closes_at": _local(later)}, follow=True)
    assert "截止时间已延长" in extended.content.decode() and _local(later).replace("T", " ") in extended.content.decode()
    assert _client(world, "liaison_A").post(f"/consultations/{c.pk}/extend/",
                                            {"closes_at": _local(later + dt.timedelta(days=1))}).status_code == 403
    c.refresh_from_db()
    assert _local(c.closes_at) == _local(later)


@pytest.mark.parametrize(("user", "draft", "published"), [
    ("resident", 404, 403), ("liaison_A", 403, 403), ("member_A1e", 403, 403), ("committee_B", 404, 404),
    ("nobody", 404, 404),
])
def test_who_may_not_edit(world, logins, user, draft, published):
    c = make(world, grids=[world.grid("A1em1").pk])
    before = _snapshot(c)
    client = _client(world, user)
    assert client.get(f"/consultations/{c.pk}/edit/").status_code == draft
    assert client.post(f"/consultations/{c.pk}/edit/", _edit_form(c, title="改")).status_code == draft
    assert _snapshot(c) == before
    services.consultation_open(actor=world.users["committee_A"], consultation_id=c.pk)
    assert client.get(f"/consultations/{c.pk}/edit/").status_code == published
    detail = client.get(f"/consultations/{c.pk}/")
    assert detail.status_code in (200, 404) and "/edit/" not in detail.content.decode()


def test_removing_a_document_on_the_page_makes_its_download_404(world, media):
    c = make(world)
    committee = world.users["committee_A"]
    keep = services.document_add(actor=committee, consultation_id=c.pk, data=PDF, name="方案.pdf")
    wrong = services.document_add(actor=committee, consultation_id=c.pk, data=PDF, name="传错的文件.pdf")
    client = _client(world, "committee_A")
    url = f"/consultations/{c.pk}/documents/{wrong.pk}/"
    assert client.get(url).status_code == 200
    page = client.get(f"/consultations/{c.pk}/").content.decode()
    assert f'action="{url}remove/"' in page
    assert _client(world, "liaison_A").post(f"{url}remove/").status_code == 403
    assert _client(world, "committee_B").post(f"{url}remove/").status_code == 404
    assert client.get(f"{url}remove/").status_code == 405
    done = client.post(f"{url}remove/", follow=True)
    html = done.content.decode()
    assert "附件已删除" in html and "传错的文件.pdf" not in html and "方案.pdf" in html
    assert client.get(url).status_code == 404
    assert client.post(f"{url}remove/").status_code == 404  # again: nothing there
    services.consultation_open(actor=committee, consultation_id=c.pk)
    page = client.get(f"/consultations/{c.pk}/").content.decode()
    assert "/remove/" not in page
    refused = client.post(f"/consultations/{c.pk}/documents/{keep.pk}/remove/", follow=True)
    assert "已发布的征求意见不能再删除附件" in refused.content.decode()
    assert client.get(f"/consultations/{c.pk}/documents/{keep.pk}/").status_code == 200


# -- API ---------------------------------------------------------------------------------------------------


def test_the_api_removes_a_document_and_extends_an_open_consultation(world, api, logins, media):
    c = make(world, grids=[world.grid("A1em1").pk])
    d = services.document_add(actor=world.users["committee_A"], consultation_id=c.pk, data=PDF, name="a.pdf")
    url = f"/api/v1/consultations/{c.pk}/documents/{d.pk}"
    for key, status in (("liaison_A", 403), ("resident", 403), ("committee_B", 404), (None, 401)):
        assert api(key).delete(url).status_code == status, key
    assert api("committee_A").delete(url).status_code == 204
    assert api("committee_A").get(url).status_code == 404
    assert api("committee_A").delete(url).status_code == 404
    services.consultation_open(actor=world.users["committee_A"], consultation_id=c.pk)
    patch = api("committee_A").patch(f"/api/v1/consultations/{c.pk}", {"questions": []},
                                     content_type="application/json")
    assert patch.status_code == 409 and Question.objects.filter(consultation=c).count() == len(QUESTIONS)
    later = c.closes_at + dt.timedelta(days=1)
    ok = api("committee_A").patch(f"/api/v1/consultations/{c.pk}", {"closes_at": later.isoformat()},
                                  content_type="application/json")
    assert ok.status_code == 200, ok.content
    c.refresh_from_db()
    assert c.closes_at == later
