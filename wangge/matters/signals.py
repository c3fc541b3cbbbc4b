"""What the matters app announces to the apps built on it (the rollups), which it must not import:
they connect their receivers in their AppConfig.ready()."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by the matters services inside their transaction, after each save of a matter. Receivers write in
# the same transaction, so what they keep can never disagree with the matter. Arguments, besides
# sender=Matter:
#   matter   the matter as saved
#   before   its fields as they were when the service loaded it ({attname: value}), None when new
matter_changed = Signal()


def fields_of(matter) -> dict:
    """The matter's stored fields, by attribute name: the `before` of the next change."""
    return {f.attname: getattr(matter, f.attname) for f in matter._meta.concrete_fields}


def saved(matter) -> None:
    """Save the matter and announce the change from the fields it was loaded with."""
    before = getattr(matter, "_as_loaded", None)
    matter.save()
    matter_changed.send(sender=type(matter), matter=matter, before=before)
    matter._as_loaded = fields_of(matter)


def loaded(matter):
    """Remember the fields of a matter just loaded for a change."""
    if matter is not None:
        matter._as_loaded = fields_of(matter)
    return matter
