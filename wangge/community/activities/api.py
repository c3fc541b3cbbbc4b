"""/api/v1 endpoints of 社区活动."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["activities"])
