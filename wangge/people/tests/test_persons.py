"""Persons who are not on the register yet: a resident made a person (to be given a duty), someone who is
not a resident registered at a grid, their name and phone corrected — through the services and the API,
for every role of the test world, with bad input and from outside the scope.

At micro-grid A1em1 (community A): leader_A1 (two-committee member of A) and the admin may manage
people; the grid member and the micro-grid member serve there but may not (403), nor may the joint-unit
liaison of A or the resident who lives there; the user without duties does not see it at all (404).
Community B is outside everyone's scope but the admin's (404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wangge.people import selectors, services
from wangge.people.access import scope_for
from wangge.people.models import Duty, Person, Role
from wangge.registry import services as registry
from wangge.testing.world import add_resident_without_person

pytestmark = pytest.mark.django_db

JSON = "application/json"
ROLES = ["admin", "leader_A1", "member_A1e", "micro_A1em1", "liaison_A", "resident", "nobody"]
# What each role gets when managing people at micro-grid A1em1.
AT_A1EM1 = {"admin": 201, "leader_A1": 201, "member_A1e": 403, "micro_A1em1": 403, "liaison_A": 403,
            "resident": 403, "nobody": 404}
REFUSAL = {403: PermissionDenied, 404: NotFound}


def persons_snapshot() -> list[tuple]:
    return list(Person.objects.order_by("pk").values_list("pk", "name", "phone", "resident_id", "grid_id",
                                                          "search_text"))


def scope_of(world, key):
    return scope_for(world.users[key])


# -- services: a resident becomes a person ----------------------------------------------------------------


def test_a_resident_becomes_a_person_once(world):
    resident = add_resident_without_person(world)
    scope = scope_of(world, "leader_A1")
    person, created = services.person_from_resident(actor=scope, resident=resident)
    assert created
    assert (person.name, person.phone, person.resident_id, person.grid_id) == (
        resident.name, resident.phone, resident.pk, None)
    assert person.subdistrict_id == world.grid("sub").pk
    assert "wxy" in person.search_text  # found by initials in the person pickers from now on
    before = persons_snapshot()
    again, created = services.person_from_resident(actor=scope, resident=resident)
    assert (again.pk, created) == (person.pk, False)
    assert persons_snapshot() == before
    # …and the person is in the leader's scope through the resident's household.
    assert selectors.person_get(actor=scope, person_id=person.pk) == person


def test_a_resident_who_is_a_person_already_gets_that_person(world):
    existing = world.persons["resident"]
    person, created = services.person_from_resident(actor=scope_of(world, "leader_A1"), resident=existing.resident)
    assert (person.pk, created) == (existing.pk, False)


@pytest.mark.parametrize("role", [r for r in ROLES if AT_A1EM1[r] != 201])
def test_only_those_who_manage_people_make_a_resident_a_person(world, role):
    resident = add_resident_without_person(world)
    before = persons_snapshot()
    with pytest.raises(REFUSAL[AT_A1EM1[role]]):
        services.person_from_resident(actor=scope_of(world, role), resident=resident)
    assert persons_snapshot() == before


def test_a_resident_outside_the_scope_is_not_found(world):
    resident = add_resident_without_person(world, micro="B1em1")
    before = persons_snapshot()
    with pytest.raises(NotFound):
        services.person_from_resident(actor=scope_of(world, "leader_A1"), resident=resident)
    assert persons_snapshot() == before


def test_a_resident_who_has_left_does_not_become_a_person(world):
    resident = add_resident_without_person(world)
    registry.resident_leave(resident=resident, reason="moved_away")
    before = persons_snapshot()
    with pytest.raises(Conflict):
        services.person_from_resident(actor=scope_of(world, "leader_A1"), resident=resident)
    assert persons_snapshot() == before


# -- services: someone who is not a resident --------------------------------------------------------------


def test_a_person_registered_at_a_grid_is_in_the_scope_of_those_who_manage_it(world):
    grid = world.grid("A1e")
    person = services.person_create(actor=scope_of(world, "leader_A1"), name=" 刘洋 ", phone="+86 139-0000-0001",
                                    grid=grid)
    assert (person.name, person.phone, person.grid_id, person.resident_id) == ("刘洋", "13900000001", grid.pk, None)
    assert person.subdistrict_id == world.grid("sub").pk
    # No duty yet, and still found: by the leader and the grid member (who serve there), not by community B.
    for key in ("leader_A1", "member_A1e", "admin"):
        assert selectors.person_list(actor=scope_of(world, key), q="ly").filter(pk=person.pk).exists(), key
    for key in ("micro_A1em1", "leader_B1", "resident", "nobody"):
        assert not selectors.person_list(actor=scope_of(world, key)).filter(pk=person.pk).exists(), key
    assert selectors.person_list(actor=scope_of(world, "leader_A1"), within=grid.pk).filter(pk=person.pk).exists()


@pytest.mark.parametrize("role", [r for r in ROLES if AT_A1EM1[r] != 201])
def test_only_those_who_manage_people_register_someone(world, role):
    before = persons_snapshot()
    with pytest.raises(REFUSAL[AT_A1EM1[role]]):
        services.person_create(actor=scope_of(world, role), name="刘洋", grid=world.grid("A1em1"))
    assert persons_snapshot() == before


@pytest.mark.parametrize(("name", "phone", "field"), [("", "", "name"), ("   ", "", "name"),
                                                      ("刘洋", "12345", "phone"), ("刘洋", "0351-1234567", "phone")])
def test_registering_someone_with_bad_input_names_the_field(world, name, phone, field):
    before = persons_snapshot()
    with pytest.raises(InvalidInput) as info:
        services.person_create(actor=scope_of(world, "leader_A1"), name=name, phone=phone, grid=world.grid("A1em1"))
    assert info.value.errors[0].field == field
    assert persons_snapshot() == before


def test_registering_a_resident_needs_the_permission_at_their_grid(world):
    resident = add_resident_without_person(world)
    with pytest.raises(PermissionDenied):
        services.person_create(actor=scope_of(world, "member_A1e"), name=resident.name, resident=resident)
    assert not Person.objects.filter(resident=resident).exists()


# -- services: correcting a name or phone -------------------------------------------------------------------


def test_a_person_who_is_not_a_resident_is_corrected(world):
    person = world.persons["member_A1e"]
    updated = services.person_update(actor=scope_of(world, "leader_A1"), person=person, name="李娜", phone="139 0000 0002")
    person.refresh_from_db()
    assert (person.name, person.phone) == ("李娜", "13900000002")
    assert "lina" in person.search_text and "ln" in person.search_text
    assert updated.pk == person.pk
    services.person_update(actor=scope_of(world, "leader_A1"), person=person, phone="")
    person.refresh_from_db()
    assert (person.name, person.phone) == ("李娜", "")
    services.person_update(actor=scope_of(world, "leader_A1"), person=person)  # nothing asked, nothing changed
    person.refresh_from_db()
    assert (person.name, person.phone) == ("李娜", "")


@pytest.mark.parametrize(("key", "error"), [
    ("member_A1e", PermissionDenied),  # sees themselves, may not manage people
    ("micro_A1em1", NotFound),  # A1e is above their micro-grid
    ("leader_B1", NotFound),
    ("resident", PermissionDenied),  # knows who serves their home, may not correct them
    ("nobody", NotFound),
])
def test_only_those_who_manage_people_where_a_person_belongs_correct_them(world, key, error):
    person = world.persons["member_A1e"]
    before = persons_snapshot()
    with pytest.raises(error):
        services.person_update(actor=scope_of(world, key), person=person, name="李娜")
    assert persons_snapshot() == before


def test_a_person_registered_without_a_grid_belongs_where_they_serve(world):
    person = services.person_create(name="赵敏")  # the system, as a command or an old import would
    services.duty_assign(person=person, role=Role.PROPERTY_STAFF, grid=world.grid("A2e"))
    services.person_update(actor=scope_of(world, "leader_A1"), person=person, name="赵敏敏")
    assert Person.objects.get(pk=person.pk).name == "赵敏敏"
    with pytest.raises(PermissionDenied):
        services.person_update(actor=scope_of(world, "member_A2e"), person=person, name="赵")
    with pytest.raises(NotFound):
        services.person_update(actor=scope_of(world, "leader_B1"), person=person, name="赵")


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"), ({"name": "  "}, "name"), ({"phone": "1234"}, "phone"),
    ({"name": "李娜", "phone": "abc"}, "phone"),
])
def test_a_correction_with_bad_input_names_the_field_and_changes_nothing(world, changes, field):
    before = persons_snapshot()
    with pytest.raises(InvalidInput) as info:
        services.person_update(actor=scope_of(world, "leader_A1"), person=world.persons["member_A1e"], **changes)
    assert info.value.errors[0].field == field
    assert persons_snapshot() == before


def test_a_resident_is_corrected_in_the_household_register_not_here(world):
    person = world.persons["resident"]
    before = persons_snapshot()
    for changes, field in (({"name": "改名"}, "name"), ({"phone": "13900000003"}, "phone")):
        with pytest.raises(InvalidInput) as info:
            services.person_update(actor=scope_of(world, "leader_A1"), person=person, **changes)
        assert info.value.errors[0].field == field and "住户" in info.value.errors[0].message
    assert persons_snapshot() == before


# -- services: a duty for a resident ------------------------------------------------------------------------


def test_a_resident_given_a_duty_becomes_a_person_with_it(world):
    resident = add_resident_without_person(world)
    micro = world.grid("A1em1")
    duty = services.duty_assign_to_resident(actor=scope_of(world, "leader_A1"), resident=resident,
                                            role=Role.MICRO_GRID_MEMBER, grid=micro)
    assert duty.person.resident_id == resident.pk and duty.is_current and duty.grid_id == micro.pk
    # Again, as building steward: the same person, a second duty.
    other = services.duty_assign_to_resident(actor=scope_of(world, "leader_A1"), resident=resident,
                                             role=Role.BUILDING_STEWARD, grid=micro)
    assert other.person_id == duty.person_id
    assert Person.objects.filter(resident=resident).count() == 1


def test_a_refused_duty_leaves_no_person_behind(world):
    resident = add_resident_without_person(world)
    now = timezone.now()
    before = persons_snapshot()
    with pytest.raises(InvalidInput) as info:
        services.duty_assign_to_resident(actor=scope_of(world, "leader_A1"), resident=resident, role="emperor",
                                         grid=world.grid("A1em1"))
    assert info.value.errors[0].field == "role"
    with pytest.raises(InvalidInput):
        services.duty_assign_to_resident(actor=scope_of(world, "leader_A1"), resident=resident,
                                         role=Role.MICRO_GRID_MEMBER, grid=world.grid("A1em1"), start=now,
                                         end=now - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.duty_assign_to_resident(actor=scope_of(world, "member_A1e"), resident=resident,
                                         role=Role.MICRO_GRID_MEMBER, grid=world.grid("A1em1"))
    with pytest.raises(NotFound):
        services.duty_assign_to_resident(actor=scope_of(world, "leader_A1"), resident=resident,
                                         role=Role.MICRO_GRID_MEMBER, grid=world.grid("B1em1"))
    assert persons_snapshot() == before


# -- the API ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_register_someone_follows_the_role(world, api, role):
    before = persons_snapshot()
    response = api(role).post("/api/v1/persons", {"name": "刘洋", "phone": "13900000001",
                                                  "grid_id": world.grid("A1em1").pk}, content_type=JSON)
    assert response.status_code == AT_A1EM1[role], response.content
    if AT_A1EM1[role] == 201:
        body = response.json()
        assert body["name"] == "刘洋" and body["phone"] == "139****0001"
        assert (body["is_resident"], body["has_login"], body["subdistrict_id"]) == (False, False, world.grid("sub").pk)
        # The new person can be read back, and given a duty, by whoever registered them.
        assert api(role).get(f"/api/v1/persons/{body['id']}").status_code == 200
        duty = api(role).post("/api/v1/duties", {"person_id": body["id"], "role": "property_staff",
                                                 "grid_id": world.grid("A1em1").pk}, content_type=JSON)
        assert duty.status_code == 201, duty.content
    else:
        assert persons_snapshot() == before


@pytest.mark.parametrize(("body", "field"), [
    ({"phone": "13900000001", "grid_id": "A1em1"}, "name"),
    ({"name": "", "grid_id": "A1em1"}, "name"),
    ({"name": "   ", "grid_id": "A1em1"}, "name"),
    ({"name": "刘" * 51, "grid_id": "A1em1"}, "name"),
    ({"name": "刘洋", "phone": "12345", "grid_id": "A1em1"}, "phone"),
    ({"name": "刘洋"}, "grid_id"),
    ({"name": "刘洋", "grid_id": 0}, "grid_id"),
    ({"name": "刘洋", "grid_id": 2**63}, "grid_id"),
    ({"name": "刘\x00洋", "grid_id": "A1em1"}, "name"),
])
def test_api_register_someone_with_bad_input_is_422_naming_the_field(world, api, body, field):
    body = {k: world.grid(v).pk if k == "grid_id" and isinstance(v, str) else v for k, v in body.items()}
    before = persons_snapshot()
    response = api("leader_A1").post("/api/v1/persons", body, content_type=JSON)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert persons_snapshot() == before


def test_api_register_someone_outside_the_scope_is_404(world, api):
    before = persons_snapshot()
    for grid_id in (world.grid("B1em1").pk, 999_999):
        response = api("leader_A1").post("/api/v1/persons", {"name": "刘洋", "grid_id": grid_id}, content_type=JSON)
        assert response.status_code == 404
    assert persons_snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_api_person_from_resident_follows_the_role(world, api, role):
    resident = add_resident_without_person(world)
    before = persons_snapshot()
    client = api(role)
    response = client.post("/api/v1/persons/from-resident", {"resident_id": resident.pk}, content_type=JSON)
    want = AT_A1EM1[role]
    assert response.status_code == want, response.content
    if want != 201:
        assert persons_snapshot() == before
        return
    body = response.json()
    person = Person.objects.get(resident=resident)
    assert body == {"id": person.pk, "name": "王秀英", "phone": "139****0903", "is_resident": True,
                    "has_login": False, "subdistrict_id": world.grid("sub").pk}
    # Asking again is harmless: the same person, 200.
    again = client.post("/api/v1/persons/from-resident", {"resident_id": resident.pk}, content_type=JSON)
    assert again.status_code == 200 and again.json() == body
    assert Person.objects.filter(resident=resident).count() == 1


def test_api_person_from_resident_outside_the_scope_or_bad_is_refused(world, api):
    far = add_resident_without_person(world, micro="B1em1")
    client = api("leader_A1")
    before = persons_snapshot()
    assert client.post("/api/v1/persons/from-resident", {"resident_id": far.pk}, content_type=JSON).status_code == 404
    assert client.post("/api/v1/persons/from-resident", {"resident_id": 999_999},
                       content_type=JSON).status_code == 404
    for body in ({}, {"resident_id": 0}, {"resident_id": "abc"}):
        response = client.post("/api/v1/persons/from-resident", body, content_type=JSON)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "resident_id"
    gone = add_resident_without_person(world, n=905)
    registry.resident_leave(resident=gone, reason="deceased")
    response = client.post("/api/v1/persons/from-resident", {"resident_id": gone.pk}, content_type=JSON)
    assert response.status_code == 409 and "离开" in response.json()["detail"]
    assert persons_snapshot() == before


# The person of the grid member of A1e: who may correct them, through the API.
PATCH_MEMBER_A1E = {"admin": 200, "leader_A1": 200, "member_A1e": 403, "micro_A1em1": 404, "liaison_A": 403,
                    "resident": 403, "nobody": 404}


@pytest.mark.parametrize("role", ROLES)
def test_api_correcting_a_person_follows_the_role(world, api, role):
    person = world.persons["member_A1e"]
    before = persons_snapshot()
    response = api(role).patch(f"/api/v1/persons/{person.pk}", {"phone": "13900000002"}, content_type=JSON)
    assert response.status_code == PATCH_MEMBER_A1E[role], response.content
    person.refresh_from_db()
    if response.status_code == 200:
        assert response.json()["phone"] == "139****0002" and response.json()["name"] == person.name
        assert person.phone == "13900000002"
    else:
        assert persons_snapshot() == before


def test_api_correcting_a_person_changes_only_what_is_sent(world, api):
    person = world.persons["liaison_A"]
    client = api("leader_A1")
    url = f"/api/v1/persons/{person.pk}"
    phone = person.phone
    assert client.patch(url, {"name": "王警官"}, content_type=JSON).json()["name"] == "王警官"
    person.refresh_from_db()
    assert (person.name, person.phone) == ("王警官", phone)
    assert client.patch(url, {}, content_type=JSON).status_code == 200
    assert client.patch(url, {"phone": ""}, content_type=JSON).json()["phone"] == ""
    person.refresh_from_db()
    assert (person.name, person.phone) == ("王警官", "")
    # Found by the new name's initials.
    assert client.get("/api/v1/persons?q=wjg").json()["count"] == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"name": ""}, "name"), ({"name": "  "}, "name"), ({"name": "王" * 51}, "name"), ({"phone": "12345"}, "phone"),
    ({"phone": "1" * 21}, "phone"), ({"name": "王\x00"}, "name"),
])
def test_api_correcting_with_bad_input_is_422_naming_the_field(world, api, body, field):
    person = world.persons["liaison_A"]
    before = persons_snapshot()
    response = api("leader_A1").patch(f"/api/v1/persons/{person.pk}", body, content_type=JSON)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert persons_snapshot() == before


def test_api_correcting_a_resident_or_someone_outside_is_refused(world, api):
    client = api("leader_A1")
    before = persons_snapshot()
    response = client.patch(f"/api/v1/persons/{world.persons['resident'].pk}", {"name": "改名"}, content_type=JSON)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "name"
    for pk in (world.persons["leader_B1"].pk, 999_999):
        assert client.patch(f"/api/v1/persons/{pk}", {"name": "改名"}, content_type=JSON).status_code == 404
    assert persons_snapshot() == before
    assert not Duty.objects.filter(person__name="改名").exists()
