"""Abuse limits on the doors into the product.

* **Sign-in** — django-axes, configured in settings (`AXES_*`), with the pieces here: the
  backend that refuses a locked-out sign-in before any password is checked, the handler
  that locks an email address after `TIERDESK_SIGNIN_ACCOUNT_LIMIT` failures and a client
  address after `TIERDESK_SIGNIN_ADDRESS_LIMIT`, and the lockout answer, which is the
  ordinary wrong-password page: the same whether the account exists, is locked, or not.
  Axes keeps its attempts in the database (AccessAttempt, and AccessFailureLog as the
  audit record, both visible in the admin), so every web process sees the same count.
* **Password reset requests** — at most `TIERDESK_RESET_EMAIL_LIMIT` mails to one email
  address and `TIERDESK_RESET_ADDRESS_LIMIT` requests from one client address per
  `TIERDESK_RESET_WINDOW`; a refused request gets the same answer and sends nothing.
* **API bearer tokens** — after `TIERDESK_TOKEN_FAILURE_LIMIT` unknown or revoked tokens
  from one client address within `TIERDESK_TOKEN_WINDOW`, every bearer request from it
  answers 429 with `Retry-After` until the oldest counted failure ages out.

Reset and token hits are `ThrottleHit` rows. Each decision counts and writes in one
transaction under a lock on its (scope, key) — a PostgreSQL advisory lock; SQLite's
IMMEDIATE transactions serialise writers anyway — so concurrent requests in several
processes cannot all slip under the limit together.
"""

from __future__ import annotations

import hashlib
import logging
import math
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum

from tierdesk.accounts.models import ThrottleHit, ThrottleScope
from tierdesk.core import clock
from tierdesk.core.errors import DomainError

logger = logging.getLogger(__name__)

# Hits are kept this long past their window, as the record of what was refused.
RETENTION = timedelta(days=1)


class Throttled(DomainError):
    """Too many failed attempts from this client address: wait `retry_after` seconds."""

    status = 429
    code = "throttled"

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed attempts. Try again in {retry_after} seconds.")
        self.retry_after = retry_after


# --- sign-in (django-axes) -----------------------------------------------------------


def attempted_email(request, credentials: dict | None) -> str:
    """The account a sign-in names, normalised as accounts are stored (lower case), so
    `Alice@…` and `alice@…` count against one lockout."""
    value = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if value is None and request is not None:
        value = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
    return str(value or "").strip().lower()[:254]


class SignInLockoutBackend(AxesStandaloneBackend):
    """django-axes' backend, first in AUTHENTICATION_BACKENDS: a locked-out email address
    or client address is refused before the password is looked at. Authentication without
    a request (management commands, tests' `Client.login`) is no web sign-in and has no
    address to count, so it passes on to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class SignInAttempts(AxesDatabaseHandler):
    """Axes' database handler with two limits instead of one: the email address is
    locked at TIERDESK_SIGNIN_ACCOUNT_LIMIT failures (axes' AXES_FAILURE_LIMIT), the
    client address at TIERDESK_SIGNIN_ADDRESS_LIMIT, which is higher because many people
    may sign in from behind one office address."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_account, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.TIERDESK_SIGNIN_ADDRESS_LIMIT:
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account


def lockout_response(request, original_response, credentials=None):
    """What a locked-out sign-in sees: the page the sign-in view rendered anyway — the
    form with "enter a correct email address and password" — so a lockout reveals
    neither that it happened nor whether the account exists. Axes' AccessFailureLog row
    (locked_out=True) and its log line are the record."""
    return original_response


# --- password reset and bearer tokens (ThrottleHit rows) -----------------------------


def _lock(scope: str, key: str) -> None:
    """Serialise decisions on one (scope, key) across processes, until the transaction
    ends. SQLite needs nothing: its IMMEDIATE transactions hold the write lock from BEGIN."""
    if connection.vendor == "postgresql":
        digest = hashlib.sha256(f"{scope}:{key}".encode()).digest()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
            )


def _counted(scope: str, key: str, since: datetime):
    return ThrottleHit.objects.filter(scope=scope, key=key, at__gt=since, refused=False)


def _prune(now: datetime, window: timedelta) -> None:
    ThrottleHit.objects.filter(at__lt=now - window - RETENTION).delete()


def password_reset_admit(*, email: str, address: str) -> bool:
    """Whether a password reset mail may go to `email`, asked from `address`. Records the
    request either way; a refused one is logged and counts toward nothing. The caller
    answers the same in both cases."""
    email = (email or "").strip().lower()[:254]
    now = clock.now()
    window = settings.TIERDESK_RESET_WINDOW
    since = now - window
    with transaction.atomic():
        _lock(ThrottleScope.RESET_ADDRESS, address)
        _lock(ThrottleScope.RESET_EMAIL, email)
        admitted = (
            _counted(ThrottleScope.RESET_ADDRESS, address, since).count()
            < settings.TIERDESK_RESET_ADDRESS_LIMIT
            and _counted(ThrottleScope.RESET_EMAIL, email, since).count()
            < settings.TIERDESK_RESET_EMAIL_LIMIT
        )
        ThrottleHit.objects.bulk_create(
            [
                ThrottleHit(scope=scope, key=key, at=now, refused=not admitted)
                for scope, key in (
                    (ThrottleScope.RESET_ADDRESS, address),
                    (ThrottleScope.RESET_EMAIL, email),
                )
            ]
        )
        _prune(now, window)
    if not admitted:
        logger.warning("password reset refused: too many requests (address %s)", address)
    return admitted


def _retry_after(oldest: datetime, window: timedelta, now: datetime) -> int:
    return max(1, math.ceil((oldest + window - now).total_seconds()))


def token_address_check(address: str) -> None:
    """Raises Throttled while `address` has TIERDESK_TOKEN_FAILURE_LIMIT failed bearer
    tokens within the window; Retry-After is when the oldest of them ages out."""
    now = clock.now()
    window = settings.TIERDESK_TOKEN_WINDOW
    failures = _counted(ThrottleScope.TOKEN_ADDRESS, address, now - window)
    limit = settings.TIERDESK_TOKEN_FAILURE_LIMIT
    if failures.count() >= limit:
        # The limit-th newest failure is the one whose ageing out lets a request through.
        edge = failures.order_by("-at").values_list("at", flat=True)[limit - 1]
        raise Throttled(_retry_after(edge, window, now))


def token_failure_record(*, address: str) -> None:
    """Count one unknown or revoked bearer token from `address`."""
    now = clock.now()
    ThrottleHit.objects.create(scope=ThrottleScope.TOKEN_ADDRESS, key=address, at=now)
    _prune(now, settings.TIERDESK_TOKEN_WINDOW)
    logger.info("API token refused (address %s)", address)


# --- the password strength meter (the cache) ------------------------------------------

STRENGTH_PER_MINUTE = 60  # the meter asks at most ~4 times a second while someone types


def strength_admit(address: str) -> bool:
    """Whether the strength meter scores one more password for `address` this minute.
    Scoring costs up to ~0.1 s of CPU and the meter answers before sign-in, so this guards
    the CPU, not an account: counted in the cache (per process with the default local
    memory cache, across processes with a shared one), no database row per keystroke."""
    minute = int(clock.now().timestamp() // 60)
    key = f"tierdesk:strength:{address}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count <= STRENGTH_PER_MINUTE


# --- second-factor codes (ThrottleHit rows, per person) -------------------------------


def otp_user_check(user_id: int) -> None:
    """Raises Throttled while the person has TIERDESK_OTP_FAILURE_LIMIT wrong codes within
    TIERDESK_OTP_WINDOW: every code is refused, right ones too, so six digits cannot be
    guessed however many sessions try."""
    now = clock.now()
    window = settings.TIERDESK_OTP_WINDOW
    key = str(user_id)
    failures = _counted(ThrottleScope.OTP_USER, key, now - window)
    limit = settings.TIERDESK_OTP_FAILURE_LIMIT
    if failures.count() >= limit:
        edge = failures.order_by("-at").values_list("at", flat=True)[limit - 1]
        raise Throttled(_retry_after(edge, window, now))


def otp_failure_record(*, user_id: int) -> None:
    now = clock.now()
    ThrottleHit.objects.create(scope=ThrottleScope.OTP_USER, key=str(user_id), at=now)
    _prune(now, settings.TIERDESK_OTP_WINDOW)
    logger.warning("wrong second-factor code (person %s)", user_id)
