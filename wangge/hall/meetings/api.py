"""/api/v1 endpoints of 议事会议."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["meetings"])
