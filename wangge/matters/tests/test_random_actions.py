"""Random sequences of actions by random people through the API: never a 500, never an illegal state,
and the event log always tells the matter's whole story."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wangge.matters import lifecycle
from wangge.matters.lifecycle import STAGE_OF
from wangge.matters.models import Escalation, Event, Matter, State
from wangge.matters.services import sweep

from .conftest import A1EM1

USERS = ["resident", "micro_A1em1", "member_A1e", "leader_A1", "committee_A", "leader_B1", "admin", "nobody"]
VERBS = [*lifecycle.TRANSITION_ACTIONS, "rate", "merge", "reassign", "supervise", "comment", "expire", "sweep",
         "bogus"]

steps = st.lists(
    st.tuples(
        st.sampled_from(USERS),
        st.sampled_from(VERBS),
        st.sampled_from(["", "处理说明", "<script>alert(1)</script>"]),
        st.sampled_from(["satisfied", "basic", "unsatisfied", "meh"]),
        st.integers(0, 1),
    ),
    min_size=1,
    max_size=25,
)


def check_invariants(matter: Matter) -> None:
    assert matter.state in State.values
    events = list(Event.objects.filter(matter=matter).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    moves = [e for e in events if e.to_state]
    assert moves[0].action == "report" and moves[0].to_state == State.REPORTED
    for before, after in zip(moves, moves[1:], strict=False):
        assert after.from_state == before.to_state, (before.action, after.action)
        if after.action not in ("rate", "resume"):
            assert after.from_state in lifecycle.ACTIONS[after.action].sources
    assert moves[-1].to_state == matter.state
    if matter.state in STAGE_OF:
        assert matter.deadline is not None and matter.stage == STAGE_OF[matter.state]
    elif matter.state != State.ON_HOLD:
        assert matter.deadline is None
    assert Escalation.objects.filter(matter=matter).count() == matter.escalation_level
    if matter.state == State.MERGED:
        assert matter.merged_into_id is not None


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(plan=steps)
def test_random_actions_never_break_the_loop(world, api, plan):
    clients = {key: api(key) for key in USERS}
    resident = clients["resident"]
    ids = [
        resident.post("/api/v1/matters", {"category": "env-garbage", "description": f"第{i}件", **A1EM1},
                      content_type="application/json").json()["id"]
        for i in range(2)
    ]
    other_person = world.persons["micro_A1em2"].pk
    for user, verb, note, rating, which in plan:
        matter_id = ids[which]
        client = clients[user]
        base = f"/api/v1/matters/{matter_id}"
        if verb == "expire":
            Matter.objects.filter(pk=matter_id, deadline__isnull=False).update(
                deadline=timezone.now() - dt.timedelta(minutes=1))
            continue
        if verb == "sweep":
            sweep()
            continue
        if verb == "rate":
            response = client.post(f"{base}/rating", {"rating": rating, "comment": note}, content_type="application/json")
        elif verb == "merge":
            response = client.post(f"{base}/merge", {"into": ids[1 - which]}, content_type="application/json")
        elif verb == "reassign":
            response = client.post(f"{base}/reassign", {"assignee": other_person, "reason": note},
                                   content_type="application/json")
        elif verb == "supervise":
            response = client.post(f"{base}/supervise", {"note": note}, content_type="application/json")
        elif verb == "comment":
            response = client.post(f"{base}/comments", {"body": note}, content_type="application/json")
        else:
            response = client.post(f"{base}/transitions", {"action": verb, "note": note},
                                   content_type="application/json")
        assert response.status_code < 500, response.content
        if response.status_code == 200 and verb != "comment":
            assert response.json()["id"] == matter_id
        for mid in ids:
            check_invariants(Matter.objects.get(pk=mid))
    for key in ("resident", "leader_A1", "leader_B1", "nobody"):
        for mid in ids:
            assert clients[key].get(f"/api/v1/matters/{mid}").status_code in (200, 404)
