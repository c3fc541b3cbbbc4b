"""The rules of 征求意见 as the services hold them: who may run one, who may answer, when, how often, and
what a valid answer is — and that a refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.hall.agenda.models import Hall, Item
from wangge.hall.consultations import selectors, services
from wangge.hall.consultations.models import Answer, Consultation, Document, Question, Response, Status
from wangge.registry.models import Building

from .conftest import QUESTIONS, answers_for, make

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fields(exc) -> set[str]:
    return {e.field for e in exc.value.errors}


# -- the draft ---------------------------------------------------------------------------------------------


def test_a_draft_with_its_questionnaire_and_the_whole_community_by_default(world):
    c = make(world)
    assert c.status == Status.DRAFT and c.subdistrict_id == world.grid("sub").pk
    assert [g.pk for g in c.grids.all()] == [world.grid("A").pk]
    qs = list(c.questions.order_by("position"))
    assert [q.kind for q in qs] == ["single", "multiple", "scale", "text"]
    assert [o.text for o in qs[0].options.all()] == ["赞成", "反对", "无所谓"]
    assert qs[2].min_label == "很不满意" and not qs[3].required
    # Everyone now living in community A may answer: 2 area grids × 2 micro-grids × 4 residents.
    assert selectors.eligible_count(c) == 16


def test_bad_fields_are_named_and_nothing_is_written(world):
    with pytest.raises(InvalidInput) as exc:
        make(world, title=" ", basis="family", closes_at=timezone.now() - dt.timedelta(hours=1),
             grids=[world.grid("B1").pk],
             questions=[{"kind": "single", "text": "只有一个选项", "options": ["是"]},
                        {"kind": "scale", "text": "量表", "scale_min": 5, "scale_max": 1},
                        {"kind": "poll", "text": "未知"},
                        {"kind": "text", "text": ""}])
    assert {"title", "basis", "closes_at", "grids", "questions.1.options", "questions.2.scale",
            "questions.3.kind", "questions.4.text"} <= fields(exc)
    assert "第1题" in next(e.message for e in exc.value.errors if e.field == "questions.1.options")
    assert not Consultation.objects.exists() and not Question.objects.exists()


def test_only_a_major_item_of_the_communitys_hall_can_be_attached(world):
    hall = Hall.objects.create(community=world.grid("A"), name="红色物业议事厅", subdistrict=world.grid("sub"))
    major = Item.objects.create(hall=hall, kind="major", title="加装电梯", subdistrict=world.grid("sub"))
    urgent = Item.objects.create(hall=hall, kind="urgent", title="楼道照明", subdistrict=world.grid("sub"))
    hall_b = Hall.objects.create(community=world.grid("B"), name="B议事厅", subdistrict=world.grid("sub"))
    other = Item.objects.create(hall=hall_b, kind="major", title="B的事", subdistrict=world.grid("sub"))
    assert make(world, item=major.pk).item == major
    for item in (urgent, other):
        with pytest.raises(InvalidInput) as exc:
            make(world, item=item.pk)
        assert fields(exc) == {"item"}


def test_running_one_needs_consult_over_the_community(world):
    with pytest.raises(NotFound):
        make(world, actor="committee_B")
    with pytest.raises(PermissionDenied):
        make(world, actor="member_A1e")  # a grid member of one of its estates may not consult
    with pytest.raises(PermissionDenied):
        make(world, actor="liaison_A")  # nor a joint unit's liaison who sees the community
    c = make(world)
    for key, error in (("committee_B", NotFound), ("member_A1e", PermissionDenied), ("liaison_A", PermissionDenied),
                       ("resident", PermissionDenied), ("nobody", NotFound)):
        with pytest.raises(error):
            services.consultation_open(actor=world.users[key], consultation_id=c.pk)
    assert Consultation.objects.get().status == Status.DRAFT


def test_a_draft_changes_but_a_published_one_only_its_publish_flag(world):
    c = make(world)
    services.consultation_update(actor=world.users["committee_A"], consultation_id=c.pk, title="加装电梯方案",
                                 questions=QUESTIONS[:1], basis="household")
    c.refresh_from_db()
    assert c.title == "加装电梯方案" and c.questions.count() == 1 and c.basis == "household"
    services.consultation_open(actor=world.users["committee_A"], consultation_id=c.pk)
    with pytest.raises(Conflict):
        services.consultation_update(actor=world.users["committee_A"], consultation_id=c.pk, title="改")
    services.consultation_update(actor=world.users["committee_A"], consultation_id=c.pk, publish_results=True)
    c.refresh_from_db()
    assert c.title == "加装电梯方案" and c.publish_results


def test_opening_needs_a_question_and_a_future_closing_time(world):
    c = make(world, questions=[])
    with pytest.raises(InvalidInput) as exc:
        services.consultation_open(actor=world.users["committee_A"], consultation_id=c.pk)
    assert fields(exc) == {"questions"}
    c = make(world)
    services.consultation_open(actor=world.users["committee_A"], consultation_id=c.pk)
    c.refresh_from_db()
    assert c.status == Status.OPEN and c.opens_at is not None
    with pytest.raises(Conflict):
        services.consultation_open(actor=world.users["committee_A"], consultation_id=c.pk)


def test_opening_tells_the_audience_who_have_an_account(world, logins):
    from wangge.notify.models import Notification

    make(world, grids=[world.grid("A1em1").pk], open_it=True)
    told = set(Notification.objects.filter(event="consultation.opened").values_list("recipient__user__username",
                                                                                     flat=True))
    assert told == {"resident", "spouse", "upstairs"}


# -- documents ---------------------------------------------------------------------------------------------


def test_documents_are_judged_by_content_and_capped(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = make(world)
    d = services.document_add(actor=world.users["committee_A"], consultation_id=c.pk, data=PDF, name="方案.pdf")
    assert d.content_type == "application/pdf" and d.name == "方案.pdf" and d.size == len(PDF)
    for data, message in ((b"MZ\x90\x00 not a pdf", "只支持"), (b"", "空"),
                          (b"%PDF-1.4\n" + b"0" * (services.DOCUMENT_MAX_BYTES + 1), "不能超过")):
        with pytest.raises(InvalidInput) as exc:
            services.document_add(actor=world.users["committee_A"], consultation_id=c.pk, data=data, name="x.pdf")
        assert fields(exc) == {"file"} and message in exc.value.errors[0].message
    assert Document.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.document_add(actor=world.users["member_A1e"], consultation_id=c.pk, data=PDF)
    services.consultation_open(actor=world.users["committee_A"], consultation_id=c.pk)
    with pytest.raises(Conflict):
        services.document_add(actor=world.users["committee_A"], consultation_id=c.pk, data=PDF)


def test_a_photo_document_is_re_encoded(world, settings, tmp_path):
    from io import BytesIO

    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    c = make(world)
    d = services.document_add(actor=world.users["committee_A"], consultation_id=c.pk, data=buffer.getvalue(),
                              name="效果图")
    assert d.content_type == "image/jpeg" and d.name == "效果图.jpg"
    assert d.file.open("rb").read(3) == b"\xff\xd8\xff"


# -- the audience ------------------------------------------------------------------------------------------


def test_the_audience_is_the_residents_now_living_in_the_chosen_grids_and_buildings(world, logins):
    from wangge.registry import services as registry

    building_a2 = Building.objects.get(estate_grid=world.grid("A2e"))
    c = make(world, grids=[world.grid("A1em1").pk], buildings=[building_a2.pk], open_it=True)
    ids = set(selectors.audience_residents(c).values_list("pk", flat=True))
    expected = {r.pk for r in world.residents["A1em1"] + world.residents["A2em1"] + world.residents["A2em2"]}
    assert ids == expected
    left = world.residents["A1em1"][3]
    registry.resident_leave(resident=left, reason="moved_away")
    assert left.pk not in set(selectors.audience_residents(c).values_list("pk", flat=True))
    assert selectors.audience_label(c) == "A1微网格1、A2小区1号楼的居民"


def test_who_may_answer(world, logins):
    c = make(world, grids=[world.grid("A1em1").pk], open_it=True)
    services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk, answers=answers_for(c))
    with pytest.raises(PermissionDenied) as exc:  # a resident of the community outside the audience
        services.consultation_respond(actor=world.users["neighbour"], consultation_id=c.pk, answers=answers_for(c))
    assert "不在本次征求意见的范围内" in exc.value.message and "A1微网格1" in exc.value.message
    with pytest.raises(NotFound):  # a resident of another community does not learn it exists
        services.consultation_respond(actor=world.users["resident_b"], consultation_id=c.pk, answers=answers_for(c))
    with pytest.raises(PermissionDenied) as exc:  # staff are not residents
        services.consultation_respond(actor=world.users["committee_A"], consultation_id=c.pk,
                                      answers=answers_for(c))
    assert "居民" in exc.value.message
    with pytest.raises(NotFound):
        services.consultation_respond(actor=world.users["nobody"], consultation_id=c.pk, answers=answers_for(c))
    assert Response.objects.count() == 1


# -- one answer per resident or household, and the window ---------------------------------------------------


def test_per_resident_each_member_answers_and_may_change_until_closing(world, logins):
    c = make(world, grids=[world.grid("A1em1").pk], open_it=True)
    first = services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk,
                                          answers=answers_for(c, single=0))
    services.consultation_respond(actor=world.users["spouse"], consultation_id=c.pk, answers=answers_for(c))
    again = services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk,
                                          answers=answers_for(c, single=1, text="再想想"))
    assert again.pk == first.pk and Response.objects.count() == 2
    single = c.questions.get(position=1)
    assert list(Answer.objects.filter(response=first, question=single).values_list("option__text", flat=True)) \
        == ["反对"]
    assert Answer.objects.get(response=first, question__position=4).text == "再想想"


def test_per_household_the_second_member_is_told_the_household_has_answered(world, logins):
    c = make(world, grids=[world.grid("A1em1").pk], basis="household", open_it=True)
    services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk, answers=answers_for(c))
    with pytest.raises(Conflict) as exc:
        services.consultation_respond(actor=world.users["spouse"], consultation_id=c.pk, answers=answers_for(c))
    assert "每户" in exc.value.message
    services.consultation_respond(actor=world.users["upstairs"], consultation_id=c.pk, answers=answers_for(c))
    assert Response.objects.count() == 2 and selectors.eligible_count(c) == 2


def test_the_database_holds_one_response_per_household(world, logins):
    from django.db import IntegrityError, transaction

    c = make(world, grids=[world.grid("A1em1").pk], basis="household", open_it=True)
    a, b = world.residents["A1em1"][:2]
    now = timezone.now()
    Response.objects.create(consultation=c, basis="household", resident=a, household=a.household,
                            submitted_at=now, updated_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(consultation=c, basis="household", resident=b, household=b.household,
                                submitted_at=now, updated_at=now)


def test_answers_only_inside_the_window(world, logins):
    now = timezone.now()
    later = make(world, opens_at=now + dt.timedelta(days=1), open_it=True)
    with pytest.raises(Conflict) as exc:
        services.consultation_respond(actor=world.users["resident"], consultation_id=later.pk,
                                      answers=answers_for(later))
    assert "尚未开始" in exc.value.message
    c = make(world, open_it=True)
    with pytest.raises(Conflict) as exc:
        services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk, answers=answers_for(c),
                                      at=c.closes_at)
    assert "截止" in exc.value.message
    draft = make(world)
    with pytest.raises(NotFound):
        services.consultation_respond(actor=world.users["resident"], consultation_id=draft.pk,
                                      answers=answers_for(draft))
    services.consultation_close(actor=world.users["committee_A"], consultation_id=c.pk)
    with pytest.raises(Conflict):
        services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk, answers=answers_for(c))
    assert not Response.objects.exists()


def test_closing_by_hand_and_when_the_time_passes(world):
    c = make(world, open_it=True)
    other = make(world, open_it=True, closes_at=timezone.now() + dt.timedelta(hours=1))
    assert services.consultation_close_due(at=timezone.now() + dt.timedelta(hours=2)) == 1
    other.refresh_from_db()
    assert other.status == Status.CLOSED
    closed = services.consultation_close(actor=world.users["committee_A"], consultation_id=c.pk)
    assert closed.status == Status.CLOSED and closed.closes_at <= timezone.now()
    with pytest.raises(Conflict):
        services.consultation_close(actor=world.users["committee_A"], consultation_id=c.pk)
    # Past its time an open consultation already counts as closed before the job writes it.
    late = make(world, open_it=True, closes_at=timezone.now() + dt.timedelta(minutes=5))
    assert late.effective_status(timezone.now() + dt.timedelta(minutes=6)) == Status.CLOSED


# -- what a valid answer is ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["foreign_option", "two_singles", "scale_high", "scale_bool", "required",
                                  "text_long", "unknown_question", "twice"])
def test_each_kind_of_bad_answer_is_refused_naming_the_question_and_nothing_is_written(world, case):
    c = make(world, open_it=True)
    first = services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk,
                                          answers=answers_for(c, text="原来的意见"))
    before = sorted(Answer.objects.filter(response=first).values_list("question_id", "option_id", "value", "text"))
    answers = answers_for(c)
    single, multiple, scale, text = (q for q in c.questions.order_by("position"))
    if case == "foreign_option":
        answers[0]["options"] = [multiple.options.first().pk]
    elif case == "two_singles":
        answers[0]["options"] = [o.pk for o in single.options.all()[:2]]
    elif case == "scale_high":
        answers[2]["value"] = 6
    elif case == "scale_bool":
        answers[2]["value"] = True
    elif case == "required":
        answers[1]["options"] = []
    elif case == "text_long":
        answers[3]["text"] = "意" * 1001
    elif case == "unknown_question":
        answers.append({"question": 10**9, "text": "?"})
    else:
        answers.append(dict(answers[0]))
    with pytest.raises(InvalidInput) as exc:
        services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk, answers=answers)
    message = exc.value.errors[0].message
    assert "题" in message or "题目" in message
    after = sorted(Answer.objects.filter(response=first).values_list("question_id", "option_id", "value", "text"))
    assert after == before and Response.objects.count() == 1
