"""B5: the SLA sweep with 1,000 breached deadlines among one million and among ten million matters.

In each synthetic city, inside a transaction that is rolled back afterwards, 1,000 open matters get a
deadline just before the earliest one in the city, and `matters.services.sweep` runs with the clock set
between the two — so exactly those 1,000 are breached. The sweep escalates each (one transaction per
matter); what it costs should follow the breached matters, not the size of the table.
"""

from __future__ import annotations

import json
import sys
import time

from . import synthcity
from .harness import Result

NUMBER = "B5"
WHAT = "SLA sweep, 1,000 breached among 1M and among 10M matters"
TARGET = "time at 10M ÷ time at 1M ≤ 1.5"
NEEDS = ()
BREACHED = 1000
RATIO = 1.5


def child() -> None:
    import django

    django.setup()
    import datetime as dt

    from django.db import transaction
    from django.db.models import Min

    from wangge.matters.lifecycle import STAGE_OF
    from wangge.matters.models import Escalation, Matter
    from wangge.matters.services import sweep

    open_ = Matter.objects.filter(state__in=list(STAGE_OF), deadline__isnull=False)
    earliest = open_.aggregate(m=Min("deadline"))["m"]
    chosen = list(open_.order_by("-id").values_list("id", flat=True)[:BREACHED])
    with transaction.atomic():
        Matter.objects.filter(id__in=chosen).update(deadline=earliest - dt.timedelta(hours=1))
        now = earliest - dt.timedelta(minutes=1)
        start = time.perf_counter()
        done = sweep(now=now)
        seconds = time.perf_counter() - start
        escalations = Escalation.objects.filter(matter_id__in=chosen).count()
        transaction.set_rollback(True)
    print(json.dumps({"seconds": seconds, "escalated": done, "escalations": escalations,
                      "matters": Matter.objects.count()}))


def run(ctx) -> Result:
    small = synthcity.ensure(households=synthcity.HOUSEHOLDS // 10, matters=synthcity.MATTERS // 10,
                             subdistricts=max(1, synthcity.SUBDISTRICTS // 10), say=ctx.say)
    large = synthcity.ensure(households=synthcity.HOUSEHOLDS, matters=synthcity.MATTERS,
                             subdistricts=synthcity.SUBDISTRICTS, say=ctx.say)
    runs = {}
    for label, url in (("1M", small), ("10M", large)):
        runs[label] = json.loads(synthcity.run_child("bench.b5_sweep", url).strip().splitlines()[-1])
        ctx.say(f"{label}: {runs[label]['escalated']:,} escalated in {runs[label]['seconds']:.1f} s "
                f"({runs[label]['matters']:,} matters)")
    ratio = runs["10M"]["seconds"] / runs["1M"]["seconds"]
    ok = ratio <= RATIO and all(r["escalated"] == BREACHED for r in runs.values())
    return Result(NUMBER, WHAT, f"{runs['10M']['seconds']:.1f} s at {runs['10M']['matters']:,}",
                  f"{runs['1M']['seconds']:.1f} s at {runs['1M']['matters']:,}", f"{ratio:.2f}", TARGET, ok,
                  data=runs)


if __name__ == "__main__":
    child()
    sys.exit(0)
