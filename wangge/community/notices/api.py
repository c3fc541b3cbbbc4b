"""/api/v1 endpoints of 通知公告."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["notices"])
