"""Settings shared by every deployment. Every knob comes from the environment (12-factor)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]
PACKAGE_DIR = BASE_DIR / "wangge"
VAR_DIR = Path(os.environ.get("WANGGE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "wangge-development-key-not-for-production")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",
    "wangge.core",
    "wangge.registry",
    "wangge.people",
    "wangge.notify",
    "wangge.matters",
    "wangge.fieldwork.visits",
    "wangge.fieldwork.disputes",
    "wangge.fieldwork.gates",
    "wangge.fieldwork.visitors",
    "wangge.fieldwork.cameras",
    "wangge.fieldwork.incidents",
    "wangge.fieldwork.emergencies",
    "wangge.hall.agenda",
    "wangge.hall.meetings",
    "wangge.hall.consultations",
    "wangge.community.activities",
    "wangge.community.venues",
    "wangge.community.elections",
    "wangge.community.notices",
    "wangge.insights.rollups",
    "wangge.insights.dashboards",
    "wangge.insights.evaluation",
    "wangge.insights.reports",
    "wangge.insights.transparency",
    "wangge.insights.synth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wangge.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "wangge.config.urls"
WSGI_APPLICATION = "wangge.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wangge.core.context_processors.site",
            ],
        },
    },
]

# Database: SQLite (WAL) by default, anything dj-database-url understands through DATABASE_URL.
_sqlite_path = VAR_DIR / os.environ.get("SQLITE_NAME", "wangge.sqlite3")
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{_sqlite_path}", conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }


def _no_jit(database: dict) -> None:
    """JIT compilation costs wangge's short queries more than it saves (docs/scaling.md); PG_JIT=1 keeps it."""
    if database["ENGINE"] == "django.db.backends.postgresql" and not env_bool("PG_JIT", False):
        database.setdefault("OPTIONS", {})["options"] = "-c jit=off"


_no_jit(DATABASES["default"])
# A read replica (PostgreSQL streaming replication), parsed like DATABASE_URL. Dashboards and reports read
# from it inside wangge.core.replica.replica_reads(); writes and every other read stay on "default".
# DATABASE_REPLICA_READS=0 sends those reads back to the primary without removing the alias. See docs/scaling.md.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_READS = env_bool("DATABASE_REPLICA_READS", True)
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))
    )
    # Tests never create a database on the replica: it mirrors the test database of "default".
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    _no_jit(DATABASES["replica"])
    DATABASE_ROUTERS = ["wangge.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    HUEY = {"huey_class": "huey.RedisHuey", "name": "wangge", "url": REDIS_URL, "immediate": False}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "wangge",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Map tiles are optional: with no URL the map draws boundaries on a plain background (intranet use).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

# How long an API bearer token lives.
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "720"))

SITE_NAME = _("网格")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Notifications
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "wangge@localhost")
# Where the site is reached from outside: links in emails and text messages start with it.
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Dotted path of the text-message backend (wangge.notify.sms): console, locmem, or a provider's.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "wangge.notify.sms.ConsoleBackend")
# Seconds to wait before each retry of an email, text message or webhook; after the last one, give up.
NOTIFY_RETRY_DELAYS = [int(s) for s in os.environ.get("NOTIFY_RETRY_DELAYS", "60,300,1800,7200,43200").split(",")]
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
# Networks webhooks may not be sent to: this server itself and link-local addresses (cloud metadata).
WEBHOOK_BLOCKED_NETWORKS = os.environ.get(
    "WEBHOOK_BLOCKED_NETWORKS", "127.0.0.0/8,::1/128,0.0.0.0/8,169.254.0.0/16,fe80::/10"
).split(",")
# Local time (TIME_ZONE) of the daily digest of the previous day's notifications, "HH:MM".
NOTIFY_DIGEST_AT = os.environ.get("NOTIFY_DIGEST_AT", "07:30")

# Key small matters
# Photos: bigger uploads are refused before they are decoded.
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))
# Open311: reports per hour from one network address and from one device; reads per hour per address.
# A FixMyStreet server posts every user's reports from one address: list it in OPEN311_RATE_EXEMPT_IPS.
OPEN311_RATE_PER_IP = int(os.environ.get("OPEN311_RATE_PER_IP", "30"))
OPEN311_RATE_PER_DEVICE = int(os.environ.get("OPEN311_RATE_PER_DEVICE", "10"))
OPEN311_RATE_GET_PER_IP = int(os.environ.get("OPEN311_RATE_GET_PER_IP", "1200"))
OPEN311_RATE_EXEMPT_IPS = [ip for ip in os.environ.get("OPEN311_RATE_EXEMPT_IPS", "").split(",") if ip]
# What discovery (services/discovery.json) tells client developers.
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "请联系街道网格化服务管理中心")
OPEN311_KEY_SERVICE = os.environ.get(
    "OPEN311_KEY_SERVICE", "API 密钥由平台管理员签发（wangge open311-key create --name … --jurisdiction …）"
)
# Field work
# Gate duty: gaps in a post's coverage starting within this many hours are reported to its leader; a shift
# not checked in this many minutes after its start is marked missed and alerts the leader.
GATE_GAP_NOTICE_HOURS = int(os.environ.get("GATE_GAP_NOTICE_HOURS", "12"))
GATE_CHECKIN_GRACE_MINUTES = int(os.environ.get("GATE_CHECKIN_GRACE_MINUTES", "15"))
# Visitor records are deleted this many days after registration (a daily job; `wangge visitors-purge`).
VISITOR_RETENTION_DAYS = int(os.environ.get("VISITOR_RETENTION_DAYS", "30"))
# Registrations per hour on the public visitor form, per network address and per gate.
VISITOR_REGISTER_PER_IP = int(os.environ.get("VISITOR_REGISTER_PER_IP", "20"))
VISITOR_REGISTER_PER_POST = int(os.environ.get("VISITOR_REGISTER_PER_POST", "300"))
# The public address printed in the gates' QR codes (e.g. https://wangge.example.cn); empty: the address
# the QR page was opened on.
VISITOR_QR_BASE_URL = os.environ.get("VISITOR_QR_BASE_URL", "")
# Behind a reverse proxy, how many X-Forwarded-For hops to trust for the client's address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
