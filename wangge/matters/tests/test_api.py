"""The closed loop through the API, as the people in it would use it."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from wangge.matters.models import Escalation, Event, Matter
from wangge.notify.models import Notification
from wangge.people import services as people
from wangge.people.models import Role

from .conftest import A1EM1, B1EM1, REPORT

pytestmark = pytest.mark.django_db


def step(api, key, matter_id, action, **extra):
    return api(key).post(
        f"/api/v1/matters/{matter_id}/transitions", {"action": action, **extra}, content_type="application/json"
    )


def test_categories_are_listed_with_sla_routing_and_attributes(api):
    body = api(None).get("/api/v1/matters/categories").json()
    codes = {c["code"]: c for c in body["items"]}
    assert body["count"] == len(body["items"]) >= 25
    lift = codes["property-lift"]
    assert lift["group"] == "物业服务" and lift["handler_role"] == "property_staff"
    assert lift["sla"]["resolve"] == {"amount": 24.0, "unit": "hours"}
    assert [a["code"] for a in lift["attributes"]] == ["trapped", "floor"]
    assert "property" not in codes  # groups take no reports


def test_resident_reports_and_the_micro_grid_member_gets_it(world, report):
    response = report()
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "reported"
    assert body["grid"]["code"] == world.grid("A1em1").code
    assert body["assignee"]["id"] == world.persons["micro_A1em1"].pk
    assert body["deadline"] is not None and body["stage"] == "accept"
    inbox = Notification.objects.filter(recipient=world.persons["micro_A1em1"], event="matter.assigned")
    assert inbox.count() == 1


def test_a_unit_instead_of_a_point_locates_to_its_micro_grid(world, report):
    unit = world.households["A1em2"][0].unit
    body = report("member_A1e", lon=None, lat=None, unit=unit.pk, source="patrol").json()
    assert body["grid"]["code"] == world.grid("A1em2").code
    assert body["assignee"]["id"] == world.persons["micro_A1em2"].pk
    assert body["address"] == "1号楼2单元"


def test_gcj02_and_bd09_points_are_converted(world, report):
    from wangge.core import geo

    lon, lat = geo.wgs84_to_gcj02(A1EM1["lon"], A1EM1["lat"])
    assert report(lon=lon, lat=lat, crs="gcj02").json()["grid"]["code"] == world.grid("A1em1").code
    blon, blat = geo.gcj02_to_bd09(lon, lat)
    assert report(lon=blon, lat=blat, crs="bd09").json()["grid"]["code"] == world.grid("A1em1").code


def test_routing_falls_back_to_the_grid_leader_and_finds_a_joint_unit(world, report):
    # Nobody from the property company holds a duty in the test world: the lift goes to the grid leader.
    body = report(category="property-lift", attributes={"trapped": "no"}).json()
    assert body["assignee"]["id"] == world.persons["leader_A1"].pk
    # A police station's liaison in community A takes public-order matters.
    officer = people.person_create(name="派出所民警", grid=world.grid("A"))
    people.duty_assign(person=officer, role=Role.JOINT_UNIT_LIAISON, grid=world.grid("A"),
                       organisation=world.organisations["police"])
    assert report(category="order-security").json()["assignee"]["id"] == officer.pk


def test_the_whole_loop_from_report_to_rating(world, api, report):
    matter_id = report().json()["id"]
    micro, member = "micro_A1em1", "member_A1e"
    for key, action in [(micro, "accept"), (micro, "dispatch"), (micro, "start"), (micro, "resolve"),
                        (member, "verify"), (member, "close")]:
        response = step(api, key, matter_id, action, note="已清运" if action == "resolve" else "")
        assert response.status_code == 200, (action, response.content)
    response = api("resident").post(f"/api/v1/matters/{matter_id}/rating", {"rating": "satisfied"},
                                    content_type="application/json")
    assert response.status_code == 200
    detail = response.json()
    assert detail["state"] == "evaluated" and detail["rating"] == "satisfied"
    transitions = [(e["from_state"], e["to_state"]) for e in detail["events"] if e["to_state"]]
    assert transitions == [
        ("", "reported"), ("reported", "accepted"), ("accepted", "dispatched"), ("dispatched", "in_progress"),
        ("in_progress", "resolved"), ("resolved", "verified"), ("verified", "closed"), ("closed", "evaluated"),
    ]
    # The resident is told at each step that matters to them.
    told = set(Notification.objects.filter(recipient=world.persons["resident"]).values_list("event", flat=True))
    assert {"matter.accept", "matter.resolve", "matter.close"} <= told


def test_an_illegal_step_is_refused_with_what_is_possible(report, api):
    matter_id = report().json()["id"]
    response = step(api, "micro_A1em1", matter_id, "resolve")
    assert response.status_code == 409
    assert "accept" in response.json()["detail"]
    assert Matter.objects.get(pk=matter_id).state == "reported"
    bad = step(api, "micro_A1em1", matter_id, "fly")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "action"


def test_who_may_take_which_step(world, report, api):
    matter_id = report().json()["id"]
    assert step(api, "resident", matter_id, "accept").status_code == 403
    assert step(api, "leader_B1", matter_id, "accept").status_code == 404
    assert api("leader_B1").get(f"/api/v1/matters/{matter_id}").status_code == 404
    assert step(api, "micro_A1em2", matter_id, "accept").status_code == 404  # the next micro-grid's member
    assert step(api, "member_A1e", matter_id, "reject").status_code == 422  # a note is required
    assert step(api, "member_A1e", matter_id, "reject", note="不属于本社区").status_code == 200


def test_the_reporter_sees_only_public_steps_and_can_withdraw(world, report, api):
    matter_id = report().json()["id"]
    detail = api("resident").get(f"/api/v1/matters/{matter_id}").json()
    assert [e["action"] for e in detail["events"]] == ["report"]  # the internal "assign" is hidden
    assert detail["actions"] == ["withdraw"]
    assert step(api, "resident", matter_id, "withdraw").json()["state"] == "withdrawn"


def test_idempotency_key_never_creates_a_second_matter(report):
    key = {"HTTP_IDEMPOTENCY_KEY": "3f1c9a2e-7b44-4c55-9a3e-0d2b1c4e5f60"}
    first = report(headers=key)
    again = report(headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Matter.objects.count() == 1
    other = report(headers=key, description="另一件事")
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    bad = report(headers={"HTTP_IDEMPOTENCY_KEY": "有 空格"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Matter.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "no-such"}, "category"),
        ({"category": "property"}, "category"),
        ({"description": ""}, "description"),
        ({"description": "长" * 2001}, "description"),
        ({"lon": 100.0, "lat": 30.0}, "lon"),
        ({"lon": 500}, "lon"),
        ({"lat": None}, "lat"),
        ({"crs": "utm"}, "crs"),
        ({"lon": None, "lat": None}, "location"),
        ({"category": "property-lift"}, "attributes.trapped"),
        ({"category": "property-lift", "attributes": {"trapped": "maybe"}}, "attributes.trapped"),
        ({"category": "property-lift", "attributes": {"trapped": "no", "floor": "高"}}, "attributes.floor"),
        ({"attributes": {"colour": "red"}}, "attributes.colour"),
        ({"category": "order-fire-lane"}, "photos"),
        ({"photos": ["not base64!"]}, "photos.0"),
        ({"photos": ["aGVsbG8="]}, "photos"),
        ({"unit": 999999}, "unit"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(report, fields, field):
    response = report(**fields)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Matter.objects.count() == 0 and Event.objects.count() == 0


def test_a_resident_cannot_report_from_a_unit_of_another_estate(world, report):
    unit = world.households["B1em1"][0].unit
    assert report(lon=None, lat=None, unit=unit.pk).status_code == 422
    assert report(**B1EM1).status_code == 201  # a point anywhere in the city is fine


def test_staff_channels_need_the_grid(report):
    assert report("member_A1e", source="hotline", reporter_name="王女士", reporter_phone="13912345678").status_code == 201
    assert report("member_B1e", source="hotline").status_code == 403
    assert report("resident", source="patrol").status_code == 403


def test_list_filters_and_cursor_paging(world, report, api):
    ids = [report(description=f"第{i}件垃圾问题").json()["id"] for i in range(7)]
    report(**B1EM1)
    client = api("leader_A1")
    body = client.get("/api/v1/matters", {"page_size": 3}).json()
    assert body["count"] == 7 and len(body["items"]) == 3
    seen, cursor = [], None
    while True:
        params = {"page_size": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/matters", params).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    assert client.get("/api/v1/matters", {"cursor": "garbage"}).json()["errors"][0]["field"] == "cursor"
    assert client.get("/api/v1/matters", {"state": "closed"}).json()["count"] == 0
    assert client.get("/api/v1/matters", {"category": "environment"}).json()["count"] == 7
    assert client.get("/api/v1/matters", {"within": world.grid("A1em2").pk}).json()["count"] == 0
    assert client.get("/api/v1/matters", {"within": world.grid("B").pk}).status_code == 404
    assert client.get("/api/v1/matters", {"source": "api"}).json()["count"] == 7
    assert client.get("/api/v1/matters", {"q": "第3件"}).json()["count"] == 1
    assert api("resident").get("/api/v1/matters", {"mine": True}).json()["count"] == 8


def test_unsatisfied_rating_reopens_once_for_the_grid_leader(world, report, api):
    matter_id = report().json()["id"]

    def close():
        for key, action in [("member_A1e", a) for a in ("dispatch", "start", "resolve", "verify", "close")]:
            if action == "dispatch" and Matter.objects.get(pk=matter_id).state == "reported":
                step(api, key, matter_id, "accept")
            assert step(api, key, matter_id, action).status_code == 200, action

    close()
    rate = api("resident").post(f"/api/v1/matters/{matter_id}/rating", {"rating": "unsatisfied"},
                                content_type="application/json")
    assert rate.status_code == 422  # a reason is required when unsatisfied
    rate = api("resident").post(f"/api/v1/matters/{matter_id}/rating",
                                {"rating": "unsatisfied", "comment": "门口还是很脏"}, content_type="application/json")
    assert rate.json()["state"] == "rework"
    assert rate.json()["assignee"]["id"] == world.persons["leader_A1"].pk
    for action in ("start", "resolve", "verify", "close"):
        assert step(api, "leader_A1", matter_id, action).status_code == 200
    final = api("resident").post(f"/api/v1/matters/{matter_id}/rating",
                                 {"rating": "unsatisfied", "comment": "仍不满意"}, content_type="application/json")
    assert final.json()["state"] == "evaluated"


def test_on_hold_stops_the_clock(world, report, api):
    matter_id = report().json()["id"]
    step(api, "member_A1e", matter_id, "accept")
    matter = Matter.objects.get(pk=matter_id)
    matter.deadline = timezone.now() + dt.timedelta(days=5)  # working time left, even at a weekend
    matter.save()
    assert step(api, "member_A1e", matter_id, "hold", note="等待业主回家").status_code == 200
    held = Matter.objects.get(pk=matter_id)
    assert held.state == "on_hold" and held.deadline is None and held.held_remaining_s > 0
    assert step(api, "member_A1e", matter_id, "resume").json()["state"] == "accepted"
    assert Matter.objects.get(pk=matter_id).deadline is not None


def test_reassign_keeps_the_reason_and_tells_the_new_assignee(world, report, api):
    matter_id = report().json()["id"]
    client = api("member_A1e")
    new = world.persons["micro_A1em2"].pk
    assert client.post(f"/api/v1/matters/{matter_id}/reassign", {"assignee": new, "reason": ""},
                       content_type="application/json").status_code == 422
    response = client.post(f"/api/v1/matters/{matter_id}/reassign", {"assignee": new, "reason": "隔壁单元更熟"},
                           content_type="application/json")
    assert response.json()["assignee"]["id"] == new
    event = Event.objects.get(matter_id=matter_id, action="reassign")
    assert event.note == "隔壁单元更熟" and event.data["from"] == world.persons["micro_A1em1"].pk
    assert Notification.objects.filter(recipient_id=new, event="matter.assigned").exists()
    outside = world.persons["micro_B1em1"].pk
    assert client.post(f"/api/v1/matters/{matter_id}/reassign", {"assignee": outside, "reason": "x"},
                       content_type="application/json").status_code == 422
    assert api("micro_A1em1").post(f"/api/v1/matters/{matter_id}/reassign", {"assignee": new, "reason": "x"},
                                   content_type="application/json").status_code == 403


def test_supervision_by_a_leader_notifies_the_assignee(world, report, api):
    matter_id = report().json()["id"]
    assert api("member_A1e").post(f"/api/v1/matters/{matter_id}/supervise", {"note": "尽快"},
                                  content_type="application/json").status_code == 403
    body = api("leader_A1").post(f"/api/v1/matters/{matter_id}/supervise", {"note": "今天下班前办结"},
                                 content_type="application/json").json()
    assert body["supervised"] is True
    assert Notification.objects.filter(recipient=world.persons["micro_A1em1"], event="matter.supervised").exists()


def test_merging_keeps_both_reporters_informed(world, report, api):
    first = report().json()["id"]
    second = report("member_A1e", source="patrol", description="垃圾桶满了").json()["id"]
    dup = api("member_A1e").get(f"/api/v1/matters/{first}").json()["duplicates"]
    assert [d["id"] for d in dup] == [second]
    response = api("member_A1e").post(f"/api/v1/matters/{second}/merge", {"into": first},
                                      content_type="application/json")
    assert response.json()["state"] == "merged" and response.json()["merged_into"] == first
    for key in ("member_A1e",):
        step(api, key, first, "accept")
    told = Notification.objects.filter(event="matter.accept").values_list("recipient_id", flat=True)
    assert set(told) == {world.persons["resident"].pk, world.persons["member_A1e"].pk}
    assert api("member_A1e").post(f"/api/v1/matters/{first}/merge", {"into": first},
                                  content_type="application/json").status_code == 422


def test_nearby_offers_duplicates_before_submitting(world, report, api):
    first = report().json()["id"]
    near = api("resident").get("/api/v1/matters/nearby", {"category": "env-garbage", "lon": 112.1251,
                                                          "lat": 37.1501}).json()
    assert [m["id"] for m in near["items"]] == [first] and near["items"][0]["distance_m"] < 50
    far = api("resident").get("/api/v1/matters/nearby", {"category": "env-garbage", "lon": 112.13, "lat": 37.16})
    assert far.json()["count"] == 0


def test_comments_and_photos(world, report, api, tiny_jpeg):
    matter_id = report().json()["id"]
    response = api("resident").post(f"/api/v1/matters/{matter_id}/comments", {"body": "<b>还没人来</b>"},
                                    content_type="application/json")
    assert response.status_code == 201
    assert api("resident").post(f"/api/v1/matters/{matter_id}/comments", {"body": "x", "internal": True},
                                content_type="application/json").status_code == 403
    api("member_A1e").post(f"/api/v1/matters/{matter_id}/comments", {"body": "内部：物业已通知", "internal": True},
                           content_type="application/json")
    assert [c["body"] for c in api("resident").get(f"/api/v1/matters/{matter_id}/comments").json()["items"]] == [
        "<b>还没人来</b>"
    ]
    assert api("member_A1e").get(f"/api/v1/matters/{matter_id}/comments").json()["count"] == 2
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.gif", tiny_jpeg, content_type="image/gif")
    response = api("micro_A1em1").post(f"/api/v1/matters/{matter_id}/attachments", {"file": upload, "kind": "before"})
    assert response.status_code == 201 and response.json()["kind"] == "before"
    bad = SimpleUploadedFile("x.jpg", b"GIF89a not really", content_type="image/jpeg")
    response = api("micro_A1em1").post(f"/api/v1/matters/{matter_id}/attachments", {"file": bad})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"


def test_report_with_a_photo_strips_its_location(world, report, tiny_jpeg):
    import base64

    body = report(category="order-fire-lane", photos=[base64.b64encode(tiny_jpeg).decode()]).json()
    matter = Matter.objects.get(pk=body["id"])
    photo = matter.photos.get()
    assert photo.kind == "report" and photo.content_type == "image/jpeg"
    from PIL import Image

    with Image.open(photo.file.path) as image:
        assert not image.getexif()


def test_the_queue_is_ordered_by_deadline(world, report, api):
    ids = [report().json()["id"] for _ in range(3)]
    Matter.objects.filter(pk=ids[2]).update(deadline=timezone.now() - dt.timedelta(hours=1))
    queue = api("micro_A1em1").get("/api/v1/matters/queue").json()["items"]
    assert queue[0]["id"] == ids[2] and queue[0]["light"] == "red" and queue[0]["overdue"]


def test_sweep_escalates_each_breach_once_up_the_ladder(world, report):
    from wangge.matters.services import sweep

    matter_id = report().json()["id"]
    ladder = []
    for _ in range(4):
        Matter.objects.filter(pk=matter_id).update(deadline=timezone.now() - dt.timedelta(minutes=1))
        assert sweep() == 1
        assert sweep() == 0  # nothing new has breached
        ladder.append(Matter.objects.get(pk=matter_id).assignee_id)
    p = world.persons
    assert ladder[:3] == [p["member_A1e"].pk, p["leader_A1"].pk, p["committee_A"].pk]
    matter = Matter.objects.get(pk=matter_id)
    assert matter.breached and matter.escalation_level == 4
    assert Escalation.objects.filter(matter_id=matter_id).count() == 4
    assert Notification.objects.filter(event="matter.escalated", recipient=p["leader_A1"]).exists()


def test_the_periodic_job_escalates_like_the_command(world, report):
    from django.core.management import call_command

    from wangge.matters.tasks import matters_sweep

    first, second = report().json()["id"], report().json()["id"]
    Matter.objects.update(deadline=timezone.now() - dt.timedelta(minutes=1))
    matters_sweep.call_local()
    assert set(Escalation.objects.values_list("matter_id", flat=True)) == {first, second}
    Matter.objects.filter(pk=first).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert "已升级 1 件" in out.getvalue()
    assert Escalation.objects.filter(matter_id=first).count() == 2


def test_the_reporters_phone_is_masked_and_each_unmask_is_logged(world, report, api):
    from wangge.people.models import PiiAccessLog

    matter_id = report("member_A1e", source="hotline", reporter_name="王女士", reporter_phone="13912345678").json()["id"]
    assert api("micro_A1em1").get(f"/api/v1/matters/{matter_id}").json()["reporter_phone"] == "139****5678"
    path = f"/api/v1/matters/{matter_id}/reporter/unmask"
    # The assignee may, to call back; a grid member may unmask over the grid; the resident may not see it.
    assert api("micro_A1em1").post(path, {"reason": ""}, content_type="application/json").status_code == 422
    response = api("micro_A1em1").post(path, {"reason": "回访来电人"}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"phone": "13912345678"}
    assert api("member_A1e").post(path, {"reason": "核实"}, content_type="application/json").status_code == 200
    assert api("micro_A1em2").post(path, {"reason": "核实"}, content_type="application/json").status_code == 404
    assert api("liaison_A").post(path, {"reason": "核实"}, content_type="application/json").status_code == 403
    logs = PiiAccessLog.objects.filter(purpose="matter").order_by("id")
    assert [(log.actor.username, log.subject_name, log.reason) for log in logs] == [
        ("micro_a1em1", "王女士", f"#{matter_id} 回访来电人"), ("member_a1e", "王女士", f"#{matter_id} 核实"),
    ]


def test_a_report_costs_the_same_few_queries_whatever_the_city(world, api, monkeypatch, django_assert_num_queries):
    from wangge.registry import locate

    monkeypatch.setattr(locate, "SMALL", 0)  # as in a city: the grid index is compared every few seconds
    resident = api("resident")
    body = {**REPORT, **A1EM1}
    # The first report: this process now holds the categories and the grid index.
    assert resident.post("/api/v1/matters", body, content_type="application/json").status_code == 201
    # The token; the resident's person, duties and household (their scope); the micro-grid, the duties up its
    # chain; the matter, its rollup delta, its two events in one statement; the assignee's inbox entry with
    # their choices; the subdistrict's webhooks (none); the savepoint and its release around it all.
    with django_assert_num_queries(14):
        assert resident.post("/api/v1/matters", body, content_type="application/json").status_code == 201


def test_categories_for_reports_follow_changes_here_at_once_and_from_elsewhere_within_the_minute(
    world, report, monkeypatch
):
    from wangge.core import kept
    from wangge.matters import selectors
    from wangge.matters.models import Category, CategoryAttribute

    assert report().status_code == 201
    category = Category.objects.get(code="env-garbage")
    # An extra question added here is asked at once.
    CategoryAttribute.objects.create(category=category, code="bins", description="几个垃圾桶", datatype="number",
                                     required=True)
    answer = report()
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "attributes.bins"
    assert report(attributes={"bins": 3}).status_code == 201
    # Switched off in another process: still taken for the minute this process keeps its copy, then refused.
    Category.objects.filter(pk=category.pk).update(active=False)
    assert report(attributes={"bins": 3}).status_code == 201
    later = kept.time.monotonic() + selectors.kept_categories.ttl_s + 1
    monkeypatch.setattr(kept.time, "monotonic", lambda: later)
    answer = report(attributes={"bins": 3})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "category"
    # Added in another process: taken at once (a code this process does not know is read again).
    Category.objects.bulk_create([Category(
        code="env-new", name="他处新增", parent=category.parent, handler_role=category.handler_role,
        handler_level=category.handler_level,
    )])
    assert report(category="env-new").status_code == 201
