"""The rules of mediation as a mediator meets them: each outcome's required fields, nothing half-written,
a matter closed by its dispute, masked data, the agreement PDF."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.fieldwork.disputes import pdf, services
from wangge.fieldwork.disputes.models import Dispute, Party, Session, Status
from wangge.matters import services as matters
from wangge.matters.models import Event, State
from wangge.notify.models import Notification
from wangge.people.models import PiiAccessLog

from .conftest import open_dispute

pytestmark = pytest.mark.django_db


def _fields(exc) -> set[str]:
    return {e.field for e in exc.value.errors}


def test_opening_takes_the_opener_as_mediator_and_masks_outsiders(world, dispute):
    assert dispute.status == Status.OPEN
    assert list(dispute.mediators.all()) == [world.persons["member_A1e"]]
    outsider = dispute.parties.get(side="respondent")
    assert outsider.masked_phone.startswith("139") and "****" in outsider.masked_phone
    assert "*" in outsider.masked_id_number and outsider.masked_id_number != outsider.id_number


def test_bad_party_data_names_each_field_and_writes_nothing(world):
    with pytest.raises(InvalidInput) as exc:
        open_dispute(world, parties=[services.PartyIn(side="respondent", name="", phone="12345", id_number="1234")])
    assert {"parties.0.name", "parties.0.phone", "parties.0.id_number"} <= _fields(exc)
    assert Dispute.objects.count() == 0 and Party.objects.count() == 0


def test_opening_refuses_missing_kind_and_title(world):
    with pytest.raises(InvalidInput) as exc:
        services.dispute_open(actor=world.users["member_A1e"],
                              data=services.DisputeIn(kind="brawl", title=" ", grid=world.grid("A1em1").pk))
    assert _fields(exc) == {"kind", "title"}


def test_scope_of_writes(world, dispute):
    session = dict(place="议事厅", notes="双方陈述")
    with pytest.raises(NotFound):
        services.dispute_session_add(actor=world.users["member_A2e"], dispute_id=dispute.pk, **session)
    with pytest.raises(PermissionDenied):
        services.dispute_session_add(actor=world.users["micro_A1em1"], dispute_id=dispute.pk, **session)
    with pytest.raises(InvalidInput) as exc:  # a grid outside the scope is as unknown as a missing one
        open_dispute(world, actor_key="member_B1e")
    assert _fields(exc) == {"grid"}
    assert Session.objects.count() == 0


def test_session_moves_to_mediating_and_checks_attendance(world, dispute):
    party = dispute.parties.first()
    with pytest.raises(InvalidInput) as exc:
        services.dispute_session_add(actor=world.users["member_A1e"], dispute_id=dispute.pk, place="",
                                     notes="", parties_present=[999999])
    assert _fields(exc) == {"place", "notes", "parties_present"}
    services.dispute_session_add(actor=world.users["member_A1e"], dispute_id=dispute.pk, place="议事厅",
                                 notes="双方陈述", parties_present=[party.pk],
                                 mediators_present=[world.persons["member_A1e"].pk])
    dispute.refresh_from_db()
    assert dispute.status == Status.MEDIATING


@pytest.mark.parametrize(("outcome", "required"), [
    ("agreement", "agreement_terms"),
    ("referred", "referred_to"),
    ("referred", "referred_body"),
    ("failed", "failure_reason"),
    ("withdrawn", "withdrawal_reason"),
])
def test_each_outcome_requires_its_fields(world, dispute, outcome, required):
    with pytest.raises(InvalidInput) as exc:
        services.dispute_conclude(actor=world.users["member_A1e"], dispute_id=dispute.pk,
                                  outcome=services.OutcomeIn(outcome=outcome))
    assert required in _fields(exc)
    assert any("请" in e.message for e in exc.value.errors)
    dispute.refresh_from_db()
    assert dispute.status == Status.OPEN and dispute.concluded_at is None


def test_agreement_needs_both_sides_and_refuses_fields_of_other_outcomes(world):
    lone = open_dispute(world, parties=[services.PartyIn(side="applicant", name="钱某")])
    with pytest.raises(InvalidInput) as exc:
        services.dispute_conclude(actor=world.users["member_A1e"], dispute_id=lone.pk, outcome=services.OutcomeIn(
            outcome="agreement", agreement_terms="赔偿500元", failure_reason="x",
            follow_up_on=timezone.localdate() - dt.timedelta(days=1)))
    assert _fields(exc) == {"parties", "failure_reason", "follow_up_on"}


def test_agreement_schedules_a_follow_up_and_then_it_is_done(world, dispute):
    services.dispute_conclude(actor=world.users["member_A1e"], dispute_id=dispute.pk,
                              outcome=services.OutcomeIn(outcome="agreement", agreement_terms="楼上维修防水，赔偿800元"))
    dispute.refresh_from_db()
    assert dispute.status == Status.AGREEMENT
    assert dispute.follow_up_on == timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(Conflict):
        services.dispute_conclude(actor=world.users["member_A1e"], dispute_id=dispute.pk,
                                  outcome=services.OutcomeIn(outcome="failed", failure_reason="x"))
    with pytest.raises(InvalidInput):
        services.dispute_follow_up(actor=world.users["member_A1e"], dispute_id=dispute.pk, note="")
    services.dispute_follow_up(actor=world.users["member_A1e"], dispute_id=dispute.pk, note="已修好，双方满意")
    dispute.refresh_from_db()
    assert dispute.follow_up_done_on == timezone.localdate()
    with pytest.raises(Conflict):
        services.dispute_follow_up(actor=world.users["member_A1e"], dispute_id=dispute.pk, note="again")


def test_referral_records_the_body(world, dispute):
    services.dispute_conclude(actor=world.users["leader_A1"], dispute_id=dispute.pk, outcome=services.OutcomeIn(
        outcome="referred", referred_to="police", referred_body="城西派出所"))
    dispute.refresh_from_db()
    assert (dispute.status, dispute.referred_to, dispute.referred_body) == ("referred", "police", "城西派出所")
    assert dispute.follow_up_on is None


def test_a_dispute_from_a_matter_takes_its_reporter_and_closes_it(world):
    unit = world.households["A1em1"][0].unit
    matter, _ = matters.matter_report(actor=world.users["resident"], report=matters.Report(
        category="dispute-neighbour", description="楼上装修噪音，协商不成", unit=unit.pk))
    dispute = services.dispute_open(actor=world.users["member_A1e"], data=services.DisputeIn(
        kind="noise", title="装修噪音", matter=matter.pk,
        parties=[services.PartyIn(side="respondent", name="孙某")]))
    assert dispute.grid == matter.grid
    applicant = dispute.parties.get(side="applicant")
    assert applicant.resident == world.persons["resident"].resident
    matter.refresh_from_db()
    assert matter.state == State.IN_PROGRESS
    with pytest.raises(InvalidInput) as exc:  # one open dispute per matter
        services.dispute_open(actor=world.users["member_A1e"], data=services.DisputeIn(
            kind="noise", title="again", matter=matter.pk))
    assert _fields(exc) == {"matter"}
    services.dispute_conclude(actor=world.users["member_A1e"], dispute_id=dispute.pk, outcome=services.OutcomeIn(
        outcome="agreement", agreement_terms="装修限于工作日8点至18点"))
    matter.refresh_from_db()
    assert matter.state == State.CLOSED
    notes = list(Event.objects.filter(matter=matter).values_list("action", "note"))
    assert ("close", f"纠纷 #{dispute.pk}：调解达成协议") in notes


def test_a_failing_matter_step_leaves_the_dispute_open(world, monkeypatch):
    unit = world.households["A1em1"][0].unit
    matter, _ = matters.matter_report(actor=world.users["resident"], report=matters.Report(
        category="dispute-neighbour", description="吵架", unit=unit.pk))
    dispute = services.dispute_open(actor=world.users["member_A1e"], data=services.DisputeIn(
        kind="neighbours", title="吵架", matter=matter.pk, parties=[services.PartyIn(side="respondent", name="孙某")]))

    def broken(**kwargs):
        raise Conflict("boom")

    monkeypatch.setattr(services.matters, "matter_transition", broken)
    with pytest.raises(Conflict):
        services.dispute_conclude(actor=world.users["member_A1e"], dispute_id=dispute.pk, outcome=services.OutcomeIn(
            outcome="withdrawn", withdrawal_reason="双方和好"))
    dispute.refresh_from_db()
    assert dispute.status == Status.OPEN


def test_mediators_must_mediate_there_unless_a_leader_names_them(world, dispute):
    micro = world.persons["micro_A1em1"].pk
    with pytest.raises(InvalidInput) as exc:
        services.dispute_mediators_set(actor=world.users["member_A1e"], dispute_id=dispute.pk, mediators=[micro])
    assert _fields(exc) == {"mediators"}
    services.dispute_mediators_set(actor=world.users["leader_A1"], dispute_id=dispute.pk,
                                   mediators=[world.persons["member_A1e"].pk, micro])
    assert set(dispute.mediators.values_list("pk", flat=True)) == {world.persons["member_A1e"].pk, micro}
    assert Notification.objects.filter(recipient_id=micro, event="dispute.assigned").exists()


def test_unmask_needs_a_reason_and_is_logged(world, dispute):
    outsider = dispute.parties.get(side="respondent")
    with pytest.raises(InvalidInput):
        services.dispute_party_unmask(actor=world.users["member_A1e"], dispute_id=dispute.pk, party_id=outsider.pk,
                                      reason="")
    full = services.dispute_party_unmask(actor=world.users["member_A1e"], dispute_id=dispute.pk,
                                         party_id=outsider.pk, reason="电话约调解时间")
    assert full == {"phone": outsider.phone, "id_number": outsider.id_number}
    log = PiiAccessLog.objects.get()
    assert log.subject_name == "赵外来" and "电话约调解时间" in log.reason


_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _pdf_text(data: bytes) -> str:
    """The text an uncompressed reportlab PDF shows: its CID strings (UCS-2) decoded and concatenated."""
    out = []
    for match in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", data, re.S):
        raw = re.sub(rb"\\([0-7]{1,3}|.)",
                     lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit()
                     else _ESCAPES.get(m.group(1), m.group(1)), match.group(1), flags=re.S)
        out.append(raw.decode("utf-16-be", errors="replace"))
    return "".join(out)


def test_agreement_pdf_is_chinese(world, dispute):
    services.dispute_conclude(actor=world.users["member_A1e"], dispute_id=dispute.pk, outcome=services.OutcomeIn(
        outcome="agreement", agreement_terms="楼上住户负责维修防水层"))
    dispute.refresh_from_db()
    assert pdf.agreement_pdf(dispute).startswith(b"%PDF")
    data = pdf.agreement_pdf(dispute, compress=False)
    assert b"STSong-Light" in data
    text = _pdf_text(data)
    assert "人民调解协议书" in text
    assert "楼上住户负责维修防水层" in text
    assert "红旗社区人民调解委员会" in text
    outsider = dispute.parties.get(side="respondent")
    assert outsider.masked_id_number in text and outsider.id_number not in text


def test_signed_copy_sniffs_content(world, dispute):
    services.dispute_conclude(actor=world.users["member_A1e"], dispute_id=dispute.pk, outcome=services.OutcomeIn(
        outcome="agreement", agreement_terms="赔偿"))
    with pytest.raises(InvalidInput) as exc:
        services.dispute_signed_copy(actor=world.users["member_A1e"], dispute_id=dispute.pk, data=b"GIF89a....")
    assert _fields(exc) == {"file"}
    services.dispute_signed_copy(actor=world.users["member_A1e"], dispute_id=dispute.pk,
                                 data=b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
    dispute.refresh_from_db()
    assert dispute.signed_copy_type == "application/pdf" and dispute.signed_copy.name.endswith(".pdf")


def test_follow_up_reminder_once(world, dispute):
    services.dispute_conclude(actor=world.users["member_A1e"], dispute_id=dispute.pk, outcome=services.OutcomeIn(
        outcome="agreement", agreement_terms="赔偿"))
    later = timezone.localdate() + dt.timedelta(days=31)
    assert services.follow_up_remind(today=later) == 1
    assert services.follow_up_remind(today=later) == 0
    assert Notification.objects.filter(event="dispute.follow_up_due").count() == 1
