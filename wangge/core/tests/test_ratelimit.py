"""The fixed-window limiter and the client address it is keyed on."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from wangge.core import ratelimit


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_key_is_allowed_up_to_its_limit_in_a_window():
    assert [ratelimit.hit("ip:1", limit=3, window_s=60) for _ in range(5)] == [True, True, True, False, False]
    # Other keys, and the same key with another window length, are counted apart.
    assert ratelimit.hit("ip:2", limit=3, window_s=60)
    assert ratelimit.hit("ip:1", limit=3, window_s=3600)


def test_the_next_window_starts_again(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert ratelimit.hit("device:x", limit=1, window_s=60)
    assert not ratelimit.hit("device:x", limit=1, window_s=60)
    assert 1 <= ratelimit.retry_after(60) <= 61
    now[0] += 60
    assert ratelimit.hit("device:x", limit=1, window_s=60)


def test_a_counter_lost_between_add_and_incr_starts_again(monkeypatch):
    monkeypatch.setattr(cache, "add", lambda *a, **k: True)  # "created", but nothing is there to increment
    assert ratelimit.hit("ip:3", limit=1, window_s=60)


def test_a_zero_limit_refuses_everything():
    assert not ratelimit.hit("ip:4", limit=0, window_s=60)


def test_the_client_address_trusts_forwarded_for_only_behind_our_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(request) == "10.0.0.1"  # anyone can write X-Forwarded-For
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_ip(request) == "203.0.113.7"  # what our proxy saw, not what the client claimed
    settings.TRUSTED_PROXY_COUNT = 2
    assert ratelimit.client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3
    assert ratelimit.client_ip(request) == "6.6.6.6"
    assert ratelimit.client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.9")) == "10.0.0.9"
