"""Helpers for dispute tests: a dispute as a grid member opens it, through the services."""

from __future__ import annotations

import pytest

from wangge.fieldwork.disputes import services
from wangge.testing.world import fake_id, fake_phone


def open_dispute(world, *, actor_key: str = "member_A1e", micro: str = "A1em1", title: str = "楼上漏水", **extra):
    residents = world.residents[micro]
    data = services.DisputeIn(
        kind=extra.pop("kind", "leak"), title=title, summary="楼上卫生间漏水，楼下天花板受损",
        grid=world.grid(micro).pk,
        parties=extra.pop("parties", [
            services.PartyIn(side="applicant", resident=residents[0].pk),
            services.PartyIn(side="respondent", name="赵外来", phone=fake_phone(777), id_number=fake_id(777)),
        ]),
        **extra,
    )
    return services.dispute_open(actor=world.users[actor_key], data=data)


@pytest.fixture
def dispute(world):
    return open_dispute(world)
