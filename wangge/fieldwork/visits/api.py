"""/api/v1 endpoints of 入户走访."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["visits"])
