"""Every matters endpoint × every user, against matters all over the test world. The expectation comes
from the world's layout (where each user serves, who reported what, who was assigned), not from the
selectors under test."""

import pytest

from wangge.matters import services
from wangge.matters.models import Comment, Event, Matter
from wangge.people import access
from wangge.people.tests.test_permission_matrix import ROOTS
from wangge.registry.models import LEVEL_ORDER

pytestmark = pytest.mark.django_db

POINTS = {"A1em1": (112.125, 37.15), "A1em2": (112.125, 37.25), "A2em1": (112.175, 37.15),
          "B1em1": (112.25, 37.15), "B1em2": (112.25, 37.25)}


@pytest.fixture
def matters(world):
    made = {}
    for key, (lon, lat) in POINTS.items():
        made[key] = services.matter_report(actor=None, report=services.Report(
            category="env-garbage", description=f"{key}的垃圾", lon=lon, lat=lat, source="api"))[0]
    made["mine"] = services.matter_report(actor=world.users["resident"], report=services.Report(
        category="care-elderly", description="对门老人几天没出门", lon=112.25, lat=37.15))[0]
    return made


def visible(world, user_key, matter: Matter) -> bool:
    roots = ROOTS[user_key]
    if roots is None:
        return True
    if any(matter.grid.path.startswith(world.grid(r).path) for r in roots):
        return True
    if user_key == "resident" and matter.reporter_user_id == world.users["resident"].pk:
        return True
    person = world.persons.get(user_key)
    return person is not None and matter.assignee_id == person.pk


@pytest.mark.parametrize("few", [True, False], ids=["nodes-one-by-one", "nodes-as-a-set"])
@pytest.mark.parametrize("user_key", list(ROOTS))
def test_lists_and_details_follow_the_scope(world, api, matters, user_key, few, monkeypatch):
    # A scope's nodes are compared one by one (`__any`, an array on PostgreSQL) when its subtrees are rooted
    # at a community or below, else as a set (`__in`): every scope here, both ways.
    monkeypatch.setattr(access, "FEW_NODES_LEVELS", frozenset(LEVEL_ORDER) if few else frozenset())
    client = api(user_key)
    got = {m["id"] for m in client.get("/api/v1/matters", {"page_size": 500}).json()["items"]}
    expected = {m.pk for m in Matter.objects.all() if visible(world, user_key, m)}
    assert got == expected
    for matter in Matter.objects.all():
        want = 200 if visible(world, user_key, matter) else 404
        for path in ("", "/comments", "/attachments"):
            assert client.get(f"/api/v1/matters/{matter.pk}{path}").status_code == want, (user_key, matter, path)
    assert client.get("/api/v1/matters/999999").status_code == 404


@pytest.mark.parametrize("user_key", [k for k in ROOTS if k != "admin"])
def test_writes_on_invisible_matters_answer_404_and_change_nothing(world, api, matters, user_key):
    client = api(user_key)
    target = matters["B1em2"] if user_key != "leader_B1" else matters["A1em1"]
    assert not visible(world, user_key, target)
    before = (Event.objects.count(), Comment.objects.count())
    writes = [
        ("transitions", {"action": "accept"}),
        ("transitions", {"action": "reject", "note": "x"}),
        ("reassign", {"assignee": world.persons["micro_A1em1"].pk, "reason": "x"}),
        ("supervise", {"note": "x"}),
        ("merge", {"into": matters["A1em2" if target == matters["A1em1"] else "A1em1"].pk}),
        ("rating", {"rating": "satisfied"}),
        ("comments", {"body": "x"}),
    ]
    for path, body in writes:
        response = client.post(f"/api/v1/matters/{target.pk}/{path}", body, content_type="application/json")
        assert response.status_code == 404, (user_key, path, response.status_code)
    assert (Event.objects.count(), Comment.objects.count()) == before
    target.refresh_from_db()
    assert target.state == "reported"


@pytest.mark.parametrize(
    ("user_key", "status"),
    [("leader_A1", 200), ("member_A1e", 200), ("micro_A1em1", 200), ("liaison_A", 403), ("resident", 404)],
)
def test_inside_the_scope_the_role_decides(world, api, matters, user_key, status):
    """Accepting is for the assignee (micro_A1em1) and dispatchers (grid leaders, grid members); a
    neighbour does not even see a matter someone else reported."""
    response = api(user_key).post(f"/api/v1/matters/{matters['A1em1'].pk}/transitions", {"action": "accept"},
                                  content_type="application/json")
    assert response.status_code == status
