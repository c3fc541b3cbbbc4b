"""Small tables a process keeps a copy of: read once, re-read at most once a minute, forgotten at once when a
save or delete in this process changes them. Other processes see a change within the minute.

For rows that change a few times a year and are read on every request (the working calendar's holidays,
the categories of matters): one query a minute per process instead of one per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

TTL_S = 60.0


class Kept(Generic[T]):
    """A value `load` reads from the database, kept by this process for `ttl_s` seconds."""

    def __init__(self, load: Callable[[], T], *, ttl_s: float = TTL_S):
        self.load = load
        self.ttl_s = ttl_s
        self._held: tuple[float, T] | None = None

    def get(self, *, fresh: bool = False) -> T:
        """The kept value; read again when `fresh`, when nothing is kept, or when the copy is too old."""
        held = self._held
        if fresh or held is None or time.monotonic() - held[0] > self.ttl_s:
            held = self._held = (time.monotonic(), self.load())
        return held[1]

    def forget(self, **_signal) -> None:
        """Drop the copy: the next `get` reads again. Takes a signal's arguments, to be connected as is."""
        self._held = None

    def forget_on_change(self, *models, uid: str) -> None:
        """Forget the copy when a row of any of `models` is saved or deleted in this process (connected once,
        from an app's `ready`)."""
        for model in models:
            label = model._meta.label_lower
            post_save.connect(self.forget, sender=model, weak=False, dispatch_uid=f"{uid}.{label}.saved")
            post_delete.connect(self.forget, sender=model, weak=False, dispatch_uid=f"{uid}.{label}.deleted")
