from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from wangge.community.notices import selectors, services
from wangge.community.notices.models import Receipt
from wangge.core.errors import InvalidInput, NotFound, PermissionDenied
from wangge.notify.models import Notification
from wangge.people import services as people
from wangge.registry import services as registry
from wangge.testing.world import fake_id

pytestmark = pytest.mark.django_db


def login(world, resident, username):
    person = people.person_create(name=resident.name, resident=resident)
    world.users[username] = people.person_grant_login(person=person, username=username, password="pw")
    return world.users[username]


def notice(world, actor="committee_A", **kw):
    kw.setdefault("grids", [world.grid("A").pk])
    return services.notice_create(actor=world.users[actor], title="停水通知", body="明日停水。\n\n- 请储水\n- 注意安全",
                                  publish=kw.pop("publish", True), **kw)


def names(n):
    return set(selectors.audience_residents(n).values_list("pk", flat=True))


def test_audience_subtree_building_party_owners(world):
    a1 = {r.pk for k in ("A1em1", "A1em2") for r in world.residents[k]}
    assert names(notice(world, grids=[world.grid("A1").pk])) == a1
    building = world.households["A2em1"][0].unit.building
    in_building = {r.pk for k in ("A2em1", "A2em2") for r in world.residents[k]}
    assert names(notice(world, grids=[], buildings=[building.pk])) == in_building
    flagged = world.residents["A1em2"][1]
    flagged.is_party_member = True
    flagged.save()
    member = world.residents["A2em1"][0]
    person = people.person_create(name=member.name, resident=member)
    people.membership_add(person=person, organisation=world.organisations["A_party"], is_party_member=True)
    assert names(notice(world, audience="party_members")) == {flagged.pk, member.pk}
    # owners: head and spouse of owner-occupied households; a rented household's residents are not owners
    rented = world.households["A1em1"][1]
    rented.occupancy = "rented"
    rented.save()
    child = registry.resident_create(household=world.households["A1em2"][0], name="孩子", id_number=fake_id(777),
                                     relation="child")
    owners = names(notice(world, audience="owners"))
    everyone_a = {r.pk for k in world.micro_keys_under("A") for r in world.residents[k]}
    assert owners == everyone_a - {r.pk for r in rented.residents.all()}
    assert child.pk not in owners
    registry.resident_leave(resident=world.residents["A1em1"][0], reason="moved_away")
    assert world.residents["A1em1"][0].pk not in names(notice(world))


def test_resident_sees_only_notices_addressed_to_them(world):
    mine = notice(world, grids=[world.grid("A1em1").pk])
    other = notice(world, grids=[world.grid("A2").pk])
    party = notice(world, audience="party_members")
    draft = notice(world, publish=False)
    later = notice(world, publish_at=timezone.now() + dt.timedelta(days=1))
    expired = notice(world, publish_at=timezone.now() - dt.timedelta(days=3),
                     expires_at=timezone.now() - dt.timedelta(days=1))
    seen = set(selectors.notice_list(actor=world.users["resident"]).values_list("pk", flat=True))
    assert seen == {mine.pk}
    for n in (other, party, draft, later, expired):
        with pytest.raises(NotFound):
            selectors.notice_get(actor=world.users["resident"], notice_id=n.pk)


def test_read_receipt_once_and_counts(world):
    n = notice(world, grids=[world.grid("A1em1").pk])
    assert services.notice_read(actor=world.users["resident"], notice=n) is True
    assert services.notice_read(actor=world.users["resident"], notice=n) is False
    assert Receipt.objects.filter(notice=n).count() == 1
    services.notice_read(actor=world.users["committee_A"], notice=n)  # staff outside the audience: no receipt
    r = selectors.receipts(actor=world.users["committee_A"], notice_id=n.pk)
    assert r["audience"] == 4 and r["read"] == 1 and len(r["unread"]) == 3
    assert all("*" in u["name"] for u in r["unread"])
    with pytest.raises(PermissionDenied):
        selectors.receipts(actor=world.users["resident"], notice_id=n.pk)


def test_publishing_notifies_the_audience_in_batches(world, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 1)
    login(world, world.residents["A1em1"][1], "spouse")
    n = notice(world, grids=[world.grid("A1em1").pk])
    told = set(Notification.objects.filter(event="notice.published").values_list("recipient__resident_id", flat=True))
    assert told == {world.residents["A1em1"][0].pk, world.residents["A1em1"][1].pk}
    assert n.notified_at is not None
    later = notice(world, publish_at=timezone.now() + dt.timedelta(hours=1))
    assert later.notified_at is None
    later.__class__.objects.filter(pk=later.pk).update(publish_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.announce_due() >= 1


def test_bad_input_and_capability(world):
    with pytest.raises(InvalidInput) as exc:
        notice(world, grids=[])
    assert exc.value.errors[0].field == "grids"
    with pytest.raises(InvalidInput) as exc:
        services.notice_create(actor=world.users["committee_A"], title="", body="x", grids=[world.grid("A").pk])
    assert exc.value.errors[0].field == "title"
    with pytest.raises(PermissionDenied):  # micro-grid member: VIEW only
        notice(world, actor="micro_A1em1", grids=[world.grid("A1em1").pk])
    with pytest.raises(NotFound):
        notice(world, actor="committee_B", grids=[world.grid("A").pk])
    # a grid member publishes to their estate but not to the community above it (outside their scope)
    notice(world, actor="member_A1e", grids=[world.grid("A1e").pk])
    with pytest.raises(NotFound):
        notice(world, actor="member_A1e", grids=[world.grid("A").pk])
    from wangge.community.notices.models import Notice
    assert Notice.objects.count() == 1


def _j(method, client, url, body=None):
    return getattr(client, method)(url, body or {}, content_type="application/json")


def test_every_endpoint_scoped(world, api):
    n = notice(world, grids=[world.grid("A1em1").pk])
    base = f"/api/v1/notices/{n.pk}"
    assert api("resident").get("/api/v1/notices").json()["count"] == 1
    r = api("resident").get(base)
    assert r.status_code == 200 and r.json()["read"] is True
    assert api("resident").get("/api/v1/notices?unread=true").json()["count"] == 0
    for key in ("committee_A", "micro_A1em1", "member_A1e", "admin"):
        assert api(key).get(base).status_code == 200
    for key in ("committee_B", "leader_A2", "nobody"):
        assert api(key).get(base).status_code == 404
        assert api(key).get("/api/v1/notices").json()["count"] == 0
    for method, url, body in [("patch", base, {"title": "改"}), ("post", f"{base}/withdraw", None),
                              ("post", f"{base}/publish", None), ("get", f"{base}/receipts", None)]:
        c = {"micro_A1em1": 403, "resident": 403, "committee_B": 404, "leader_A2": 404}
        for key, status in c.items():
            client = api(key)
            resp = client.get(url) if method == "get" else _j(method, client, url, body)
            assert resp.status_code == status, (key, url)
    assert api("committee_A").get(f"{base}/receipts").json()["read"] == 1
    r = _j("patch", api("committee_A"), base, {"audience": "owners"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "audience"
    assert _j("post", api("committee_A"), f"{base}/withdraw").json()["status"] == "withdrawn"
    assert api("resident").get(base).status_code == 404
    r = _j("post", api("committee_A"), "/api/v1/notices",
           {"title": "党员大会", "body": "周五开会", "grids": [world.grid("A").pk], "audience": "party_members",
            "publish": False})
    assert r.status_code == 201 and r.json()["status"] == "draft"
    assert _j("post", api("committee_A"), f"/api/v1/notices/{r.json()['id']}/publish").json()["status"] == "published"
    assert _j("post", api("resident"), "/api/v1/notices", {"title": "x", "body": "y", "grids": [world.grid("A1em1").pk]}
              ).status_code == 403


def test_pages(world):
    n = notice(world, grids=[world.grid("A1em1").pk])
    notice(world, grids=[world.grid("A1em1").pk], pinned=True)
    resident = Client()
    resident.force_login(world.users["resident"])
    page = resident.get("/notices/").content.decode()
    assert page.count("nt-unread-mark") == 2
    detail = resident.get(f"/notices/{n.pk}/").content.decode()
    assert "<li>请储水</li>" in detail
    assert resident.get("/notices/").content.decode().count("nt-unread-mark") == 1
    assert resident.get("/notices/new/").status_code == 403
    assert resident.get(f"/notices/{n.pk}/receipts/").status_code == 403
    staff = Client()
    staff.force_login(world.users["committee_A"])
    assert staff.get("/notices/").status_code == 200
    assert staff.get("/notices/new/").status_code == 200
    assert "已读 1 / 对象 4 人" in staff.get(f"/notices/{n.pk}/receipts/").content.decode()
    r = staff.post("/notices/new/", {"title": "", "body": "x", "grids": [world.grid("A").pk], "audience": "everyone"})
    assert r.status_code == 422
    r = staff.post("/notices/new/", {"title": "通知", "body": "x", "grids": [world.grid("A").pk],
                                     "audience": "everyone", "publish": "1"})
    assert r.status_code == 302
    other = Client()
    other.force_login(world.users["committee_B"])
    assert other.get(f"/notices/{n.pk}/").status_code == 404
