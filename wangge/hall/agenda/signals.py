"""What the agenda app announces to the apps built on it (meetings, consultations), which it must not
import: they connect their receivers in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent by services.session_update, inside its transaction and after the save, when a planned session
# is moved (its start or end changed), given another place, or cancelled. Receivers write in the same
# transaction (a refusal rolls the change back); whatever they send out must wait for the commit
# (notify() does). Arguments, besides sender=Session:
#   session          the session as saved (status CANCELLED with its cancel_reason when cancelled)
#   actor            the wangge.people.access.Actor who made the change
#   cancelled        True when this change cancelled it
#   moved            True when its start or end changed
#   place_changed    True when its place changed
#   old_starts_at, old_ends_at, old_place   what it had before the change
session_changed = Signal()
