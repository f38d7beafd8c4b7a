"""Tierdesk settings: one module, every knob read from the environment. The variables,
their defaults and meaning are listed in docs/configuration.md (a test keeps it complete)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from tierdesk.accounts.hashers import password_hashers
from tierdesk.core.logformat import logging_config
from tierdesk.core.storage import s3_attachments
from tierdesk.envvars import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("TIERDESK_VAR_DIR") or Path.cwd() / "var").resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # Written once with owner-only permissions; never logged. Several processes may
        # start at once on a new host (gunicorn workers, a worker): each writes its own
        # temporary file and links it into place, so the key file appears whole, once,
        # and every process reads the one that won.
        draft = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "csp",
    "axes",
    "django_otp",
    "tierdesk.core",
    "tierdesk.accounts",
    "tierdesk.directory",
    "tierdesk.tickets",
    "tierdesk.portal",
    "tierdesk.notify",
    "tierdesk.sla",
    "tierdesk.mail",
    "channels",
    "tierdesk.kb",
    "tierdesk.triage",
    "tierdesk.rota",
    "tierdesk.notifications",
    "tierdesk.presence",
    "tierdesk.timelog",
    "tierdesk.savedviews",
    "tierdesk.macros",
    "tierdesk.logs",
    "tierdesk.search",
    "tierdesk.reports",
    "tierdesk.chat",
    "tierdesk.problems",
    "tierdesk.identity",
    "tierdesk.connectors",
    "tierdesk.updates",
    "tierdesk.satisfaction",
    "tierdesk.automation",
    "tierdesk.grants",
]

MIDDLEWARE = [
    "tierdesk.core.logcontext.RequestIdMiddleware",  # first: every log line has the id
    "tierdesk.reports.prometheus.LatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tierdesk.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tierdesk.core.middleware.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tierdesk.identity.middleware.SecondFactorMiddleware",
    "tierdesk.core.middleware.PreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a sign-in refused by the lockout into the ordinary wrong-password answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tierdesk.urls"
WSGI_APPLICATION = "tierdesk.wsgi.application"
ASGI_APPLICATION = "tierdesk.asgi.application"

# The chat's real-time transport (Django Channels): in-process by default; Redis when
# several ASGI workers serve it (each message is stored first, so a lost event is only late).
_CHANNEL_LAYER = os.environ.get("TIERDESK_CHANNEL_LAYER", "").strip()
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [_CHANNEL_LAYER], "capacity": 1000, "expiry": 30},
        }
        if _CHANNEL_LAYER
        else {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
    )
}
TIERDESK_CHAT_DEFAULT_CAP = int(os.environ.get("TIERDESK_CHAT_DEFAULT_CAP", "3"))
TIERDESK_CHAT_MAX_PER_AGENT = int(os.environ.get("TIERDESK_CHAT_MAX_PER_AGENT", "10"))
# L2 hears this many hours before a customer's support access grant ends.
TIERDESK_GRANT_REMIND_HOURS = int(os.environ.get("TIERDESK_GRANT_REMIND_HOURS", "24"))
# A waiting chat nobody accepted within this many seconds becomes a ticket (0: never).
TIERDESK_CHAT_WAIT_TIMEOUT_SECONDS = int(os.environ.get("TIERDESK_CHAT_WAIT_TIMEOUT_SECONDS", "600"))

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
                "tierdesk.core.context_processors.tierdesk",
                "csp.context_processors.nonce",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'tierdesk.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or _default_db,
        conn_max_age=int(os.environ.get("TIERDESK_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue instead of failing halfway with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "TIERDESK_TEST_DB_NAME", "test_tierdesk"
    )
# Behind PgBouncer in transaction mode nothing may outlive a transaction: no server-side
# cursors, no prepared statements (docs/operations.md, "PgBouncer in transaction mode").
TIERDESK_DB_POOLER = os.environ.get("TIERDESK_DB_POOLER", "").strip().lower()
if TIERDESK_DB_POOLER not in {"", "none", "pgbouncer"}:
    raise ValueError(f"TIERDESK_DB_POOLER must be empty or pgbouncer, not {TIERDESK_DB_POOLER!r}")
if TIERDESK_DB_POOLER == "pgbouncer" and "postgresql" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
# Argon2id, over HMAC-SHA256 with a secret pepper when one is set (accounts/hashers.py).
TIERDESK_PASSWORD_PEPPER = env_list("TIERDESK_PASSWORD_PEPPER")
PASSWORD_HASHERS = password_hashers(TIERDESK_PASSWORD_PEPPER)
# At least 12 and at most 128 characters, none of the 20,000 most common passwords (Django's
# offline list), not easy to guess (zxcvbn), no composition rules; never truncated
# (docs/security.md, V2.1).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {
        "NAME": "tierdesk.accounts.passwords.MaximumLengthValidator",
        "OPTIONS": {"max_length": 128},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Not easy to guess: zxcvbn's score at least 3 (10^8 guesses or more); the pages where a
    # password is chosen show the same score as the person types (ASVS 2.1.8).
    {"NAME": "tierdesk.accounts.passwords.StrengthValidator", "OPTIONS": {"min_score": 3}},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("TIERDESK_STATIC_ROOT") or VAR_DIR / "static")
STORAGE_DIR = Path(os.environ.get("TIERDESK_STORAGE_DIR") or VAR_DIR / "attachments")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "files"), "base_url": None},
    },
    # Private: no base_url, so no file is ever reachable by a URL of its own; downloads go
    # through a view that checks access and sends Content-Disposition: attachment.
    "attachments": {
        "BACKEND": "tierdesk.core.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(STORAGE_DIR), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": os.environ.get(
            "TIERDESK_STATICFILES_STORAGE",
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Attachments in an S3-compatible bucket (TIERDESK_S3_*, read in core/storage.py).
if os.environ.get("TIERDESK_S3_BUCKET", "").strip():
    STORAGES["attachments"] = s3_attachments(os.environ)
FILE_UPLOAD_PERMISSIONS = 0o600

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TIERDESK_TASK_BACKEND", "django_tasks_db.DatabaseBackend")
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("TIERDESK_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    # `__Host-`: the browser keeps such a cookie only if Secure, for this host, path "/".
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# A browser session ends after TIERDESK_SESSION_IDLE_MINUTES without a request and at the
# latest TIERDESK_SESSION_MAX_HOURS after sign-in (core.middleware.SessionLifetimeMiddleware).
TIERDESK_SESSION_IDLE_SECONDS = 60 * env_int("TIERDESK_SESSION_IDLE_MINUTES", 60)
TIERDESK_SESSION_MAX_SECONDS = 3600 * env_int("TIERDESK_SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = TIERDESK_SESSION_MAX_SECONDS
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HSTS: SecurityMiddleware sends it only on requests served over HTTPS, so it is on by
# default outside development and harmless on a plain-HTTP demo (docs/security.md).
SECURE_HSTS_SECONDS = env_int("TIERDESK_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TIERDESK_HSTS_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("TIERDESK_HSTS_PRELOAD")
SECURE_SSL_REDIRECT = env_bool("TIERDESK_HTTPS_REDIRECT")
TIERDESK_TRUSTED_PROXIES = env_int("TIERDESK_TRUSTED_PROXIES", 0)
if TIERDESK_TRUSTED_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TIERDESK_PERMISSIONS_POLICY = os.environ.get(
    "TIERDESK_PERMISSIONS_POLICY",
    "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
)
# Content-Security-Policy (django-csp): scripts only from our own static files (htmx, the
# page script, Swagger UI), styles from our stylesheet plus the one <style> element per
# page that carries the brand colours with this response's nonce. No inline script, no
# style attribute, no eval, no framing (docs/security.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

from tierdesk.settings_signin import *  # noqa: E402, F403 - sign-in settings

# Product knobs
TIERDESK_MAX_UPLOAD_BYTES = int(os.environ.get("TIERDESK_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))
TIERDESK_UPLOAD_DAY_FILES = env_int("TIERDESK_UPLOAD_DAY_FILES", 500)
TIERDESK_UPLOAD_DAY_BYTES = env_int("TIERDESK_UPLOAD_DAY_BYTES", 2 * 1024**3)
# ClamAV's clamd scanning every upload (core/antivirus.py): tcp://host:port or unix:///path.
TIERDESK_CLAMD = os.environ.get("TIERDESK_CLAMD", "").strip()
TIERDESK_CLAMD_FAIL_OPEN = env_bool("TIERDESK_CLAMD_FAIL_OPEN")
TIERDESK_REOPEN_DAYS = int(os.environ.get("TIERDESK_REOPEN_DAYS", "14"))
TIERDESK_RATING_LINK_DAYS = int(os.environ.get("TIERDESK_RATING_LINK_DAYS", "30"))
# A rating at or below this (1-5) tells the support leads and offers to reopen; 0: never.
TIERDESK_LOW_RATING = min(5, max(0, env_int("TIERDESK_LOW_RATING", 2)))
TIERDESK_BELL_POLL_SECONDS = max(1, int(os.environ.get("TIERDESK_BELL_POLL_SECONDS", "20")))
# How often a console queue refreshes its list (seconds; 0 turns the refresh off).
TIERDESK_QUEUE_POLL_SECONDS = max(0, int(os.environ.get("TIERDESK_QUEUE_POLL_SECONDS", "30")))
TIERDESK_PRESENCE_BEAT_SECONDS = max(1, int(os.environ.get("TIERDESK_PRESENCE_BEAT_SECONDS", "10")))
TIERDESK_TICKET_TAG = os.environ.get("TIERDESK_TICKET_TAG", "TD")
TIERDESK_PLATFORM_URL = os.environ.get("TIERDESK_PLATFORM_URL", "https://app.elastic.io").rstrip(
    "/"
)
TIERDESK_SLA_AT_RISK_SHARE = float(os.environ.get("TIERDESK_SLA_AT_RISK_SHARE", "0.75"))
TIERDESK_SLA_AT_RISK_HOURS = float(os.environ.get("TIERDESK_SLA_AT_RISK_HOURS", "1"))
TIERDESK_METRICS_TOKEN = os.environ.get("TIERDESK_METRICS_TOKEN", "")
TIERDESK_METRICS_ALLOW = env_list("TIERDESK_METRICS_ALLOW")
TIERDESK_SLA_DEFAULT_PLAN = os.environ.get("TIERDESK_SLA_DEFAULT_PLAN", "standard")
TIERDESK_SLA_DEFAULT_CALENDAR = os.environ.get("TIERDESK_SLA_DEFAULT_CALENDAR", "support-hours")
TIERDESK_SLA_INCIDENT_CALENDAR = os.environ.get("TIERDESK_SLA_INCIDENT_CALENDAR", "24x7")
TIERDESK_SLA_SWEEP_SECONDS = int(os.environ.get("TIERDESK_SLA_SWEEP_SECONDS", "60"))
TIERDESK_SLA_SWEEP_BATCH = int(os.environ.get("TIERDESK_SLA_SWEEP_BATCH", "5000"))
TIERDESK_SLA_REPLAN_BATCH = int(os.environ.get("TIERDESK_SLA_REPLAN_BATCH", "500"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
TIERDESK_WEBHOOK_ALLOW_PRIVATE = env_bool("TIERDESK_WEBHOOK_ALLOW_PRIVATE")
TIERDESK_SECRET_KEYS = env_list("TIERDESK_SECRET_KEYS")
TIERDESK_RETENTION_WEBHOOK_DAYS = int(os.environ.get("TIERDESK_RETENTION_WEBHOOK_DAYS", "30"))
TIERDESK_RETENTION_MAIL_DAYS = int(os.environ.get("TIERDESK_RETENTION_MAIL_DAYS", "90"))
TIERDESK_RETENTION_TASK_DAYS = int(os.environ.get("TIERDESK_RETENTION_TASK_DAYS", "14"))
TIERDESK_RETENTION_BATCH = int(os.environ.get("TIERDESK_RETENTION_BATCH", "1000"))
TIERDESK_WEBHOOK_TIMEOUT = float(os.environ.get("TIERDESK_WEBHOOK_TIMEOUT", "10"))
TIERDESK_IDEMPOTENCY_HOURS = int(os.environ.get("TIERDESK_IDEMPOTENCY_HOURS", "24"))
TIERDESK_PROBE_ALLOW_PRIVATE = env_bool("TIERDESK_PROBE_ALLOW_PRIVATE")
TIERDESK_PROBE_TIMEOUT = float(os.environ.get("TIERDESK_PROBE_TIMEOUT", "5"))

# Mail: Django's own setting names; without EMAIL_HOST nothing leaves the machine.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT") or 30)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "support@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
TIERDESK_MAIL_NOTIFY = env_bool("TIERDESK_MAIL_NOTIFY", True)
TIERDESK_MAIL_BASE_URL = os.environ.get("TIERDESK_MAIL_BASE_URL", "http://127.0.0.1:8000").rstrip(
    "/"
)
TIERDESK_MAIL_DOMAIN = os.environ.get("TIERDESK_MAIL_DOMAIN", "")
TIERDESK_MAIL_UNKNOWN_SENDERS = os.environ.get("TIERDESK_MAIL_UNKNOWN_SENDERS", "refuse")
TIERDESK_MAIL_AUTOREPLY_PER_HOUR = int(os.environ.get("TIERDESK_MAIL_AUTOREPLY_PER_HOUR", "5"))
TIERDESK_MAIL_MAX_BYTES = int(os.environ.get("TIERDESK_MAIL_MAX_BYTES", 50 * 1024 * 1024))
TIERDESK_MAIL_FETCH_SECONDS = int(os.environ.get("TIERDESK_MAIL_FETCH_SECONDS", "60"))
TIERDESK_MAIL_IMAP_TIMEOUT = float(os.environ.get("TIERDESK_MAIL_IMAP_TIMEOUT", "60"))
TIERDESK_MAIL_AUTHSERV_IDS = env_list("TIERDESK_MAIL_AUTHSERV_IDS")
TIERDESK_MAIL_DKIM_VERIFY = env_bool("TIERDESK_MAIL_DKIM_VERIFY", False)

# Logs: one JSON object per line with the request or task id (default), or `plain` text.
LOGGING = logging_config(
    log_format=os.environ.get("TIERDESK_LOG_FORMAT", ""),
    level=os.environ.get("LOG_LEVEL", "INFO"),
)
