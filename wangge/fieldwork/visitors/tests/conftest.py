"""Fixtures of the visitors tests: the test world with gates (see world.py), fresh rate limits, and a
`register` shortcut."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from wangge.fieldwork.visitors import services
from wangge.registry.models import Unit

from .world import RULES, add_gates  # noqa: F401  (RULES re-exported for the tests)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def gw(world):
    add_gates(world)
    return world


def unit_of(w, micro_key: str) -> Unit:
    return w.households[micro_key][0].unit


@pytest.fixture
def register(gw):
    """`register(estate_key="A1e", **fields)` → a Visitor registered at that estate's gate via the service."""

    def make(estate_key="A1e", **fields):
        micro = f"{estate_key}m1"
        body = {"name": "张三", "phone": "13812345678", "purpose": "探亲", "unit": unit_of(gw, micro).pk,
                "room": gw.households[micro][0].room, **fields}
        return services.visitor_register(token=gw.posts[estate_key].qr_token, **body)

    return make
