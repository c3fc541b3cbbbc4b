"""/api/v1 endpoints of 案事件."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["incidents"])
