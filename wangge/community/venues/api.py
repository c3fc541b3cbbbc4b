"""/api/v1 endpoints of 活动场地."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["venues"])
