"""What the visits app announces to the apps built on it (the rollups), which it must not import: they
connect their receivers in their AppConfig.ready()."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `visit_log` inside its transaction, once the visit and the matters raised are written; receivers
# write in the same transaction. Arguments, besides sender=Visit: visit, the visit as saved (its grid
# loaded).
visit_logged = Signal()
