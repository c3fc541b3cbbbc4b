"""Visitor checks as users notice them: the rules a visitor registered under stay with the record, values
out of range are flagged, bad input names the field and writes nothing, another estate's QR code is
refused, the host can answer, phones are unmasked only with a logged reason, old records are purged."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.fieldwork.visitors import services
from wangge.fieldwork.visitors.models import CheckItem, Status, Visitor
from wangge.notify.models import Notification
from wangge.people.models import PiiAccessLog

from .conftest import unit_of

pytestmark = pytest.mark.django_db


def test_registration_keeps_the_rules_in_force_when_the_visitor_came(gw, register):
    before = register()
    assert [r["code"] for r in before.rules] == ["temp", "health_code", "id_card"]
    # The subdistrict drops the health code and tightens the temperature range.
    services.visitor_rules_set(actor=gw.users["admin"], grid_id=gw.grid("sub").pk, items=[
        {"code": "temp", "label": "体温", "kind": "measure", "unit": "°C", "min": 35.0, "max": 37.0},
        {"code": "id_card", "label": "身份证", "kind": "check"},
    ])
    after = register()
    assert [r["code"] for r in after.rules] == ["temp", "id_card"]
    assert after.rules[0]["max"] == 37.0
    before.refresh_from_db()
    assert [r["code"] for r in before.rules] == ["temp", "health_code", "id_card"]
    assert before.rules[0]["max"] == 37.2
    # The dropped item is kept, inactive: the rules of any past day can still be told.
    assert CheckItem.objects.get(grid=gw.grid("sub"), code="health_code").active is False


def test_an_estate_override_wins_and_inherit_drops_it(gw, register):
    services.visitor_rules_set(actor=gw.users["leader_A1"], grid_id=gw.grid("A1e").pk, items=[
        {"code": "id_card", "label": "身份证", "kind": "check"}])
    assert [r["code"] for r in register().rules] == ["id_card"]
    assert [r["code"] for r in register("A2e").rules] == ["temp", "health_code", "id_card"]
    services.visitor_rules_set(actor=gw.users["leader_A1"], grid_id=gw.grid("A1e").pk, inherit=True)
    assert [r["code"] for r in register().rules] == ["temp", "health_code", "id_card"]


@pytest.mark.parametrize("item, field", [
    ({"code": "Temp", "label": "体温", "kind": "measure", "min": 35}, "items.0.code"),
    ({"code": "temp", "label": "", "kind": "measure", "min": 35}, "items.0.label"),
    ({"code": "temp", "label": "体温", "kind": "smell"}, "items.0.kind"),
    ({"code": "temp", "label": "体温", "kind": "measure"}, "items.0.min"),
    ({"code": "temp", "label": "体温", "kind": "measure", "min": 38, "max": 36}, "items.0.max"),
    ({"code": "temp", "label": "体温", "kind": "measure", "min": "abc"}, "items.0.min"),
])
def test_bad_rules_name_the_field_and_change_nothing(gw, item, field):
    before = list(CheckItem.objects.values_list("grid_id", "code", "active", "label"))
    with pytest.raises(InvalidInput) as exc:
        services.visitor_rules_set(actor=gw.users["leader_A1"], grid_id=gw.grid("A1e").pk, items=[item])
    assert exc.value.errors[0].field == field
    assert list(CheckItem.objects.values_list("grid_id", "code", "active", "label")) == before


def test_rules_are_set_by_roster_keepers_of_the_node_only(gw):
    items = [{"code": "id_card", "label": "身份证", "kind": "check"}]
    with pytest.raises(PermissionDenied):  # a guard keeps the gate, not the rules
        services.visitor_rules_set(actor=gw.users["guard_A1e"], grid_id=gw.grid("A1e").pk, items=items)
    with pytest.raises(NotFound):
        services.visitor_rules_set(actor=gw.users["leader_B1"], grid_id=gw.grid("A1e").pk, items=items)
    services.visitor_rules_set(actor=gw.users["super_A1e"], grid_id=gw.grid("A1e").pk, items=items)
    with pytest.raises(InvalidInput) as exc:
        services.visitor_rules_set(actor=gw.users["leader_A1"], grid_id=gw.grid("A1em1").pk, items=items)
    assert exc.value.errors[0].field == "grid"


def test_register_matches_the_host_household_and_tells_its_residents(gw, register):
    visitor = register()
    assert visitor.host_household == gw.households["A1em1"][0]
    assert visitor.status == Status.REGISTERED and len(visitor.ticket) == 6
    note = Notification.objects.get(recipient=gw.persons["resident"], event="visitor.registered")
    assert "张三" in note.title and note.link == "/visitors/mine/"
    assert "13812345678" not in note.body


def test_a_room_that_matches_nothing_is_kept_as_typed(gw, register):
    visitor = register(room="999")
    assert visitor.host_household is None
    assert visitor.host_text == "1号楼1单元999"
    assert not Notification.objects.filter(event="visitor.registered").exists()


def test_free_text_host_when_no_unit_is_picked(gw, register):
    visitor = register(unit=None, room="", host="3号楼2单元501")
    assert visitor.host_text == "3号楼2单元501" and visitor.host_household is None


@pytest.mark.parametrize("fields, field, words", [
    ({"phone": "1234"}, "phone", "手机号"),
    ({"phone": "23812345678"}, "phone", "手机号"),
    ({"name": "  "}, "name", "姓名"),
    ({"purpose": ""}, "purpose", "事由"),
    ({"room": ""}, "room", "房号"),
    ({"unit": None, "room": ""}, "unit", "楼栋单元"),
    ({"name": "名" * 31}, "name", "30"),
])
def test_bad_registrations_name_the_field_and_write_nothing(gw, register, fields, field, words):
    with pytest.raises(InvalidInput) as exc:
        register(**fields)
    assert exc.value.errors[0].field == field
    assert words in exc.value.errors[0].message
    assert not Visitor.objects.exists()
    assert not Notification.objects.exists()


def test_every_wrong_field_is_named_at_once(gw, register):
    with pytest.raises(InvalidInput) as exc:
        register(name="", phone="12", purpose="")
    assert {e.field for e in exc.value.errors} == {"name", "phone", "purpose"}


def test_a_unit_of_another_estate_is_refused(gw, register):
    with pytest.raises(InvalidInput) as exc:
        register("A1e", unit=unit_of(gw, "B1em1").pk)
    assert exc.value.errors[0].field == "unit"
    assert "A1小区" in exc.value.errors[0].message
    assert not Visitor.objects.exists()


def test_an_unknown_or_retired_gate_code_is_not_found(gw, register):
    with pytest.raises(NotFound):
        services.visitor_register(token="nope", name="张三", phone="13812345678", purpose="探亲", host="1号楼")
    gw.posts["A1e"].active = False
    gw.posts["A1e"].save()
    with pytest.raises(NotFound):
        register()


def _check(gw, visitor, user="guard_A1e", post="A1e", **kw):
    kw.setdefault("decision", "admitted")
    kw.setdefault("values", {"temp": 36.5, "health_code": True})
    return services.visitor_check(actor=gw.users[user], visitor_id=visitor.pk, post_id=gw.posts[post].pk, **kw)


def test_the_guard_admits_with_the_measurement_and_checks(gw, register):
    visitor = _check(gw, register(), values={"temp": "36.5", "health_code": "pass", "id_card": True})
    assert visitor.status == Status.ADMITTED and not visitor.flagged
    assert {c["code"]: c["value"] for c in visitor.checks} == {"temp": 36.5, "health_code": True, "id_card": True}
    assert visitor.checked_by == gw.users["guard_A1e"] and visitor.checked_post == gw.posts["A1e"]


def test_out_of_range_is_flagged_and_admitting_anyway_needs_a_note(gw, register):
    visitor = register()
    with pytest.raises(InvalidInput) as exc:
        _check(gw, visitor, values={"temp": 37.8, "health_code": True})
    assert exc.value.errors[0].field == "note"
    assert "体温 37.8°C 超出 35–37.2°C" in exc.value.errors[0].message
    visitor.refresh_from_db()
    assert visitor.status == Status.REGISTERED and visitor.checks == [] and visitor.checked_at is None
    visitor = _check(gw, visitor, values={"temp": 37.8, "health_code": True}, note="剧烈运动后，复测正常")
    assert visitor.status == Status.ADMITTED and visitor.flagged
    assert next(c for c in visitor.checks if c["code"] == "temp")["ok"] is False


def test_refusing_a_flagged_visitor_needs_no_note_but_a_clean_one_does(gw, register):
    flagged = _check(gw, register(), decision="refused", values={"temp": 38.5})
    assert flagged.status == Status.REFUSED and flagged.flagged
    with pytest.raises(InvalidInput) as exc:
        _check(gw, register(), decision="refused", values={})
    assert exc.value.errors[0].field == "note"


@pytest.mark.parametrize("values, field", [
    ({"health_code": True}, "values.temp"),                    # required item missing
    ({"temp": "烫", "health_code": True}, "values.temp"),       # not a number
    ({"temp": 36.5, "health_code": "maybe"}, "values.health_code"),
    ({"temp": 36.5, "health_code": True, "itinerary": True}, "values.itinerary"),  # not in the visitor's rules
])
def test_bad_check_values_name_the_item_and_write_nothing(gw, register, values, field):
    visitor = register()
    with pytest.raises(InvalidInput) as exc:
        _check(gw, visitor, values=values)
    assert field in {e.field for e in exc.value.errors}
    visitor.refresh_from_db()
    assert visitor.status == Status.REGISTERED and visitor.checks == []


def test_a_visitor_of_another_estates_gate_cannot_be_admitted_here(gw, register):
    visitor = register("A2e")  # registered at A2e's gate; the guard keeps both A1e and A2e
    with pytest.raises(InvalidInput) as exc:
        _check(gw, visitor, user="guard_A", post="A1e")
    assert exc.value.errors[0].field == "post"
    assert "二维码属于其他小区" in exc.value.errors[0].message
    visitor.refresh_from_db()
    assert visitor.status == Status.REGISTERED
    assert _check(gw, visitor, user="guard_A", post="A2e").status == Status.ADMITTED


def test_a_visitor_is_checked_once(gw, register):
    visitor = _check(gw, register())
    with pytest.raises(Conflict):
        _check(gw, visitor, decision="refused", note="x")


def test_who_may_check(gw, register):
    visitor = register()
    for user in ("member_A1e", "micro_A1em1", "guard_B1e", "liaison_A", "resident", "nobody"):
        with pytest.raises(NotFound):
            _check(gw, visitor, user=user)
    with pytest.raises(NotFound):  # a guard of B at A's post: the visitor is out of scope first
        _check(gw, visitor, user="guard_B1e", post="B1e")
    assert _check(gw, visitor, user="leader_A1").status == Status.ADMITTED


def test_the_host_confirms_and_nobody_else_can(gw, register):
    visitor = register()
    for user in ("guard_A1e", "leader_A1", "member_A1e", "nobody"):
        with pytest.raises(NotFound):
            services.visitor_confirm(actor=gw.users[user], visitor_id=visitor.pk)
    visitor = services.visitor_confirm(actor=gw.users["resident"], visitor_id=visitor.pk)
    assert visitor.host_confirmed is True and visitor.host_answered_at is not None
    other = register(room="999")
    with pytest.raises(NotFound):
        services.visitor_confirm(actor=gw.users["resident"], visitor_id=other.pk)


def test_unmask_is_for_leaders_with_a_reason_and_is_logged(gw, register):
    visitor = register()
    with pytest.raises(PermissionDenied):
        services.visitor_unmask(actor=gw.users["guard_A1e"], visitor_id=visitor.pk, reason="回访")
    with pytest.raises(NotFound):
        services.visitor_unmask(actor=gw.users["member_A1e"], visitor_id=visitor.pk, reason="回访")
    with pytest.raises(InvalidInput) as exc:
        services.visitor_unmask(actor=gw.users["leader_A1"], visitor_id=visitor.pk, reason=" ")
    assert exc.value.errors[0].field == "reason"
    assert not PiiAccessLog.objects.exists()
    assert services.visitor_unmask(actor=gw.users["leader_A1"], visitor_id=visitor.pk,
                                   reason="流调追踪") == "13812345678"
    log = PiiAccessLog.objects.get()
    assert log.actor == gw.users["leader_A1"] and log.subject_name == "张三" and "流调追踪" in log.reason


def test_purge_deletes_exactly_the_records_past_retention(gw, register, settings):
    now = timezone.now()
    old = [register(now=now - dt.timedelta(days=d)) for d in (31, 45)]
    kept = [register(now=now - dt.timedelta(days=d, hours=h)) for d, h in ((29, 23), (1, 0), (0, 0))]
    assert services.visitor_purge(now=now) == 2
    assert set(Visitor.objects.values_list("pk", flat=True)) == {v.pk for v in kept}
    assert not Visitor.objects.filter(pk__in=[v.pk for v in old]).exists()
    settings.VISITOR_RETENTION_DAYS = 1
    out = StringIO()
    call_command("visitors-purge", stdout=out)
    assert "已删除 2 条" in out.getvalue()
    assert list(Visitor.objects.values_list("pk", flat=True)) == [kept[-1].pk]


def test_the_nightly_job_purges(gw, register):
    from wangge.fieldwork.visitors.tasks import visitors_purge

    register(now=timezone.now() - dt.timedelta(days=40))
    visitors_purge.call_local()
    assert not Visitor.objects.exists()


