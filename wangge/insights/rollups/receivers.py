"""The rollups' side of `matters.signals.matter_changed` and `visits.signals.visit_logged`."""

from __future__ import annotations

from wangge.matters.signals import fields_of

from . import services


def matter_changed(sender, *, matter, before, **kwargs) -> None:
    services.record(before=before, after=fields_of(matter))


def visit_logged(sender, *, visit, **kwargs) -> None:
    services.visit_record(visit)
