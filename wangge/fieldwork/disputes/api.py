"""/api/v1 endpoints of 矛盾纠纷调解."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["disputes"])
