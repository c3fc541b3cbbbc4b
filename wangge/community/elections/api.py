"""/api/v1 endpoints of 评选."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["elections"])
