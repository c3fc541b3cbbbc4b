"""/api/v1 endpoints of 征求意见."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["consultations"])
