"""What the meetings app does when the agenda app announces a change (agenda must not import meetings):
an interface like a view or a job — it calls one service."""

from __future__ import annotations

from . import services


def session_changed(sender, *, session, cancelled: bool, moved: bool, old_starts_at, old_place: str, **kwargs) -> None:
    """A planned session was moved, given another place or cancelled: tell its invitees (in the same
    transaction as the change; the emails go after the commit)."""
    services.meeting_session_changed(session=session, cancelled=cancelled, moved=moved,
                                     old_starts_at=old_starts_at, old_place=old_place)
