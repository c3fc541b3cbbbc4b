"""Every API endpoint × every role: nothing outside the scope is returned or changed.

The expected visibility is worked out here from the test world's layout (which grid each object hangs
from, where each user serves), not from the selectors under test. An endpoint missing from ENDPOINTS
fails the test, so a new endpoint cannot skip the matrix.
"""

from __future__ import annotations

import re

import pytest

from wangge.config.api import api as ninja_api
from wangge.people.models import Duty, Organisation, Person, PiiAccessLog
from wangge.registry.models import Building, GridNode, Household, Resident, Unit

pytestmark = pytest.mark.django_db

# Where each user's duties put them (grid keys of the test world); None = everything.
ROOTS = {
    "admin": None,
    "leader_A1": ["A"],  # two-committee member of community A (and grid leader of A1)
    "leader_B1": ["B1"],
    "member_A1e": ["A1e"],
    "micro_A1em1": ["A1em1"],
    "liaison_A": ["A"],
    "resident": [],
    "nobody": [],
}

# operation id → (kind, model) for reads; writes are walked separately below.
LISTS = {
    "grid_list": GridNode, "building_list": Building, "unit_list": Unit, "household_list": Household,
    "resident_list": Resident, "person_list": Person, "organisation_list": Organisation, "duty_list": Duty,
}
DETAILS = {
    "grid_get": ("/grids/{}", GridNode), "grid_children": ("/grids/{}/children", GridNode),
    "building_get": ("/buildings/{}", Building), "unit_get": ("/units/{}", Unit),
    "household_get": ("/households/{}", Household), "resident_get": ("/residents/{}", Resident),
    "person_get": ("/persons/{}", Person), "organisation_get": ("/organisations/{}", Organisation),
    "duty_get": ("/duties/{}", Duty),
}
OTHERS = {
    "auth_token", "grid_geojson", "grid_locate", "coverage_report", "me", "pii_access_log",
    "grid_set_boundary", "resident_unmask", "duty_assign", "duty_end",
    "household_import", "import_job_list", "import_job_get", "household_export",
    "household_create", "household_update", "resident_create", "resident_update", "resident_move",
    "resident_leave", "person_create", "person_from_resident", "person_update",
    # One's own notifications only (notify/tests/test_api.py walks every user against everyone else's).
    "notification_list", "notification_read", "notification_preferences", "notification_preferences_update",
    # Matters: matters/tests/test_matrix.py walks every user against matters all over the world.
    "category_list", "matter_nearby", "matter_create", "matter_list", "matter_queue", "matter_get",
    "matter_transition", "matter_reassign", "matter_supervise", "matter_merge", "matter_rate",
    "matter_comment_list", "matter_comment_add", "matter_attachment_list", "matter_attachment_add",
    "matter_reporter_unmask",
    # Field work: each app's tests walk its endpoints with users inside and outside the scope, with and without
    # the capability (wangge/fieldwork/<app>/tests/test_api.py, cameras/tests/test_cameras.py,
    # incidents/tests/test_incidents.py).
    "visit_plan_list", "visit_plan_create", "visit_plan_get", "visit_plan_update", "visit_list", "visit_create",
    "visit_due", "visit_coverage", "visit_get",
    "dispute_list", "dispute_create", "dispute_get", "dispute_party_add", "dispute_mediators_set",
    "dispute_session_add", "dispute_conclude", "dispute_agreement_pdf", "dispute_signed_copy",
    "dispute_signed_copy_get", "dispute_follow_up", "dispute_party_unmask",
    "duty_post_list", "duty_post_create", "duty_post_get", "duty_post_update", "duty_post_templates",
    "duty_post_coverage", "duty_roster_build", "duty_shift_list", "duty_shift_create", "duty_shift_get",
    "duty_shift_cancel", "duty_shift_checkin", "duty_shift_checkout", "duty_swap_list", "duty_swap_create",
    "duty_swap_decide",
    "visitor_gate_get", "visitor_register", "visitor_list", "visitor_rules_get", "visitor_rules_set", "visitor_get",
    "visitor_check", "visitor_confirm", "visitor_unmask",
    "camera_coverage", "camera_timeline", "camera_list", "camera_create", "camera_get", "camera_update",
    "incident_list", "incident_create", "incident_get", "incident_footage_request", "incident_footage_record",
    "incident_handover", "incident_conclude",
    "emergency_list", "emergency_declare", "emergency_get", "emergency_households", "emergency_household_status",
    "emergency_clear",
    # The deliberation hall and community life: each app's tests walk its endpoints the same way
    # (wangge/hall/<app>/tests, wangge/community/<app>/tests).
    "hall_create", "hall_get", "hall_item_create", "hall_item_get", "hall_item_list", "hall_item_update", "hall_list",
    "hall_session_get", "hall_session_list", "hall_session_update", "hall_suggestion_accept", "hall_suggestions",
    "hall_update",
    "meeting_invitation_list", "meeting_invite", "meeting_invite_usual", "meeting_rsvp_get", "meeting_rsvp",
    "meeting_rsvp_checkin", "meeting_checkin", "meeting_attendance", "meeting_attendance_add", "meeting_quorum",
    "meeting_rules_get", "meeting_rules_update", "meeting_minutes_list", "meeting_minutes_update",
    "meeting_minutes_pdf", "meeting_motion_list", "meeting_motion_create", "meeting_motion_open",
    "meeting_motion_close", "meeting_hands_record", "meeting_vote", "meeting_resolution_create",
    "meeting_resolution_list", "meeting_mark_held", "meeting_publish",
    "consultation_list", "consultation_create", "consultation_get", "consultation_update", "consultation_document_add",
    "consultation_document", "consultation_document_remove", "consultation_open", "consultation_close",
    "consultation_respond", "consultation_results",
    "activity_list", "activity_create", "activity_stats", "activity_get", "activity_update", "activity_signup",
    "activity_signups", "activity_signup_cancel", "activity_checkin",
    "venue_list", "venue_create", "venue_get", "venue_update", "booking_list", "booking_create", "booking_get",
    "booking_decide", "booking_cancel",
    "election_list", "election_create", "election_get", "election_update", "election_publish",
    "election_nominations", "election_nominate", "election_candidate_approve", "election_vote", "election_results",
    "election_audit",
    "notice_list", "notice_create", "notice_get", "notice_update", "notice_publish", "notice_withdraw",
    "notice_receipts",
    # Insights: wangge/insights/<app>/tests walk their endpoints the same way.
    "dashboard_get", "evaluation_get", "evaluation_matters", "transparency_get", "report_list", "report_create",
    "report_subscription_set", "report_get", "report_retry", "report_xlsx", "report_pdf",
}
# Public without a login: the categories (as Open311's service list is), a gate's visitor form (the visitor
# scans the gate's QR code; the token in it is the gate), and a meeting invitation's RSVP.
PUBLIC = {"auth_token", "category_list", "visitor_gate_get", "visitor_register",
          # An invitation's RSVP link: the token in it is the invitation.
          "meeting_rsvp_get", "meeting_rsvp", "meeting_rsvp_checkin",
          # A community's transparency page: public figures, no personal data.
          "transparency_get"}
LIST_PATHS = {
    "grid_list": "/grids", "building_list": "/buildings", "unit_list": "/units", "household_list": "/households",
    "resident_list": "/residents", "person_list": "/persons", "organisation_list": "/organisations",
    "duty_list": "/duties?status=all",
}


def _operation_ids() -> set[str]:
    schema = ninja_api.get_openapi_schema()
    return {op["operationId"] for ops in schema["paths"].values() for op in ops.values()}


# -- the oracle: which grid nodes an object hangs from ---------------------------------------------------


def _nodes(obj) -> list[GridNode]:
    if isinstance(obj, GridNode):
        return [obj]
    if isinstance(obj, Building):
        return [obj.estate_grid, *[u.micro_grid for u in obj.units.all() if u.micro_grid]]
    if isinstance(obj, Unit):
        return [n for n in (obj.micro_grid, obj.building.estate_grid) if n]
    if isinstance(obj, Household):
        return _nodes(obj.unit)
    if isinstance(obj, Resident):
        return _nodes(obj.household.unit)
    if isinstance(obj, Duty):
        return [obj.grid]
    if isinstance(obj, Person):
        nodes = [d.grid for d in obj.duties.all()]
        nodes += [m.organisation.grid for m in obj.memberships.all()]
        if obj.grid_id:
            nodes.append(obj.grid)
        if obj.resident_id:
            nodes += _nodes(obj.resident)
        return nodes
    if isinstance(obj, Organisation):
        return [obj.grid]
    raise TypeError(obj)


def _resident_home(world):
    resident = world.persons["resident"].resident
    micro = resident.household.unit.micro_grid
    chain = {int(p) for p in micro.path.strip("/").split("/") if p}
    return resident, chain


def visible(world, user_key: str, obj) -> bool:
    roots = ROOTS[user_key]
    if roots is None:
        return True
    root_nodes = [world.grid(k) for k in roots]
    if any(n.path.startswith(r.path) for n in _nodes(obj) for r in root_nodes):
        return True
    if isinstance(obj, Organisation):  # organisations of the nodes above one's own are known to them
        return any(r.path.startswith(obj.grid.path) for r in root_nodes) or (
            user_key == "resident" and obj.grid_id in _resident_home(world)[1]
        )
    person = world.persons.get(user_key)
    if isinstance(obj, Person) and person is not None and obj.pk == person.pk:
        return True
    if isinstance(obj, Duty) and person is not None and obj.person_id == person.pk:
        return True
    if user_key != "resident":
        return False
    resident, chain = _resident_home(world)
    household = resident.household
    if isinstance(obj, GridNode):
        return obj.pk in chain
    if isinstance(obj, Household):
        return obj.pk == household.pk
    if isinstance(obj, Resident):
        return obj.household_id == household.pk
    if isinstance(obj, Unit):
        return obj.pk == household.unit_id
    if isinstance(obj, Building):
        return obj.pk == household.unit.building_id
    if isinstance(obj, Duty):
        return obj.grid_id in chain and obj.is_current
    if isinstance(obj, Person):
        return obj.resident_id is not None and obj.resident.household_id == household.pk or any(
            d.grid_id in chain and d.is_current for d in obj.duties.all()
        )
    return False


@pytest.fixture
def clients(world, api):
    return {key: api(key) for key in ROOTS}


def test_every_endpoint_is_in_the_matrix():
    assert _operation_ids() == set(LISTS) | set(DETAILS) | OTHERS


@pytest.mark.parametrize("user_key", list(ROOTS))
def test_lists_return_exactly_the_scope(world, clients, user_key):
    client = clients[user_key]
    for op, model in LISTS.items():
        path = LIST_PATHS[op]
        sep = "&" if "?" in path else "?"
        response = client.get(f"/api/v1{path}{sep}page_size=500")
        assert response.status_code == 200, (op, response.content)
        got = {item["id"] for item in response.json()["items"]}
        expected = {o.pk for o in model.objects.all() if visible(world, user_key, o)}
        assert got == expected, f"{user_key} {op}: extra {got - expected}, missing {expected - got}"


@pytest.mark.parametrize("user_key", list(ROOTS))
def test_details_answer_404_outside_the_scope(world, clients, user_key):
    client = clients[user_key]
    for op, (template, model) in DETAILS.items():
        for obj in model.objects.all():
            response = client.get("/api/v1" + template.format(obj.pk))
            want = 200 if visible(world, user_key, obj) else 404
            assert response.status_code == want, f"{user_key} {op} {obj!r}: {response.status_code}"
        missing = client.get("/api/v1" + template.format(999_999))
        assert missing.status_code == 404


@pytest.mark.parametrize("user_key", list(ROOTS))
def test_geojson_and_within_stay_inside_the_scope(world, clients, user_key):
    client = clients[user_key]
    features = client.get("/api/v1/grids.geojson").json()["features"]
    for feature in features:
        assert visible(world, user_key, GridNode.objects.get(pk=feature["id"]))
    for key in ("A", "B1", "A1em2"):
        grid = world.grid(key)
        response = client.get(f"/api/v1/households?within={grid.pk}")
        assert response.status_code == (200 if visible(world, user_key, grid) else 404), (user_key, key)


@pytest.mark.parametrize("user_key", [k for k in ROOTS if k != "admin"])
def test_writes_outside_the_scope_change_nothing(world, clients, user_key):
    client = clients[user_key]
    far_grid = world.grid("B1e") if user_key != "leader_B1" else world.grid("A1e")
    far_duty = world.duties["micro_B1em1"] if user_key != "leader_B1" else world.duties["micro_A1em1"]
    far_resident = world.residents["B1em1"][0] if user_key != "leader_B1" else world.residents["A1em1"][0]
    boundary_before = far_grid.boundary
    duties_before = Duty.objects.count()
    logs_before = PiiAccessLog.objects.count()

    response = client.put(f"/api/v1/grids/{far_grid.pk}/boundary", {"boundary": None}, content_type="application/json")
    assert response.status_code == 404
    response = client.post(f"/api/v1/duties/{far_duty.pk}/end", {}, content_type="application/json")
    assert response.status_code == 404
    response = client.post(f"/api/v1/residents/{far_resident.pk}/unmask", {"reason": "核实信息"},
                           content_type="application/json")
    assert response.status_code == 404
    person = world.persons["member_A1e"]
    response = client.post("/api/v1/duties", {"person_id": person.pk, "role": "grid_member", "grid_id": far_grid.pk},
                           content_type="application/json")
    assert response.status_code == 404

    far_household = far_resident.household
    far_person = far_duty.person
    occupancy_before, phone_before = far_household.occupancy, far_person.phone
    counts_before = (Household.objects.count(), Resident.objects.count(), Person.objects.count())
    near_household = world.households["A1em1"][0] if user_key != "leader_B1" else world.households["B1em1"][0]
    writes = [
        ("post", "/households", {"unit_id": far_household.unit_id, "floor": 3, "room": "399"}),
        ("patch", f"/households/{far_household.pk}", {"occupancy": "vacant"}),
        ("post", "/residents", {"household_id": far_household.pk, "name": "新人", "id_number": "140728198001010019",
                                "relation": "child"}),
        ("patch", f"/residents/{far_resident.pk}", {"phone": "13900000000"}),
        ("post", f"/residents/{far_resident.pk}/move", {"household_id": near_household.pk}),
        ("post", f"/residents/{far_resident.pk}/leave", {"reason": "moved_away"}),
        ("post", "/persons", {"name": "新人员", "phone": "13900000001", "grid_id": far_grid.pk}),
        ("post", "/persons/from-resident", {"resident_id": far_resident.pk}),
        ("patch", f"/persons/{far_person.pk}", {"phone": "13900000002"}),
    ]
    for method, path, body in writes:
        response = getattr(client, method)("/api/v1" + path, body, content_type="application/json")
        assert response.status_code == 404, (user_key, method, path, response.status_code, response.content[:200])
    assert (Household.objects.count(), Resident.objects.count(), Person.objects.count()) == counts_before
    far_resident.refresh_from_db()
    far_household.refresh_from_db()
    far_person.refresh_from_db()
    assert far_resident.left_at is None and far_resident.household_id == far_household.pk
    assert (far_household.occupancy, far_person.phone) == (occupancy_before, phone_before)

    far_grid.refresh_from_db()
    far_duty.refresh_from_db()
    assert far_grid.boundary == boundary_before
    assert far_duty.end is None
    assert Duty.objects.count() == duties_before
    assert PiiAccessLog.objects.count() == logs_before


@pytest.mark.parametrize(("user_key", "may"), [("leader_A1", True), ("member_A1e", False), ("micro_A1em1", False),
                                                ("liaison_A", False), ("resident", False)])
def test_writes_inside_the_scope_follow_the_role(world, clients, user_key, may):
    """Inside their scope, only roles that may manage people end duties; the others get 403."""
    duty = world.duties["micro_A1em1"]
    response = clients[user_key].post(f"/api/v1/duties/{duty.pk}/end", {}, content_type="application/json")
    duty.refresh_from_db()
    if may:
        assert response.status_code == 200 and duty.end is not None
    else:
        assert response.status_code in (403, 404) and duty.end is None
        if user_key in ("member_A1e", "micro_A1em1", "liaison_A"):
            assert response.status_code == 403


def test_anonymous_gets_401_everywhere_but_the_token_endpoint(db, client):
    schema = ninja_api.get_openapi_schema()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if op["operationId"] in PUBLIC:
                continue
            url = re.sub(r"\{[a-z_]+\}", "1", path)
            response = getattr(client, method)(url, content_type="application/json")
            assert response.status_code == 401, (method, path, response.status_code)


def _upload(client, grid_id: int):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    csv_text = "楼栋,单元,楼层,房号,姓名,身份证号,联系电话,与户主关系\n"
    data = io.BytesIO(csv_text.encode("utf-8"))
    upload = SimpleUploadedFile("households.csv", data.getvalue(), content_type="text/csv")
    return client.post("/api/v1/imports/households", {"file": upload, "grid_id": grid_id})


def test_import_jobs_are_seen_by_their_creator_and_admins_only(world, clients):
    created = _upload(clients["leader_A1"], world.grid("A1e").pk)
    assert created.status_code == 202, created.content
    job_id = created.json()["id"]
    for user_key, client in clients.items():
        mine = user_key in ("leader_A1", "admin")
        listed = {j["id"] for j in client.get("/api/v1/imports").json()["items"]}
        assert (job_id in listed) == mine, user_key
        assert client.get(f"/api/v1/imports/{job_id}").status_code == (200 if mine else 404), user_key


@pytest.mark.parametrize("user_key", list(ROOTS))
def test_imports_and_exports_outside_the_scope_answer_404(world, clients, user_key):
    client = clients[user_key]
    for key in ("A1e", "B1e"):
        grid = world.grid(key)
        export = client.get(f"/api/v1/households/export?within={grid.pk}")
        imported = _upload(client, grid.pk)
        if not visible(world, user_key, grid):
            assert export.status_code == 404, (user_key, key)
            assert imported.status_code == 404, (user_key, key)
        else:
            # A resident knows the grids above their home but may not export them.
            assert export.status_code == (403 if user_key == "resident" else 200), (user_key, key)
            assert imported.status_code in (202, 403), (user_key, key)
