"""Test settings: jobs run inline, passwords hash fast, files go to a throw-away folder."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="wangge-media-"))
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The webhook tests run their receiver on 127.0.0.1; test_webhooks.py checks the block itself.
WEBHOOK_BLOCKED_NETWORKS: list[str] = []
