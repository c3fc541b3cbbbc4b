"""Keeping the household registry current: registering and changing households and residents, moving
residents between households and recording those who leave — through the services, the API and the
pages, for every role of the test world, with bad input for every field and from outside the scope.

In the world, leader_A1 (two-committee member of community A) and member_A1e (grid member of estate A1e)
may edit the registry of micro-grid A1em1; micro_A1em1 serves there but may not (403); the resident lives
there, so they see the grid and get 403 too; the user without duties gets 404. Off the resident's home
(A1em2) the resident and micro_A1em1 get 404 like anyone outside; community B is the admin's alone.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.people.access import scope_for
from wangge.people.models import PiiAccessLog
from wangge.registry import exporting, importing, selectors, services
from wangge.registry.models import Household, LeftReason, Occupancy, Relation, Resident
from wangge.testing.world import fake_id, fake_phone

from .test_import_households import xlsx_bytes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ROLES = ["admin", "leader_A1", "member_A1e", "micro_A1em1", "resident", "nobody"]
EDITORS = {"admin", "leader_A1", "member_A1e"}
# What each role gets for a write in micro-grid A1em1 (the resident's home), in A1em2 and in community B.
AT_A1EM1 = {"admin": 200, "leader_A1": 200, "member_A1e": 200, "micro_A1em1": 403, "resident": 403, "nobody": 404}
AT_A1EM2 = {"admin": 200, "leader_A1": 200, "member_A1e": 200, "micro_A1em1": 404, "resident": 404, "nobody": 404}
AT_B1EM1 = {"admin": 200, "leader_A1": 404, "member_A1e": 404, "micro_A1em1": 404, "resident": 404, "nobody": 404}
PLACES = {"A1em1": AT_A1EM1, "A1em2": AT_A1EM2, "B1em1": AT_B1EM1}
BAD_ID = fake_id(777)[:-1] + ("0" if fake_id(777)[-1] != "0" else "1")  # a wrong check character


def snapshot() -> list[tuple]:
    households = Household.objects.order_by("pk").values_list("pk", "unit_id", "floor", "room", "occupancy")
    residents = Resident.objects.order_by("pk").values_list(
        "pk", "household_id", "name", "id_number", "phone", "relation", "care_flags", "is_party_member", "left_at",
        "left_reason", "left_note", "subdistrict_id",
    )
    return [*households, *residents]


def login(world, key) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def head_count(household) -> int:
    return household.residents.filter(relation=Relation.SELF, left_at__isnull=True).count()


def fields_of(excinfo) -> set[str]:
    return {e.field for e in excinfo.value.errors}


# -- services --------------------------------------------------------------------------------------------


def test_household_update_changes_floor_and_occupancy(world):
    household = world.households["A1em1"][0]
    services.household_update(actor=world.users["member_A1e"], household=household, floor=3,
                              occupancy=Occupancy.RENTED)
    household.refresh_from_db()
    assert (household.floor, household.occupancy) == (3, Occupancy.RENTED)
    services.household_update(actor=world.users["member_A1e"], household=household, occupancy=Occupancy.VACANT)
    household.refresh_from_db()
    assert (household.floor, household.occupancy) == (3, Occupancy.VACANT)  # None leaves a field as it is


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"floor": 7}, {"floor"}),        # the building has 6 floors
        ({"floor": -6}, {"floor"}),
        ({"floor": "3楼"}, {"floor"}),
        ({"floor": True}, {"floor"}),
        ({"occupancy": "sold"}, {"occupancy"}),
        ({"floor": 99, "occupancy": ""}, {"floor", "occupancy"}),  # every bad field is named at once
    ],
)
def test_bad_household_update_names_each_field_and_writes_nothing(world, changes, fields):
    before = snapshot()
    with pytest.raises(InvalidInput) as info:
        services.household_update(actor=world.users["leader_A1"], household=world.households["A1em1"][0], **changes)
    assert fields_of(info) == fields
    assert snapshot() == before


def test_bad_household_create_names_every_field(world):
    unit = world.households["A1em1"][0].unit
    before = snapshot()
    with pytest.raises(InvalidInput) as info:
        services.household_create(actor=world.users["leader_A1"], unit=unit, floor=40, room=" ", occupancy="x")
    assert fields_of(info) == {"floor", "room", "occupancy"}
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_household_writes_follow_the_scope(world, role):
    actor = world.users[role]
    for place, expected in PLACES.items():
        household = world.households[place][0]
        before = snapshot()
        refusal = {403: PermissionDenied, 404: NotFound}.get(expected[role])
        if refusal is None:
            services.household_update(actor=actor, household=household, floor=2)
            assert Household.objects.get(pk=household.pk).floor == 2
            created = services.household_create(actor=actor, unit=household.unit, floor=5, room=f"5{role[:3]}")
            assert created.subdistrict_id == world.grid("sub").pk
            continue
        with pytest.raises(refusal):
            services.household_update(actor=actor, household=household, floor=2)
        with pytest.raises(refusal):
            services.household_create(actor=actor, unit=household.unit, floor=5, room="501")
        assert snapshot() == before, (role, place)


def test_moving_a_resident_to_another_household(world):
    spouse = world.residents["A1em1"][1]
    target = world.households["A1em2"][0]
    moved = services.resident_move(actor=world.users["member_A1e"], resident=spouse, household=target)
    moved.refresh_from_db()
    assert moved.household_id == target.pk and moved.relation == Relation.SPOUSE
    assert moved.subdistrict_id == target.subdistrict_id
    assert not selectors.resident_list(actor=None).filter(pk=moved.pk, household=world.households["A1em1"][0])


def test_a_move_keeps_one_head_per_household(world):
    head = world.residents["A1em1"][0]          # 居民1, head of 101 (A1em1)
    target = world.households["A1em1"][1]      # 201, whose head is 居民3
    before = snapshot()
    with pytest.raises(InvalidInput) as info:
        services.resident_move(actor=world.users["leader_A1"], resident=head, household=target)
    assert fields_of(info) == {"relation"} and "已有户主" in info.value.errors[0].message
    assert snapshot() == before
    # As a parent of the head there; the spouse left behind becomes head of 101.
    spouse = world.residents["A1em1"][1]
    services.resident_move(actor=world.users["leader_A1"], resident=head, household=target,
                           relation=Relation.PARENT, new_head=spouse)
    spouse.refresh_from_db()
    assert spouse.relation == Relation.SELF
    assert head_count(world.households["A1em1"][0]) == 1 and head_count(target) == 1


@pytest.mark.parametrize(
    ("case", "fields"),
    [
        ("same household", {"household"}),
        ("unknown relation", {"relation"}),
        ("new head while not the head", {"new_head"}),
        ("new head from another household", {"new_head"}),
        ("new head is the one moving", {"new_head"}),
    ],
)
def test_bad_moves_name_the_field_and_write_nothing(world, case, fields):
    head, spouse = world.residents["A1em1"][:2]
    elsewhere = world.households["A1em2"][0]
    args = {
        "same household": {"resident": spouse, "household": spouse.household},
        "unknown relation": {"resident": spouse, "household": elsewhere, "relation": "cousin"},
        "new head while not the head": {"resident": spouse, "household": elsewhere, "new_head": head},
        "new head from another household": {"resident": head, "household": elsewhere, "relation": "other",
                                            "new_head": world.residents["A1em1"][3]},
        "new head is the one moving": {"resident": head, "household": elsewhere, "relation": "other",
                                       "new_head": head},
    }[case]
    before = snapshot()
    with pytest.raises(InvalidInput) as info:
        services.resident_move(actor=world.users["leader_A1"], **args)
    assert fields_of(info) == fields
    assert snapshot() == before


def test_moves_need_the_permission_at_both_ends(world):
    spouse = world.residents["A1em1"][1]
    before = snapshot()
    with pytest.raises(NotFound):   # member_A1e may not edit community B
        services.resident_move(actor=world.users["member_A1e"], resident=spouse, household=world.households["B1em1"][0])
    with pytest.raises(PermissionDenied):
        services.resident_move(actor=world.users["micro_A1em1"], resident=spouse,
                               household=world.households["A1em1"][1])
    assert snapshot() == before


def test_a_resident_who_leaves_disappears_from_lists_and_counts_but_keeps_their_row(world):
    resident = world.residents["A1em1"][3]   # 居民4, spouse in 201
    household = world.households["A1em1"][1]
    stats_before = selectors.grid_stats(world.grid("A1em1"))
    services.resident_leave(actor=world.users["member_A1e"], resident=resident, reason=LeftReason.MOVED_AWAY,
                            note="随子女迁往太原")
    resident.refresh_from_db()
    assert resident.left_at == timezone.localdate() and resident.left_reason == LeftReason.MOVED_AWAY
    leader = world.users["leader_A1"]
    assert resident.pk not in set(selectors.resident_list(actor=leader).values_list("pk", flat=True))
    assert set(selectors.resident_list(actor=leader, status="left").values_list("pk", flat=True)) == {resident.pk}
    assert selectors.resident_list(actor=leader, status="all").filter(pk=resident.pk).exists()
    assert not selectors.resident_list(actor=leader, q="jumin4").exists()
    assert selectors.household_list(actor=leader).get(pk=household.pk).resident_count == 1
    assert not selectors.household_list(actor=leader, q="居民4").exists()
    stats = selectors.grid_stats(world.grid("A1em1"))
    assert stats["residents"] == stats_before["residents"] - 1 and stats["households"] == stats_before["households"]
    for key in ("A1", "A", "sub"):
        assert selectors.grid_stats(world.grid(key))["residents"] == sum(
            len(world.residents[m]) for m in world.micro_keys_under(key)) - 1
    # The ID number stays taken: registering it again is refused, naming the field and the way back.
    with pytest.raises(InvalidInput) as info:
        services.resident_create(actor=leader, household=world.households["A1em2"][0], name=resident.name,
                                 id_number=resident.id_number, relation="other")
    assert fields_of(info) == {"id_number"} and "迁入" in info.value.errors[0].message
    # Nor can they be changed or leave twice.
    with pytest.raises(Conflict):
        services.resident_update(actor=leader, resident=resident, phone=fake_phone(55))
    with pytest.raises(Conflict):
        services.resident_leave(actor=leader, resident=resident, reason=LeftReason.DECEASED)


def test_a_head_who_leaves_can_hand_over_and_one_who_left_comes_back_as_a_move(world):
    head, spouse = world.residents["A1em1"][:2]
    home = head.household
    leader = world.users["leader_A1"]
    services.resident_leave(actor=leader, resident=head, reason=LeftReason.OTHER, note="外出务工",
                            left_at=timezone.localdate() - dt.timedelta(days=10), new_head=spouse)
    spouse.refresh_from_db()
    assert spouse.relation == Relation.SELF and head_count(home) == 1
    head.refresh_from_db()
    # Back home: the spouse heads the household now, so the returning resident needs another relation.
    with pytest.raises(InvalidInput) as info:
        services.resident_move(actor=leader, resident=head, household=home)
    assert fields_of(info) == {"relation"}
    services.resident_move(actor=leader, resident=head, household=home, relation=Relation.SPOUSE)
    head.refresh_from_db()
    assert (head.left_at, head.left_reason, head.left_note, head.household_id) == (None, "", "", home.pk)
    assert selectors.resident_list(actor=leader).filter(pk=head.pk).exists()
    assert head_count(home) == 1


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"reason": "emigrated"}, {"reason"}),
        ({"reason": ""}, {"reason"}),
        ({"reason": "other"}, {"note"}),                     # "other" needs a note
        ({"reason": "moved_away", "note": "长" * 201}, {"note"}),
        ({"reason": "moved_away", "left_at": dt.date(2999, 1, 1)}, {"left_at"}),
        ({"reason": "moved_away", "left_at": "2024-01-01"}, {"left_at"}),
        ({"reason": "deceased", "new_head": "spouse"}, {"new_head"}),     # 居民2 is not the head
        ({"reason": "bad", "left_at": dt.date(1800, 1, 1)}, {"reason", "left_at"}),
    ],
)
def test_bad_leaving_names_each_field_and_writes_nothing(world, kwargs, fields):
    spouse = world.residents["A1em1"][1]
    if kwargs.get("new_head") == "spouse":
        kwargs = {**kwargs, "new_head": world.residents["A1em1"][0]}
    before = snapshot()
    with pytest.raises(InvalidInput) as info:
        services.resident_leave(actor=world.users["leader_A1"], resident=spouse, **kwargs)
    assert fields_of(info) == fields
    assert snapshot() == before


def test_changing_a_resident_into_a_second_head_is_refused(world):
    spouse = world.residents["A1em1"][1]
    before = snapshot()
    with pytest.raises(InvalidInput) as info:
        services.resident_update(actor=world.users["leader_A1"], resident=spouse, relation=Relation.SELF)
    assert fields_of(info) == {"relation"}
    with pytest.raises(InvalidInput) as info:
        services.resident_update(actor=world.users["leader_A1"], resident=spouse, is_party_member="yes")
    assert fields_of(info) == {"is_party_member"}
    assert snapshot() == before


def test_a_resident_login_who_left_no_longer_sees_the_household(world):
    resident = world.users["resident"].person.resident
    assert scope_for(world.users["resident"]).household_id == resident.household_id
    services.resident_leave(actor=world.users["leader_A1"], resident=resident, reason=LeftReason.MOVED_AWAY)
    scope = scope_for(world.users["resident"])
    assert scope.household_id is None and scope.household_chain == []


def test_left_residents_are_not_exported_and_an_import_does_not_bring_them_back(world):
    resident = world.residents["A1em1"][1]
    services.resident_leave(actor=None, resident=resident, reason=LeftReason.DECEASED)
    export = exporting.households_export(actor=world.users["member_A1e"], grid=world.grid("A1e"), unmask=True,
                                         reason="核对名册")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content), read_only=True).worksheets[0]
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} | {
        c for row in sheet.iter_rows(values_only=True) for c in row}
    assert resident.name not in names and export.residents == 7
    before = snapshot()
    row = ["1号楼", "1单元", 1, "101", resident.name, resident.id_number, "", "配偶", "自住", "", "否"]
    with pytest.raises(importing.ImportRowError) as info:
        importing.households_import_file(actor=None, grid=world.grid("A1e"), data=xlsx_bytes([row]),
                                         file_name="住户.xlsx")
    assert any("登记离开" in str(e) for e in info.value.errors)
    assert snapshot() == before
    # A head who left does not block importing the new head of the household.
    head = world.residents["A1em1"][0]
    services.resident_leave(actor=None, resident=head, reason=LeftReason.MOVED_AWAY)
    new_head = ["1号楼", "1单元", 1, "101", "新户主", fake_id(612), "", "本人", "自住", "", "否"]
    report = importing.households_import_file(actor=None, grid=world.grid("A1e"), data=xlsx_bytes([new_head]),
                                              file_name="住户.xlsx")
    assert report.written and head_count(head.household) == 1


# -- the API ---------------------------------------------------------------------------------------------


def _api_writes(world, place: str) -> list[tuple[str, str, dict, int]]:
    """(method, path, body, status on success) for every new write at the first household of `place` (the
    resident's own household in A1em1)."""
    household = world.households[place][0]
    spouse = world.residents[place][1]
    other = world.households[place][1]
    return [
        ("post", "/api/v1/households", {"unit_id": household.unit_id, "floor": 3, "room": "3X1"}, 201),
        ("patch", f"/api/v1/households/{household.pk}", {"occupancy": "rented"}, 200),
        ("post", "/api/v1/residents", {"household_id": household.pk, "name": "新来的", "id_number": fake_id(321),
                                       "relation": "child"}, 201),
        ("patch", f"/api/v1/residents/{spouse.pk}", {"phone": fake_phone(4321)}, 200),
        ("post", f"/api/v1/residents/{spouse.pk}/move", {"household_id": other.pk, "relation": "other"}, 200),
        ("post", f"/api/v1/residents/{world.residents[place][0].pk}/leave", {"reason": "deceased"}, 200),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_api_writes_follow_the_scope(world, api, role, place):
    client = api(role)
    for method, path, body, created in _api_writes(world, place):
        before = snapshot()
        response = getattr(client, method)(path, body, content_type="application/json")
        expected = PLACES[place][role]
        assert response.status_code == (created if expected == 200 else expected), (role, place, path,
                                                                                   response.content)
        if expected != 200:
            assert snapshot() == before, (role, place, path)
            assert response.json()["detail"]


def test_api_answers_are_masked_and_left_residents_are_listed_on_request(world, api):
    client = api("member_A1e")
    household = world.households["A1em1"][1]
    body = client.post("/api/v1/residents", {
        "household_id": household.pk, "name": "王小明", "id_number": fake_id(322), "phone": "138 0013 8000",
        "relation": "child", "care_flags": ["left_behind_child"], "is_party_member": False,
    }, content_type="application/json").json()
    assert body["id_number"] == fake_id(322)[:6] + "********" + fake_id(322)[-4:]
    assert body["phone"] == "138****8000" and body["care_flags"] == ["left_behind_child"]
    assert body["left_at"] is None and "2**" in body["address"]
    created = client.post("/api/v1/households", {"unit_id": household.unit_id, "floor": 4, "room": "401",
                                                 "occupancy": "vacant"}, content_type="application/json").json()
    assert created["room"] == "4**" and created["occupancy"] == "vacant" and created["resident_count"] == 0
    patched = client.patch(f"/api/v1/households/{household.pk}", {"floor": 3},
                           content_type="application/json").json()
    assert patched["floor"] == 3 and patched["resident_count"] == 3 and patched["occupancy"] == "owner"

    left = client.post(f"/api/v1/residents/{body['id']}/leave", {"reason": "moved_away", "left_at": "2025-01-02"},
                       content_type="application/json").json()
    assert left["left_at"] == "2025-01-02" and left["left_reason"] == "moved_away"
    assert body["id"] not in {r["id"] for r in client.get("/api/v1/residents?page_size=500").json()["items"]}
    assert [r["id"] for r in client.get("/api/v1/residents?status=left").json()["items"]] == [body["id"]]
    assert client.get(f"/api/v1/residents/{body['id']}").json()["left_reason"] == "moved_away"
    assert client.get(f"/api/v1/households/{household.pk}").json()["resident_count"] == 2
    assert client.get("/api/v1/residents?status=gone").status_code == 422
    # Changing one who has left is a conflict; bringing them back is a move.
    assert client.patch(f"/api/v1/residents/{body['id']}", {"name": "王大明"},
                        content_type="application/json").status_code == 409
    back = client.post(f"/api/v1/residents/{body['id']}/move", {"household_id": household.pk},
                       content_type="application/json").json()
    assert back["left_at"] is None and back["household_id"] == household.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "长" * 51}, "name"),
        ({"id_number": BAD_ID}, "id_number"),
        ({"id_number": "1234"}, "id_number"),
        ({"id_number": fake_id(1)}, "id_number"),          # already registered (居民1)
        ({"phone": "12345"}, "phone"),
        ({"relation": "cousin"}, "relation"),
        ({"relation": "self"}, "relation"),                  # the household has a head
        ({"care_flags": ["rich"]}, "care_flags.0"),
        ({"is_party_member": "maybe"}, "is_party_member"),
        ({"household_id": 0}, "household_id"),
        ({"household_id": "x"}, "household_id"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_api_bad_resident_input_names_the_field_and_writes_nothing(world, api, body, field):
    household = world.households["A1em1"][0]
    payload = {"household_id": household.pk, "name": "新居民", "id_number": fake_id(401), "relation": "child", **body}
    before = snapshot()
    response = api("leader_A1").post("/api/v1/residents", payload, content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/households", {"floor": 9, "room": "901"}, "floor"),
        ("/api/v1/households", {"floor": 999, "room": "901"}, "floor"),
        ("/api/v1/households", {"floor": 2, "room": ""}, "room"),
        ("/api/v1/households", {"floor": 2, "room": "101"}, "room"),          # taken
        ("/api/v1/households", {"floor": 2, "room": "201", "occupancy": "sold"}, "occupancy"),
        ("/api/v1/households", {"floor": 2, "room": "201", "unit_id": -1}, "unit_id"),
        ("HOUSEHOLD", {"floor": 7}, "floor"),
        ("HOUSEHOLD", {"occupancy": "sold"}, "occupancy"),
        ("RESIDENT", {"phone": "1380000"}, "phone"),
        ("RESIDENT", {"id_number": BAD_ID}, "id_number"),
        ("RESIDENT", {"relation": "self"}, "relation"),                       # 居民2 is not the head
        ("RESIDENT/move", {"household_id": "SAME"}, "household_id"),
        ("RESIDENT/move", {"household_id": "OTHER", "relation": "boss"}, "relation"),
        ("RESIDENT/move", {"household_id": "OTHER", "new_head_id": "HEAD"}, "new_head_id"),
        ("RESIDENT/leave", {"reason": "vanished"}, "reason"),
        ("RESIDENT/leave", {"reason": "other"}, "note"),
        ("RESIDENT/leave", {"reason": "moved_away", "left_at": "2999-01-01"}, "left_at"),
        ("RESIDENT/leave", {"reason": "moved_away", "left_at": "yesterday"}, "left_at"),
    ],
)
def test_api_bad_input_for_every_write_names_the_field_and_writes_nothing(world, api, path, body, field):
    household = world.households["A1em1"][0]
    spouse = world.residents["A1em1"][1]
    ids = {"SAME": household.pk, "OTHER": world.households["A1em1"][1].pk, "HEAD": world.residents["A1em1"][0].pk}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    path = path.replace("HOUSEHOLD", f"/api/v1/households/{household.pk}").replace(
        "RESIDENT", f"/api/v1/residents/{spouse.pk}")
    if path == "/api/v1/households":
        body = {"unit_id": household.unit_id, **body}
    method = "patch" if re.fullmatch(r"/api/v1/(households|residents)/\d+", path) else "post"
    before = snapshot()
    response = getattr(api("member_A1e"), method)(path, body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert snapshot() == before


# -- the pages -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_household_page_shows_the_household_masked_and_editing_to_editors(world, role):
    household = world.households["A1em1"][0]
    response = login(world, role).get(f"/households/{household.pk}/")
    if role == "nobody":
        assert response.status_code == 404
        return
    html = response.content.decode()
    assert response.status_code == 200 and household.masked_address in html
    for r in world.residents["A1em1"][:2]:
        assert r.name in html and r.masked_id_number in html and r.id_number not in html and r.phone not in html
    assert "本人" in html and "配偶" in html
    controls = ("登记居民", "修改楼层或居住状态", f"/residents/{world.residents['A1em1'][0].pk}/move/", "登记离开")
    if role in EDITORS:
        assert all(c in html for c in controls), role
    else:
        assert not any(c in html for c in controls), role


def test_the_households_page_links_each_row_and_offers_to_register(world):
    html = login(world, "member_A1e").get("/households/").content.decode()
    for household in world.households["A1em1"] + world.households["A1em2"]:
        assert f'href="/households/{household.pk}/"' in html
    assert 'id="household-add"' in html
    for role in ("micro_A1em1", "resident", "nobody"):
        assert 'id="household-add"' not in login(world, role).get("/households/").content.decode()


def _page_posts(world, place: str) -> list[tuple[str, dict]]:
    household = world.households[place][0]
    spouse = world.residents[place][1]
    return [
        (f"/households/{household.pk}/edit/", {"floor": "2", "occupancy": "rented"}),
        (f"/households/{household.pk}/residents/", {"name": "新来的", "id_number": fake_id(331), "relation": "child"}),
        (f"/residents/{spouse.pk}/edit/", {"name": spouse.name, "relation": "spouse", "phone": fake_phone(3331)}),
        (f"/residents/{spouse.pk}/edit/unmask/", {"reason": "核对号码", "name": spouse.name, "relation": "spouse"}),
        (f"/residents/{spouse.pk}/move/", {"unit": str(household.unit_id), "room": world.households[place][1].room,
                                            "relation": "other"}),
        (f"/residents/{world.residents[place][0].pk}/leave/", {"reason": "deceased"}),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_page_forms_follow_the_scope(world, role, place):
    client = login(world, role)
    expected = PLACES[place][role]
    for url, data in _page_posts(world, place):
        before = snapshot()
        logs = PiiAccessLog.objects.count()
        response = client.post(url, data, **HTMX)
        assert response.status_code == expected, (role, place, url, response.content.decode()[:300])
        if expected != 200:
            assert snapshot() == before and PiiAccessLog.objects.count() == logs, (role, place, url)
        else:
            assert 'class="error"' not in response.content.decode(), (role, place, url)
    for path in ("edit", "move", "leave"):
        url = f"/residents/{world.residents[place][1].pk}/{path}/"
        assert client.get(url, **HTMX).status_code == expected, (role, place, url)
        assert client.get(url).status_code == expected, (role, place, url)


def test_adding_a_resident_shows_each_error_beside_its_field_and_writes_nothing(world):
    client = login(world, "member_A1e")
    household = world.households["A1em1"][0]
    before = snapshot()
    data = {"name": "", "id_number": BAD_ID, "phone": "1234", "relation": "self", "care_flags": ["elderly_alone"],
            "is_party_member": "on"}
    response = client.post(f"/households/{household.pk}/residents/", data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "身份证号：校验位错误" in html
    assert "姓名：姓名不能为空" in html and "联系电话：不是有效的大陆手机号码" in html
    assert 'id="resident-new" open' in html and f'value="{BAD_ID}"' in html
    assert 'value="elderly_alone" checked' in html
    assert snapshot() == before
    # Without htmx: the whole page, 422.
    response = client.post(f"/households/{household.pk}/residents/", data)
    assert response.status_code == 422 and "身份证号：校验位错误" in response.content.decode()
    assert snapshot() == before


def test_adding_a_resident_shows_them_in_the_household(world):
    client = login(world, "leader_A1")
    household = world.households["A1em1"][0]
    data = {"name": "王小明", "id_number": fake_id(341), "phone": "13800138000", "relation": "child",
            "care_flags": ["left_behind_child", "disabled"], "is_party_member": "on"}
    html = client.post(f"/households/{household.pk}/residents/", data, **HTMX).content.decode()
    resident = Resident.objects.get(id_number=fake_id(341))
    assert (resident.household_id, resident.relation, resident.is_party_member) == (household.pk, "child", True)
    assert set(resident.care_flags) == {"left_behind_child", "disabled"}
    assert "已登记居民王小明" in html and f'id="resident-{resident.pk}"' in html and "just-saved" in html
    assert "留守儿童" in html and "党员" in html and "13800138000" not in html and fake_id(341) not in html
    response = client.post(f"/households/{household.pk}/residents/", {**data, "id_number": fake_id(342)})
    assert response.status_code == 302 and response["Location"] == f"/households/{household.pk}/#residents"


def test_editing_the_household_facts(world):
    client = login(world, "member_A1e")
    household = world.households["A1em1"][0]
    before = snapshot()
    html = client.post(f"/households/{household.pk}/edit/", {"floor": "9", "occupancy": "sold"}, **HTMX).content.decode()
    assert "楼层：楼层应在 -5 到 6 之间" in html and "居住状态：" in html and "<html" not in html
    assert snapshot() == before
    assert client.post(f"/households/{household.pk}/edit/", {"floor": "abc", "occupancy": "owner"}).status_code == 422
    assert snapshot() == before
    html = client.post(f"/households/{household.pk}/edit/", {"floor": "2", "occupancy": "vacant"}, **HTMX).content.decode()
    household.refresh_from_db()
    assert (household.floor, household.occupancy) == (2, "vacant") and "已保存" in html and "空置" in html


def test_editing_a_resident_replaces_the_phone_without_showing_it(world):
    client = login(world, "member_A1e")
    spouse = world.residents["A1em1"][1]
    form = client.get(f"/residents/{spouse.pk}/edit/", **HTMX).content.decode()
    assert spouse.phone not in form and spouse.id_number not in form and spouse.masked_phone in form
    assert 'name="id_number"' not in form and "显示完整信息" in form
    # A blank phone keeps the registered one; the ID number cannot be changed without the unmask step.
    data = {"name": "居民二", "relation": "spouse", "phone": "", "care_flags": ["veteran"], "id_number": fake_id(351)}
    html = client.post(f"/residents/{spouse.pk}/edit/", data, **HTMX).content.decode()
    spouse.refresh_from_db()
    assert (spouse.name, spouse.phone, spouse.id_number, spouse.care_flags) == (
        "居民二", fake_phone(2), fake_id(2), ["veteran"])
    assert "已保存居民二的登记信息" in html and "退役军人" in html
    client.post(f"/residents/{spouse.pk}/edit/", {**data, "phone": "13700001111"}, **HTMX)
    spouse.refresh_from_db()
    assert spouse.phone == "13700001111"
    before = snapshot()
    html = client.post(f"/residents/{spouse.pk}/edit/", {**data, "phone": "1370000"}, **HTMX)
    assert html["HX-Retarget"] == f"#resident-action-{spouse.pk}"
    assert "联系电话：不是有效的大陆手机号码" in html.content.decode()
    assert snapshot() == before
    assert not PiiAccessLog.objects.exists()


def test_changing_the_id_number_goes_through_the_logged_unmask(world):
    client = login(world, "leader_A1")
    spouse = world.residents["A1em1"][1]
    # No reason: asked for, nothing shown, nothing logged; what was typed stays.
    response = client.post(f"/residents/{spouse.pk}/edit/unmask/", {"name": "居民二", "relation": "spouse"}, **HTMX)
    html = response.content.decode()
    assert "查看事由：请说明查看事由" in html and spouse.id_number not in html and 'value="居民二"' in html
    assert not PiiAccessLog.objects.exists()
    html = client.post(f"/residents/{spouse.pk}/edit/unmask/", {"reason": "换发身份证", "name": "居民二",
                                                                "relation": "spouse"}, **HTMX).content.decode()
    assert f'value="{spouse.id_number}"' in html and f'value="{spouse.phone}"' in html and 'value="居民二"' in html
    assert 'name="unmasked" value="1"' in html
    log = PiiAccessLog.objects.get()
    assert (log.actor_id, log.resident_id, log.purpose, log.reason) == (
        world.users["leader_A1"].pk, spouse.pk, "edit", "换发身份证")
    # Saving the unmasked form: a bad number is named, then a good one is saved; an empty phone clears it.
    data = {"unmasked": "1", "name": "居民二", "relation": "spouse", "id_number": BAD_ID, "phone": spouse.phone}
    html = client.post(f"/residents/{spouse.pk}/edit/", data, **HTMX).content.decode()
    assert "身份证号：校验位错误" in html
    client.post(f"/residents/{spouse.pk}/edit/", {**data, "id_number": fake_id(352), "phone": ""}, **HTMX)
    spouse.refresh_from_db()
    assert (spouse.id_number, spouse.phone) == (fake_id(352), "")


def test_moving_a_resident_from_the_page(world):
    client = login(world, "member_A1e")
    spouse = world.residents["A1em1"][1]
    target = world.households["A1em2"][1]
    url = f"/residents/{spouse.pk}/move/"
    before = snapshot()
    html = client.post(url, {"unit": str(target.unit_id), "room": "909", "relation": "spouse"}, **HTMX).content.decode()
    assert "房号：该单元没有登记 909 室" in html
    html = client.post(url, {"unit": "", "room": target.room, "relation": "spouse"}, **HTMX).content.decode()
    assert "楼栋和单元：请选择楼栋和单元" in html
    html = client.post(url, {"unit": str(target.unit_id), "room": target.room, "relation": "self"}, **HTMX)
    assert "与户主关系：目标住户已有户主" in html.content.decode()
    response = client.post(url, {"unit": str(world.households["B1em1"][0].unit_id), "room": "101",
                                 "relation": "spouse"}, **HTMX)
    assert "该单元没有登记 101 室" in response.content.decode()   # out of scope: as if it did not exist
    assert snapshot() == before
    html = client.post(url, {"unit": str(target.unit_id), "room": target.room, "relation": "other"},
                       **HTMX).content.decode()
    spouse.refresh_from_db()
    assert spouse.household_id == target.pk and spouse.relation == "other"
    assert "已将居民2迁至" in html and f'id="resident-{spouse.pk}"' not in html


def test_leaving_and_coming_back_from_the_page(world):
    client = login(world, "leader_A1")
    head, spouse = world.residents["A1em1"][:2]
    household = head.household
    url = f"/residents/{head.pk}/leave/"
    form = client.get(url, **HTMX).content.decode()
    assert f'<option value="{spouse.pk}">' in form                  # the head may hand over
    before = snapshot()
    html = client.post(url, {"reason": "other", "left_at": "2025-13-01"}, **HTMX).content.decode()
    assert "离开日期：日期应写作" in html
    html = client.post(url, {"reason": "other", "left_at": "2025-03-01"}, **HTMX).content.decode()
    assert "说明：离开原因为“其他”时请写明说明" in html
    assert snapshot() == before
    html = client.post(url, {"reason": "deceased", "left_at": "2025-03-01", "new_head": str(spouse.pk)},
                       **HTMX).content.decode()
    head.refresh_from_db()
    spouse.refresh_from_db()
    assert head.left_at == dt.date(2025, 3, 1) and spouse.relation == Relation.SELF
    assert "已登记居民1离开（去世）" in html and 'id="past-residents"' in html and "2025-03-01 离开" in html
    # Gone from the households page, the grid's counts, and the edit form; back through "restore".
    assert ">居民1<" not in login(world, "leader_A1").get("/households/").content.decode()
    panel = client.get(f"/grids/{world.grid('A1em1').pk}/panel/", **HTMX).content.decode()
    assert f'id="stat-residents">{len(world.residents["A1em1"]) - 1}<' in panel
    assert client.get(f"/residents/{head.pk}/edit/").status_code == 302
    html = client.post(f"/residents/{head.pk}/move/", {"target": "home", "relation": "parent"},
                       **HTMX).content.decode()
    head.refresh_from_db()
    assert head.left_at is None and head.household_id == household.pk and "已恢复居民1在本户的登记" in html


def test_the_forms_work_without_javascript(world):
    """Plain posts: a failed one answers the whole page (422) with the error beside its field; a good one is
    redirected to the household page, which says what was done."""
    client = login(world, "member_A1e")
    head, spouse = world.residents["A1em1"][:2]
    home = f"/households/{head.household_id}/"
    for url, data, error in (
        (f"/residents/{spouse.pk}/edit/", {"name": "", "relation": "spouse"}, "姓名：姓名不能为空"),
        (f"/residents/{spouse.pk}/move/", {"unit": "x", "room": "1"}, "楼栋和单元：请选择楼栋和单元"),
        (f"/residents/{spouse.pk}/leave/", {"reason": "gone"}, "离开原因：未知离开原因"),
        (f"/residents/{spouse.pk}/edit/unmask/", {"reason": "", "name": "x"}, "查看事由：请说明查看事由"),
    ):
        response = client.post(url, data)
        html = response.content.decode()
        assert response.status_code == 422 and error in html and "/static/css/wangge.css" in html, url
        assert f'href="{home}"' in html
    html = client.post(f"/residents/{spouse.pk}/edit/unmask/", {"reason": "核对", "name": spouse.name,
                                                                "relation": "spouse"}).content.decode()
    assert f'value="{spouse.id_number}"' in html
    response = client.post(f"/residents/{spouse.pk}/leave/", {"reason": "moved_away"})
    assert response.status_code == 302 and response["Location"] == f"{home}#residents"
    html = client.get(home).content.decode()
    assert "已登记居民2离开（迁出）" in html and 'id="past-residents"' in html


def test_registering_a_household_from_the_households_page(world):
    client = login(world, "member_A1e")
    unit = world.households["A1em2"][0].unit
    page = client.get(f"/households/new/?within={world.grid('A1e').pk}").content.decode()
    assert f'<option value="{unit.pk}"' in page
    before = snapshot()
    response = client.post("/households/new/", {"unit": str(unit.pk), "floor": "12", "room": "", "occupancy": "x"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "楼层：楼层应在 -5 到 6 之间" in html and "房号：房号不能为空" in html and "居住状态：" in html
    response = client.post("/households/new/", {"unit": str(world.households["B1em1"][0].unit_id), "floor": "3",
                                                "room": "301"})
    assert response.status_code == 422 and "楼栋和单元：请选择楼栋和单元" in response.content.decode()
    assert snapshot() == before
    response = client.post("/households/new/", {"unit": str(unit.pk), "floor": "3", "room": "301",
                                                "occupancy": "rented"})
    household = Household.objects.get(unit=unit, room="301")
    assert response.status_code == 302 and response["Location"] == f"/households/{household.pk}/"
    assert household.occupancy == "rented" and household.subdistrict_id == world.grid("sub").pk


# -- query counts ----------------------------------------------------------------------------------------


# session, user, the scope (person, duties; a resident's: their resident → household → unit → micro-grid),
# the household with its place, and its residents (current and left, in one query)
# Each full page also counts the unread notifications for the menu.
HOUSEHOLD_PAGE_QUERIES = {"admin": 5, "leader_A1": 7, "resident": 11}


@pytest.mark.parametrize("role", list(HOUSEHOLD_PAGE_QUERIES))
def test_household_page_query_count_is_pinned(world, role, django_assert_max_num_queries):
    client = login(world, role)
    household = world.households["A1em1"][0]
    url = f"/households/{household.pk}/"
    client.get(url)
    with django_assert_max_num_queries(HOUSEHOLD_PAGE_QUERIES[role]):
        assert client.get(url).status_code == 200
    for i in range(12):
        resident = services.resident_create(household=household, name=f"新居民{i}", id_number=fake_id(600 + i),
                                            phone=fake_phone(600 + i), relation="child", care_flags=["veteran"])
        if i % 3 == 0:
            services.resident_leave(resident=resident, reason=LeftReason.MOVED_AWAY)
    with django_assert_max_num_queries(HOUSEHOLD_PAGE_QUERIES[role]):
        assert client.get(url).status_code == 200


def test_resident_forms_query_counts_are_pinned(world, django_assert_max_num_queries):
    client = login(world, "leader_A1")
    resident = world.residents["A1em1"][0]
    client.get(f"/households/{resident.household_id}/")
    # session, user, scope (2), the resident with its place, the household's other residents (the new head
    # to pick), and for a move the units to move to
    for path, queries in (("edit", 6), ("move", 7), ("leave", 6)):
        with django_assert_max_num_queries(queries):
            assert client.get(f"/residents/{resident.pk}/{path}/", **HTMX).status_code == 200
