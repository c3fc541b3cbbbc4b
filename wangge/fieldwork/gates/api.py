"""/api/v1 endpoints of 门岗值守与访客登记."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["gates"])
