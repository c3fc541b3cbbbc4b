"""Test settings: jobs run inline, passwords hash fast, files go to a throw-away folder."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="wangge-media-"))
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
