"""/api/v1 endpoints of 突发事件."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["emergencies"])
