"""B4: a worker's queue — the open matters in their scope ordered by deadline, first page (50) — on the
synthetic city at ten million matters, through `matters.selectors.matter_list` and `KeysFirst` as the
dispatch console and the API call them, for a micro-grid member, a grid leader and a community's two-committee member (the busiest
of each by open matters in scope). 50 reads each after two warm-ups; p95 over all of them."""

from __future__ import annotations

import json
import sys
import time

from . import synthcity
from .harness import Result

NUMBER = "B4"
WHAT = "a worker's queue (open matters in scope by deadline, first page) at 10M matters"
TARGET = "p95 ≤ 10 ms"
NEEDS = ()
RUNS = 50
P95_MS = 10


def child() -> None:
    # Set up as a web worker is: Django and every app loaded by the WSGI module, which then freezes what it
    # loaded out of the garbage collector's passes.
    import wangge.config.wsgi  # noqa: F401, I001
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from wangge.matters.lifecycle import OPEN_STATES
    from wangge.matters.models import Matter
    from wangge.matters.selectors import KeysFirst, matter_list
    from wangge.people.access import scope_for
    from wangge.people.models import Duty, Role

    User = get_user_model()

    def busiest(role: str):
        """Of 60 people holding the role now, the one with the most open matters in their duty's subtree."""
        duties = list(Duty.objects.current().filter(role=role).select_related("person", "grid")[:60])
        open_ = Matter.objects.filter(state__in=list(OPEN_STATES))
        return max(duties, key=lambda d: open_.filter(grid__path__startswith=d.grid.path).count()).person

    def account(person):
        """The person's login (the synthetic city's workers have none: one is made for the run, and rolled
        back with it) — the scope is the user's."""
        if person.user_id is None:
            person.user = User.objects.create_user(f"bench-{person.pk}")
            person.save(update_fields=["user"])
        return person.user

    out = {}
    with transaction.atomic():
        for label, role in (("micro-grid member", Role.MICRO_GRID_MEMBER), ("grid leader", Role.GRID_LEADER),
                            ("two-committee member", Role.TWO_COMMITTEE_MEMBER)):
            user = account(busiest(role))
            times = []
            for i in range(RUNS + 2):
                t = time.perf_counter()
                scope = scope_for(user)
                page = KeysFirst(matter_list(actor=scope, state=list(OPEN_STATES)).order_by("deadline", "id"))[:50]
                if i >= 2:
                    times.append((time.perf_counter() - t) * 1000)
            total = matter_list(actor=scope_for(user), state=list(OPEN_STATES)).count()
            out[label] = {"p50_ms": synthcity.percentile(times, 50), "p95_ms": synthcity.percentile(times, 95),
                          "open_in_scope": total, "page": len(page)}
        transaction.set_rollback(True)
    print(json.dumps(out))


def run(ctx) -> Result:
    url = synthcity.ensure(households=synthcity.HOUSEHOLDS, matters=synthcity.MATTERS,
                           subdistricts=synthcity.SUBDISTRICTS, say=ctx.say)
    data = json.loads(synthcity.run_child("bench.b4_queue", url).strip().splitlines()[-1])
    worst = max(r["p95_ms"] for r in data.values())
    notes = [f"{k}: p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, {r['open_in_scope']:,} open in scope"
             for k, r in data.items()]
    return Result(NUMBER, WHAT, f"worst p95 {worst:.1f} ms", "—", "—", TARGET, worst <= P95_MS, data=data,
                  notes=notes)


if __name__ == "__main__":
    child()
    sys.exit(0)
