"""The WSGI application gunicorn serves in B1: wangge's own, with the bench settings."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from wangge.config.wsgi import application  # noqa: E402

__all__ = ["application"]
