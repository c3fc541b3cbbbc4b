"""/api/v1 endpoints of 治安联防监控."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["cameras"])
