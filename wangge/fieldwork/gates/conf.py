"""The knobs of gate duty, read from the settings with their defaults (the one place that reads them)."""

from __future__ import annotations

from django.conf import settings

CHECKIN_EARLY_MINUTES = 30  # a guard may check in this long before the shift starts


def gap_notice_hours() -> int:
    """Gaps starting within this many hours are reported to the post's leader (GATE_GAP_NOTICE_HOURS)."""
    return settings.GATE_GAP_NOTICE_HOURS


def checkin_grace_minutes() -> int:
    """A shift not checked in this long after its start is missed (GATE_CHECKIN_GRACE_MINUTES)."""
    return settings.GATE_CHECKIN_GRACE_MINUTES
