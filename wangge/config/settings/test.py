"""Test settings: jobs run inline, passwords hash fast, files go to a throw-away folder."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import DATABASES, HUEY, env_bool

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="wangge-media-"))
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The webhook tests run their receiver on 127.0.0.1; test_webhooks.py checks the block itself.
WEBHOOK_BLOCKED_NETWORKS: list[str] = []
# The replica router's tests (core/tests/test_replica.py) read through a "replica" alias that mirrors the
# test database; TEST_REPLICA=0 leaves it out. Replica reads stay off in every other test: those tests
# declare only "default", and the router tests switch DATABASE_REPLICA_READS on for themselves.
if env_bool("TEST_REPLICA", True) and "replica" not in DATABASES:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["wangge.core.replica.ReplicaRouter"]
DATABASE_REPLICA_READS = False
