"""A fixed-window rate limiter on Django's cache, and the client address it is usually keyed on.

    if not ratelimit.hit(f"open311:ip:{ratelimit.client_ip(request)}", limit=30, window_s=3600):
        ...answer 429...

The count lives in the cache (local memory for one process, Redis for many), so it is shared by every
web process that shares the cache. Counting is atomic: `cache.add` creates the window's counter only
when it is missing and `cache.incr` is atomic in Redis and in the local-memory cache. A window is a
fixed slice of wall-clock time (e.g. the current hour), so a client may send up to twice the limit
across a window boundary; that is the usual trade for one counter per key.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

_PREFIX = "ratelimit"


def _window(window_s: int, now: float | None = None) -> int:
    return int((time.time() if now is None else now) // window_s)


def hit(key: str, limit: int, window_s: int) -> bool:
    """Count one hit for `key`; True while the count in the current window is within `limit`."""
    if limit <= 0:
        return False
    slot = f"{_PREFIX}:{key}:{window_s}:{_window(window_s)}"
    # The counter expires a little after its window ends; a new window starts a new counter.
    cache.add(slot, 0, timeout=window_s + 5)
    try:
        count = cache.incr(slot)
    except ValueError:
        # Expired (or evicted) between add and incr: this hit starts the counter again.
        cache.add(slot, 1, timeout=window_s + 5)
        count = 1
    return count <= limit


def retry_after(window_s: int) -> int:
    """Seconds until the current window ends: the `Retry-After` of a refused request."""
    now = time.time()
    return max(1, int((_window(window_s, now) + 1) * window_s - now) + 1)


def client_ip(request) -> str:
    """The address of the client. `X-Forwarded-For` is believed only behind proxies we run ourselves:
    with `TRUSTED_PROXY_COUNT = n` the client is the n-th address from the right (each trusted proxy
    appends the address it got the request from); anything further left was written by the client and
    is ignored. Without trusted proxies it is REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    return forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
