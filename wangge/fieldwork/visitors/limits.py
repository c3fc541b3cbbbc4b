"""Rate limits of the public registration form (web page and API): per client address and per gate.

Visitors at one gate often share a mobile carrier's address (CGNAT), so the per-address limit is generous;
the per-gate limit stops a flood at one QR code. Both are settings: VISITOR_REGISTER_PER_IP (default 20
an hour) and VISITOR_REGISTER_PER_POST (default 300 an hour)."""

from __future__ import annotations

from django.conf import settings

from wangge.core import ratelimit
from wangge.core.errors import ApplicationError

HOUR = 3600


class TooManyRequests(ApplicationError):
    status = 429


def throttle_register(request, token: str) -> None:
    """Count one registration attempt; raise TooManyRequests past either limit."""
    per_ip = settings.VISITOR_REGISTER_PER_IP
    per_post = settings.VISITOR_REGISTER_PER_POST
    token = str(token or "")[:32]
    if not ratelimit.hit(f"visitor:ip:{ratelimit.client_ip(request)}", per_ip, HOUR):
        raise TooManyRequests(f"登记过于频繁：每个网络每小时最多{per_ip}次，请稍后再试或请门岗代为登记",
                              extra={"retry_after": ratelimit.retry_after(HOUR)})
    if not ratelimit.hit(f"visitor:post:{token}", per_post, HOUR):
        raise TooManyRequests("该门岗登记过于频繁，请稍后再试或请门岗代为登记",
                              extra={"retry_after": ratelimit.retry_after(HOUR)})
