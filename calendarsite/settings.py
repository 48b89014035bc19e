"""Settings, driven by environment variables with working local defaults.

Nothing here needs to be set to run locally: the database is a SQLite file in the repo
root, DEBUG is off, and a development SECRET_KEY is used. Production sets at least
SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (postgres://...).
"""

import os
import warnings
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no", "on", "off", ""):
        raise ValueError(f"{name} must be a boolean, got {value!r}")
    return value in ("true", "1", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


# The "django-insecure-" prefix makes `check --deploy` refuse this development default.
SECRET_KEY = os.getenv("SECRET_KEY", "django-insecure-dev-only-set-SECRET_KEY-in-production")
DEBUG = envbool("DEBUG", "false")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's assets, served locally rather than from a CDN
    "calendars",
    "events",
    "calendarsite.apps.CalendarSiteConfig",  # last: it needs every app's admin loaded
]

MIDDLEWARE = [
    # Outermost: the request id is set before anything logs, and the metrics time the
    # whole answer, errors included.
    "calendarsite.ops.RequestIdMiddleware",
    "calendarsite.ops.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "calendarsite.api.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "calendarsite.urls"
WSGI_APPLICATION = "calendarsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite file in the repo root unless DATABASE_URL names another database.
# Persistent connections with health checks: a connection the server dropped is
# replaced at the start of the next request instead of failing it.
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
# Behind PgBouncer in transaction pooling mode (docs/serving.md), a server connection is
# lent for one transaction only: nothing may live in the session across transactions.
# Django's server-side cursors outside a transaction are WITH HOLD ones that later
# FETCHes would look for on another connection, and prepared statements are named in
# the session: both off. (Prepared statements are already off by Django's default,
# prepare_threshold None; stated here so that nobody turns them on. The batch's
# server-side binding uses the unnamed statement, which lives within one exchange.)
# Everything else the app keeps per connection is transaction-scoped: advisory locks are
# pg_advisory_xact_lock, row locks are SELECT ... FOR UPDATE in a transaction.
PGBOUNCER = envbool("PGBOUNCER", "false")
if PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (dev server threads, tests with threads) wait for the lock
    # instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve the admin's static files straight from the apps until collectstatic has run
# (local runs, tests). Once it has (`make serve` runs it), serve only STATIC_ROOT: the
# finders' copies would shadow its precompressed .gz files.
WHITENOISE_USE_FINDERS = not STATIC_ROOT.is_dir()
# Files served at the site's root: /favicon.ico.
WHITENOISE_ROOT = BASE_DIR / "calendarsite" / "root"
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

# Request bodies larger than this are refused (413) before they are parsed.
# 1000 events take about 250 KB; the default leaves ample room.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("MAX_REQUEST_BYTES", 2_621_440)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["calendarsite.fastjson.GrsJSONParser"],
    "UNAUTHENTICATED_USER": None,
    "NUM_PROXIES": envint("NUM_PROXIES", 0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# The OpenAPI document of both families (docs/openapi.md). Public: it describes the API,
# it holds no data. The shapes live in calendars/schema.py and events/schema.py.
SPECTACULAR_SETTINGS = {
    "TITLE": "Calendar service API",
    "DESCRIPTION": (
        "Two API families over one database: GRS business calendars under `/grs/v1` "
        '(errors `{"message": ...}`) and 12Twenty calendar events under `/api` '
        '(errors `{"Message": ...}`). See docs/grs.md and docs/events.md.'
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.0.3",
    "ENFORCE_NON_BLANK_FIELDS": True,  # minLength 1 where the API refuses ""
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "calendars.schema.postprocess",
        "events.schema.postprocess",
        "calendarsite.schema.tidy",
        "calendarsite.schema.for_generators",  # last: servers, enum names, nullable enums
    ],
    # Tag names become generated clients' module names (grs, calendar_events).
    "TAGS": [
        {"name": "GRS", "description": "Genesys Rules System business calendars."},
        {"name": "CalendarEvents", "description": "12Twenty calendar events."},
    ],
    # The repository has no open-source licence: the document says so.
    "CONTACT": {"name": "Calendar service maintainers"},
    "LICENSE": {"name": "Proprietary"},
}

# Guessing keys and passwords: the credential endpoints (GRS login, 12Twenty token) allow
# this many attempts per client address, then answer 429.
CREDENTIALS_RATE = os.getenv("CREDENTIALS_RATE", "30/minute")

# The admin's login (calendarsite/admin_login.py): failed attempts allowed per username and
# per client address before every attempt answers 429, until this long passes without one.
ADMIN_LOGIN_FAILURES_PER_USERNAME = envint("ADMIN_LOGIN_FAILURES_PER_USERNAME", 5)
ADMIN_LOGIN_FAILURES_PER_ADDRESS = envint("ADMIN_LOGIN_FAILURES_PER_ADDRESS", 20)
ADMIN_LOGIN_LOCKOUT_SECONDS = envint("ADMIN_LOGIN_LOCKOUT_SECONDS", 15 * 60)

# 12Twenty: bearer tokens issued for an API key live this long.
EVENTS_TOKEN_TTL_SECONDS = envint("EVENTS_TOKEN_TTL_SECONDS", 24 * 3600)
EVENTS_BATCH_MAX_ITEMS = 1000
# 12Twenty: deleted events (tombstones) are kept at least this many days, so a client
# syncing by UpdatedSince learns of every deletion within it; `manage.py
# purge_tombstones` removes older ones, and a sync from before then is refused.
EVENTS_TOMBSTONE_RETENTION_DAYS = envint("EVENTS_TOMBSTONE_RETENTION_DAYS", 90)

# GRS: an API session ends after this long without use; its locks are then free.
GRS_SESSION_IDLE_SECONDS = envint("GRS_SESSION_IDLE_SECONDS", 30 * 60)

# Behind TLS in production set HTTPS=true: secure cookies, HSTS and the redirect follow.
# Off by default so that `make run` works over plain http on localhost.
HTTPS = envbool("HTTPS", "false")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# The cache lives in the database so that every worker process shares it: the
# rate limits on the credential endpoints must hold across processes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}

# /metrics answers only clients at these addresses (and networks, as 10.0.0.0/8), every
# proxy hop included (docs/operations.md): loopback by default.
METRICS_ALLOWED_ADDRESSES = envlist("METRICS_ALLOWED_ADDRESSES", "127.0.0.0/8,::1")

# LOG_FORMAT=json: one JSON object per line (time, level, logger, message, request_id).
# Every line carries the request id (X-Request-ID, echoed in the answer).
LOG_FORMAT = os.getenv("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in ("text", "json"):
    raise ValueError(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "calendarsite.ops.RequestIdFilter"},
        # Feed secrets travel in URL paths: masked in every line (calendarsite/logredact.py).
        "redact_secrets": {"()": "calendarsite.logredact.RedactSecrets"},
    },
    "formatters": {
        "text": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "calendarsite.logs.JsonFormatter"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact_secrets"],
            "formatter": LOG_FORMAT,
        },
        # runserver's access lines, in Django's own format, masked too.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
