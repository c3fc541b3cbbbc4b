"""Settings for the benchmarks: wangge's own settings as a deployment runs them (DEBUG off), against the
bench database that the harness names in DATABASE_URL, with the bench-only URL conf (the bare view of B1)
and a job queue of its own so that nothing queued here reaches a development worker."""

import os

from wangge.config.settings.base import *  # noqa: F403
from wangge.config.settings.base import HUEY, VAR_DIR

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
HUEY = {**HUEY, "name": "wangge-bench"}
if HUEY["huey_class"] == "huey.SqliteHuey":
    (VAR_DIR / "bench").mkdir(parents=True, exist_ok=True)
    HUEY["filename"] = str(VAR_DIR / "bench" / "huey.sqlite3")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "ERROR")},
}
