"""/api/v1 endpoints of 议事日程."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["agenda"])
