"""Tierdesk settings: one module, every knob read from the environment.

| variable | default | meaning |
|---|---|---|
| `TIERDESK_VAR_DIR` | `./var` | where the SQLite file, the generated secret key and attachments live |
| `DATABASE_URL` | SQLite file `var/tierdesk.sqlite3` (WAL) | e.g. `postgres://user@127.0.0.1:5432/tierdesk` |
| `SECRET_KEY` | generated once into `var/secret_key` | signing key; set it explicitly on several web hosts |
| `DEBUG` | `false` | development mode |
| `ALLOWED_HOSTS` | `127.0.0.1,localhost` | comma-separated |
| `CSRF_TRUSTED_ORIGINS` | empty | comma-separated origins behind a proxy |
| `TIME_ZONE` | `Europe/Berlin` | default display time zone (storage is always UTC) |
| `TIERDESK_STORAGE_DIR` | `var/attachments` | private attachment storage (never served by URL) |
| `TIERDESK_MAX_UPLOAD_BYTES` | `26214400` (25 MiB) | largest attachment accepted |
| `TIERDESK_REOPEN_DAYS` | `14` | how long a resolved ticket may be reopened |
| `TIERDESK_RATING_LINK_DAYS` | `30` | how long the rating link in a resolved mail works |
| `TIERDESK_BELL_POLL_SECONDS` | `20` | how often a console page asks for the notification bell's count |
| `TIERDESK_PRESENCE_BEAT_SECONDS` | `10` | how often an open ticket page says who is on it (and learns who else is) |
| `TIERDESK_TICKET_TAG` | `TD` | prefix of human ticket numbers (`TD-10042`) |
| `TIERDESK_PLATFORM_URL` | `https://app.elastic.io` | base of links back to the platform |
| `TIERDESK_SLA_AT_RISK_SHARE` | `0.75` | a clock is at risk once this share of its budget is used… |
| `TIERDESK_SLA_AT_RISK_HOURS` | `1` | …or once no more than this many working hours remain |
| `TIERDESK_SLA_DEFAULT_PLAN` | `standard` | support plan of tickets whose contract the directory does not know |
| `TIERDESK_SLA_DEFAULT_CALENDAR` | `support-hours` | calendar (code) of deadlines without a policy (needed_by) |
| `TIERDESK_SLA_INCIDENT_CALENDAR` | `24x7` | calendar (code) incidents count on when no incident policy names one |
| `TIERDESK_SLA_SWEEP_SECONDS` | `60` | how often the worker's SLA sweep runs |
| `TIERDESK_SLA_SWEEP_BATCH` | `5000` | most clocks one sweep transaction marks (a backlog takes several) |
| `TIERDESK_SLA_REPLAN_BATCH` | `500` | clocks re-planned per transaction after a calendar change |
| `TIERDESK_CONN_MAX_AGE` | `60` | seconds a database connection is kept for reuse (0 behind a transaction pooler) |
| `LOG_LEVEL` | `INFO` | root log level |
| `TIERDESK_STATIC_ROOT` | `var/static` | where `collectstatic` writes (WhiteNoise serves it) |
| `TIERDESK_STATICFILES_STORAGE` | WhiteNoise compressed manifest (plain when `DEBUG`) | static files storage class |
| `TIERDESK_SECURE_COOKIES` | `false` | send session and CSRF cookies over HTTPS only |
| `TIERDESK_HSTS_SECONDS` | `31536000` (one year; `0` when `DEBUG`) | `Strict-Transport-Security` max-age on responses served over HTTPS; `0` sends none |
| `TIERDESK_HSTS_SUBDOMAINS` / `TIERDESK_HSTS_PRELOAD` | `false` | add `includeSubDomains` / `preload` to HSTS |
| `TIERDESK_HTTPS_REDIRECT` | `false` | redirect plain HTTP requests to HTTPS |
| `TIERDESK_TRUSTED_PROXIES` | `0` | how many reverse proxies in front append to `X-Forwarded-For`; the client address is the one the outermost of them saw, and their `X-Forwarded-Proto: https` marks a request secure. `0`: the socket's peer, headers ignored |
| `TIERDESK_PERMISSIONS_POLICY` | camera, microphone, geolocation, payment, USB off | the `Permissions-Policy` header; empty sends none |
| `TIERDESK_SIGNIN_ACCOUNT_LIMIT` | `5` | failed sign-ins for one email address before it is locked out |
| `TIERDESK_SIGNIN_ADDRESS_LIMIT` | `30` | failed sign-ins from one client address (any accounts) before it is locked out |
| `TIERDESK_SIGNIN_LOCKOUT_MINUTES` | `15` | a lockout ends this long after the last counted failure; failures older than this are forgotten |
| `TIERDESK_RESET_EMAIL_LIMIT` | `3` | password reset mails to one address per window; further requests get the same answer and send nothing |
| `TIERDESK_RESET_ADDRESS_LIMIT` | `10` | password reset requests from one client address per window |
| `TIERDESK_RESET_WINDOW_MINUTES` | `60` | the password reset window |
| `TIERDESK_TOKEN_FAILURE_LIMIT` | `20` | failed API bearer tokens from one client address per window; then every bearer request from it answers 429 with `Retry-After` |
| `TIERDESK_TOKEN_WINDOW_SECONDS` | `300` | the bearer token failure window |
| `TIERDESK_TASK_BACKEND` | `django_tasks_db.DatabaseBackend` | the background task backend |
| `TIERDESK_WEBHOOK_ALLOW_PRIVATE` | `false` | let webhooks target private and loopback addresses (link-local, multicast, reserved never) |
| `TIERDESK_WEBHOOK_TIMEOUT` | `10` | seconds a webhook receiver has to answer one attempt |
| `TIERDESK_SECRET_KEYS` | empty: a key derived from `SECRET_KEY` | comma-separated Fernet keys for secrets at rest (webhook signing secrets); the first encrypts, all decrypt (`docs/operations.md`, rotation) |
| `TIERDESK_RETENTION_WEBHOOK_DAYS` | `30` | delivered and failed webhook deliveries (and their outbox events) older than this are deleted; `0` keeps them |
| `TIERDESK_RETENTION_MAIL_DAYS` | `90` | sent, failed and suppressed outbound mail older than this is deleted; `0` keeps it |
| `TIERDESK_RETENTION_TASK_DAYS` | `14` | finished background task results older than this are deleted; `0` keeps them |
| `TIERDESK_RETENTION_BATCH` | `1000` | rows one pruning transaction deletes (the hourly job repeats up to 20 times) |
| `TIERDESK_IDEMPOTENCY_HOURS` | `24` | how long the API remembers an `Idempotency-Key` and its answer |
| `TIERDESK_PROBE_ALLOW_PRIVATE` | `false` | let L1's connectivity probe test private and loopback addresses (link-local, multicast, reserved never) |
| `TIERDESK_PROBE_TIMEOUT` | `5` | seconds each step of the connectivity probe may take |
| `EMAIL_HOST` | empty | SMTP server of outbound mail; empty: mail is written to files under `var/mail` (nothing leaves the machine) |
| `EMAIL_PORT` | `25` | SMTP port (587 with `EMAIL_USE_TLS`, 465 with `EMAIL_USE_SSL`) |
| `EMAIL_HOST_USER` / `EMAIL_HOST_PASSWORD` | empty | SMTP authentication |
| `EMAIL_USE_TLS` / `EMAIL_USE_SSL` | `false` | STARTTLS / TLS from the start |
| `EMAIL_TIMEOUT` | `30` | seconds an SMTP conversation may take |
| `EMAIL_BACKEND` | SMTP when `EMAIL_HOST` is set, else files | Django mail backend class |
| `DEFAULT_FROM_EMAIL` | `support@localhost` | From address when an organisation has no sender address |
| `TIERDESK_MAIL_NOTIFY` | `true` | write notification mails for ticket events |
| `TIERDESK_MAIL_BASE_URL` | `http://127.0.0.1:8000` | base of the ticket links in mail |
| `TIERDESK_MAIL_DOMAIN` | the sender address's domain | right-hand side of our Message-IDs |
| `TIERDESK_MAIL_UNKNOWN_SENDERS` | `refuse` | mail from an unregistered address: `refuse` (a polite answer) or `triage` (held for an admin, who registers the sender) |
| `TIERDESK_MAIL_AUTOREPLY_PER_HOUR` | `5` | automatic replies to one address per hour, at most |
| `TIERDESK_MAIL_MAX_BYTES` | `52428800` (50 MiB) | larger inbound mail is held, not processed |
| `TIERDESK_MAIL_FETCH_SECONDS` | `60` | how often the worker polls the IMAP mailboxes |
| `TIERDESK_MAIL_IMAP_TIMEOUT` | `60` | seconds an IMAP server has to answer |
| `TIERDESK_MAIL_AUTHSERV_IDS` | (none) | comma-separated authserv-ids of the MTAs whose `Authentication-Results` header is trusted; mail from a registered address that is not authenticated is held for review |
| `TIERDESK_MAIL_DKIM_VERIFY` | `false` | without a trusted `Authentication-Results`, check DKIM signatures here (needs DNS) |
| `TIERDESK_TEST_DB_NAME` | `test_tierdesk` | PostgreSQL test database name (tests only) |
| `TIERDESK_BIND` | `127.0.0.1:8000` | where `tierdesk serve` listens (read by the CLI) |
| `WEB_CONCURRENCY` | `2` | gunicorn worker processes of `tierdesk serve` (read by the CLI) |
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


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
    "tierdesk.core",
    "tierdesk.accounts",
    "tierdesk.directory",
    "tierdesk.tickets",
    "tierdesk.portal",
    "tierdesk.notify",
    "tierdesk.sla",
    "tierdesk.mail",
    "tierdesk.kb",
    "tierdesk.triage",
    "tierdesk.rota",
    "tierdesk.notifications",
    "tierdesk.presence",
    "tierdesk.timelog",
    "tierdesk.updates",
    "tierdesk.satisfaction",
    "tierdesk.automation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tierdesk.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tierdesk.core.middleware.PreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a sign-in refused by the lockout into the ordinary wrong-password answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tierdesk.urls"
WSGI_APPLICATION = "tierdesk.wsgi.application"

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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
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

# Sign-in abuse (django-axes, attempts kept in the database so every web process sees
# them): an email address is locked after TIERDESK_SIGNIN_ACCOUNT_LIMIT failures, a
# client address after TIERDESK_SIGNIN_ADDRESS_LIMIT; a locked sign-in answers exactly
# like a wrong password, whether the account exists or not (accounts/throttle.py).
AUTHENTICATION_BACKENDS = [
    "tierdesk.accounts.throttle.SignInLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
TIERDESK_SIGNIN_ACCOUNT_LIMIT = env_int("TIERDESK_SIGNIN_ACCOUNT_LIMIT", 5)
TIERDESK_SIGNIN_ADDRESS_LIMIT = env_int("TIERDESK_SIGNIN_ADDRESS_LIMIT", 30)
AXES_ENABLED = True
AXES_HANDLER = "tierdesk.accounts.throttle.SignInAttempts"
AXES_FAILURE_LIMIT = TIERDESK_SIGNIN_ACCOUNT_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TIERDESK_SIGNIN_LOCKOUT_MINUTES", 15))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "tierdesk.accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "tierdesk.core.security.client_address"
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in forms post the email as "username"
AXES_USERNAME_CALLABLE = "tierdesk.accounts.throttle.attempted_email"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = True
TIERDESK_RESET_EMAIL_LIMIT = env_int("TIERDESK_RESET_EMAIL_LIMIT", 3)
TIERDESK_RESET_ADDRESS_LIMIT = env_int("TIERDESK_RESET_ADDRESS_LIMIT", 10)
TIERDESK_RESET_WINDOW = timedelta(minutes=env_int("TIERDESK_RESET_WINDOW_MINUTES", 60))
TIERDESK_TOKEN_FAILURE_LIMIT = env_int("TIERDESK_TOKEN_FAILURE_LIMIT", 20)
TIERDESK_TOKEN_WINDOW = timedelta(seconds=env_int("TIERDESK_TOKEN_WINDOW_SECONDS", 300))

# Product knobs
TIERDESK_MAX_UPLOAD_BYTES = int(os.environ.get("TIERDESK_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))
TIERDESK_REOPEN_DAYS = int(os.environ.get("TIERDESK_REOPEN_DAYS", "14"))
TIERDESK_RATING_LINK_DAYS = int(os.environ.get("TIERDESK_RATING_LINK_DAYS", "30"))
TIERDESK_BELL_POLL_SECONDS = max(1, int(os.environ.get("TIERDESK_BELL_POLL_SECONDS", "20")))
TIERDESK_PRESENCE_BEAT_SECONDS = max(1, int(os.environ.get("TIERDESK_PRESENCE_BEAT_SECONDS", "10")))
TIERDESK_TICKET_TAG = os.environ.get("TIERDESK_TICKET_TAG", "TD")
TIERDESK_PLATFORM_URL = os.environ.get("TIERDESK_PLATFORM_URL", "https://app.elastic.io").rstrip(
    "/"
)
TIERDESK_SLA_AT_RISK_SHARE = float(os.environ.get("TIERDESK_SLA_AT_RISK_SHARE", "0.75"))
TIERDESK_SLA_AT_RISK_HOURS = float(os.environ.get("TIERDESK_SLA_AT_RISK_HOURS", "1"))
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
