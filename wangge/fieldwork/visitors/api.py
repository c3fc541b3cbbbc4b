"""/api/v1 endpoints of 访客登记."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["visitors"])
