"""The results maths: counts per option, shares, scale mean and distribution, response rates per resident
and per household, free text without names."""

from __future__ import annotations

import pytest

from wangge.hall.consultations import selectors, services

from .conftest import answers_for, make

pytestmark = pytest.mark.django_db


def test_counts_shares_mean_and_rate_per_resident(world, logins):
    c = make(world, grids=[world.grid("A1em1").pk], open_it=True)  # 4 residents in 2 households
    services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk,
                                  answers=answers_for(c, single=0, multiple=(0, 1), value=5, text="尽快"))
    services.consultation_respond(actor=world.users["spouse"], consultation_id=c.pk,
                                  answers=answers_for(c, single=0, multiple=(1,), value=2, text=""))
    services.consultation_respond(actor=world.users["upstairs"], consultation_id=c.pk,
                                  answers=answers_for(c, single=1, multiple=(3,), value=4, text="一楼不需要电梯"))
    r = selectors.results(c)
    assert (r["eligible"], r["responses"], r["rate"]) == (4, 3, 0.75)
    single, multiple, scale, text = r["questions"]
    assert [(o["text"], o["count"], o["share"]) for o in single["options"]] == [
        ("赞成", 2, 0.6667), ("反对", 1, 0.3333), ("无所谓", 0, 0.0)]
    assert multiple["answered"] == 3
    assert [o["count"] for o in multiple["options"]] == [1, 2, 0, 1]
    assert scale["mean"] == pytest.approx((5 + 2 + 4) / 3, abs=0.01)
    assert [d["count"] for d in scale["distribution"]] == [0, 1, 0, 1, 1]
    # The optional text question: two answered it, listed without names.
    assert text["answered"] == 2 and text["texts"] == ["尽快", "一楼不需要电梯"]
    assert all("居民" not in t for t in text["texts"])


def test_rate_per_household_counts_households(world, logins):
    c = make(world, grids=[world.grid("A1e").pk], basis="household", open_it=True)  # 4 households
    services.consultation_respond(actor=world.users["resident"], consultation_id=c.pk, answers=answers_for(c))
    r = selectors.results(c)
    assert (r["eligible"], r["responses"], r["rate"]) == (4, 1, 0.25)
    assert r["questions"][0]["options"][0]["count"] == 1


def test_no_answers_yet(world):
    c = make(world, open_it=True)
    r = selectors.results(c)
    assert r["responses"] == 0 and r["rate"] == 0.0
    assert r["questions"][2]["mean"] is None and r["questions"][0]["options"][0]["share"] == 0.0
