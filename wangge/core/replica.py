"""Reads from a PostgreSQL replica, only where a page asks for them.

With `DATABASE_REPLICA_URL` set, settings define a second database alias, "replica", and install
`ReplicaRouter`. The router sends a read to the replica only inside `replica_reads()` — a context
manager and decorator backed by a context variable, so it holds for one request, thread or task and
never leaks into another. Everything else stays on "default":

- every write (and `select_for_update`, `get_or_create`, …, which Django routes as writes);
- every read outside `replica_reads()`;
- every read inside an atomic block on "default", so a page that has just written reads its own
  writes even when it runs inside `replica_reads()`.

Without `DATABASE_REPLICA_URL` there is no "replica" alias and no router: nothing changes. The setting
`DATABASE_REPLICA_READS` (default on) turns the replica off without removing the alias, e.g. while it
lags; the test settings use it to keep the replica mirror out of every test but the router's own.
See `docs/scaling.md`.
"""

from __future__ import annotations

import functools
import inspect
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
ALIASES = frozenset({DEFAULT_DB_ALIAS, REPLICA})

_replica_reads: ContextVar[bool] = ContextVar("wangge_replica_reads", default=False)


def replica_configured() -> bool:
    """Whether a replica alias exists and reads may go to it."""
    return REPLICA in settings.DATABASES and getattr(settings, "DATABASE_REPLICA_READS", True)


def reading_from_replica() -> bool:
    """Whether a read issued here, now, goes to the replica."""
    return (
        _replica_reads.get()
        and replica_configured()
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    )


class replica_reads:  # noqa: N801 — used like contextlib's lower-case context managers
    """Read from the replica in this block or function (when one is configured).

    As a context manager: `with replica_reads(): ...`. As a decorator, with or without parentheses:
    `@replica_reads` or `@replica_reads()`, on plain functions and on `async def` functions alike.
    `replica_reads(False)` turns it off again for an inner block. Nested uses restore the outer state.
    """

    def __new__(cls, arg: Any = True):
        if callable(arg):  # `@replica_reads` without parentheses
            return cls(True)(arg)
        return super().__new__(cls)

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = bool(enabled)
        self._tokens: list = []

    def __enter__(self) -> None:
        self._tokens.append(_replica_reads.set(self.enabled))

    def __exit__(self, *exc: object) -> None:
        _replica_reads.reset(self._tokens.pop())

    def __call__(self, func):
        enabled = self.enabled
        # A fresh context manager per call, so that one decorated function may run in many threads at once.
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def async_wrapper(*args, **kwargs):
                with replica_reads(enabled):
                    return await func(*args, **kwargs)

            return async_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with replica_reads(enabled):
                return func(*args, **kwargs)

        return wrapper


class ReplicaRouter:
    """Database router for "default" (primary) and "replica" (a streaming-replication standby)."""

    def db_for_read(self, model, **hints) -> str | None:
        if reading_from_replica():
            return REPLICA
        # Outside replica_reads(), an instance that was read from the replica still reads its relations
        # from the primary.
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA:
            return DEFAULT_DB_ALIAS
        return None

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        if obj1._state.db in ALIASES and obj2._state.db in ALIASES:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        if db == REPLICA:
            return False
        return None
