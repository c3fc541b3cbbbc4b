"""/api/v1/notifications: each user sees and changes only their own; bad input answers 4xx naming the
field, never 500."""

import pytest

from wangge.notify import services
from wangge.notify.models import Notification

pytestmark = pytest.mark.django_db

USERS = ["admin", "leader_A1", "member_A1e", "micro_A1em1", "resident", "nobody"]


@pytest.fixture
def inboxes(world):
    """Two notifications for the leader, one for the resident, one for the micro-grid member."""
    sub = world.grid("sub").pk
    for keys, title in ((["leader_A1", "resident"], "第一条"), (["leader_A1", "micro_A1em1"], "第二条")):
        services.notify(recipients=[world.persons[k] for k in keys], event="matter.assigned", title=title,
                        link="/matters/1/", subdistrict_id=sub)
    return {key: {n.pk for n in Notification.objects.filter(recipient__user=world.users[key])} for key in USERS}


def test_each_user_lists_exactly_their_own(world, api, inboxes):
    for key in USERS:
        body = api(key).get("/api/v1/notifications?page_size=500").json()
        assert {item["id"] for item in body["items"]} == inboxes[key], key
        assert body["count"] == len(inboxes[key])
    first = api("leader_A1").get("/api/v1/notifications").json()["items"][0]
    assert (first["title"], first["event"], first["link"], first["read_at"]) == ("第二条", "matter.assigned",
                                                                                  "/matters/1/", None)


def test_marking_read_and_the_unread_filter(world, api, inboxes):
    client = api("leader_A1")
    one = min(inboxes["leader_A1"])
    response = client.post("/api/v1/notifications/read", {"ids": [one]}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"marked": 1, "unread": 1}
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert [i["id"] for i in unread["items"]] == [max(inboxes["leader_A1"])]
    read = client.get("/api/v1/notifications?unread=false").json()
    assert [i["id"] for i in read["items"]] == [one] and read["items"][0]["read_at"]
    response = client.post("/api/v1/notifications/read", {"all": True}, content_type="application/json")
    assert response.json() == {"marked": 1, "unread": 0}
    # The others' stay unread.
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_nobody_marks_another_users_notification(world, api, inboxes):
    theirs = next(iter(inboxes["resident"]))
    for key in ("leader_A1", "micro_A1em1", "admin", "nobody"):
        response = api(key).post("/api/v1/notifications/read", {"ids": [theirs]}, content_type="application/json")
        assert response.status_code == 404, key
        assert response.json()["errors"][0]["field"] == "ids"
    # Nothing half-done: one of mine with one of theirs marks neither.
    mine = min(inboxes["leader_A1"])
    response = api("leader_A1").post("/api/v1/notifications/read", {"ids": [mine, theirs]},
                                     content_type="application/json")
    assert response.status_code == 404
    assert not Notification.objects.filter(read_at__isnull=False).exists()


@pytest.mark.parametrize(("body", "field"), [
    ({}, "ids"),
    ({"ids": [1], "all": True}, "all"),
    ({"ids": []}, "ids"),
    ({"ids": ["x"]}, "ids.0"),
    ({"ids": [0]}, "ids.0"),
    ({"ids": [2**64]}, "ids.0"),
    ({"ids": 5}, "ids"),
    ({"all": "maybe"}, "all"),
])
def test_bad_read_requests_name_the_field(world, api, body, field):
    response = api("leader_A1").post("/api/v1/notifications/read", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("query", ["unread=perhaps", "page=0", "page_size=501"])
def test_bad_list_queries_answer_422(world, api, query):
    response = api("leader_A1").get(f"/api/v1/notifications?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_preferences_read_and_change(world, api):
    client = api("resident")
    assert client.get("/api/v1/notifications/preferences").json() == {
        "email": True, "sms": False, "digest": False, "has_email": False, "has_phone": True,
    }
    response = client.put("/api/v1/notifications/preferences", {"email": True, "sms": True, "digest": False},
                          content_type="application/json")
    assert response.status_code == 200 and response.json()["sms"] is True
    client.put("/api/v1/notifications/preferences", {"email": False, "sms": True, "digest": False},
               content_type="application/json")
    # No email address on the account: email and the digest cannot be turned on.
    response = client.put("/api/v1/notifications/preferences", {"email": True, "sms": True, "digest": True},
                          content_type="application/json")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["email", "digest"]
    assert client.get("/api/v1/notifications/preferences").json()["email"] is False


def test_preferences_bad_input_and_users_who_are_no_person(world, api):
    response = api("resident").put("/api/v1/notifications/preferences", {"email": True, "sms": "often"},
                                   content_type="application/json")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"sms", "digest"}
    for key in ("admin", "nobody"):
        assert api(key).get("/api/v1/notifications/preferences").status_code == 404
        response = api(key).put("/api/v1/notifications/preferences", {"email": False, "sms": False, "digest": False},
                                content_type="application/json")
        assert response.status_code == 404


def test_list_query_count_does_not_grow_with_rows(world, api, django_assert_max_num_queries):
    client = api("leader_A1")
    person = world.persons["leader_A1"]
    for n in range(30):
        services.notify(recipients=[person], event="matter.assigned", title=f"第{n}条", subdistrict_id=None)
    # token, user; count; page
    with django_assert_max_num_queries(5):
        assert len(client.get("/api/v1/notifications").json()["items"]) == 30
