"""A person's own browser sessions (ASVS 3.3.4): each sign-in is recorded with the browser
and address it came from (`SignedInSession`); the person sees those still signed in —
started when, last seen when — and ends any of them, or all but the one they use.

The session store is the truth: a session is listed only while its row exists, still
belongs to the person with their current password (a changed password ends the others)
and is inside the idle and absolute limits of core.middleware.SessionLifetimeMiddleware.
Ending one deletes it from the store, so its next request is anonymous. Sessions are
Django's database sessions (settings.SESSION_ENGINE); with a store that keeps no rows
nothing is recorded and the list is empty."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils.crypto import constant_time_compare

from tierdesk.accounts.models import SignedInSession, User
from tierdesk.core import clock
from tierdesk.core.errors import NotFound
from tierdesk.core.middleware import SEEN_AT, SIGNED_IN_AT
from tierdesk.core.security import client_address

USER_AGENT_LENGTH = 300  # SignedInSession.user_agent
# Most specific first: Edge and Opera say "Chrome" too, Chrome says "Safari".
BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chromium", r"Chromium/"),
    ("Chrome", r"Chrome/|CriOS/"),
    ("Safari", r"Safari/"),
)
SYSTEMS = (
    ("Android", r"Android"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux|X11"),
)


@dataclass(frozen=True)
class OwnSession:
    id: int
    started_at: datetime
    seen_at: datetime | None
    browser: str
    user_agent: str
    address: str
    current: bool


def browser_label(user_agent: str) -> str:
    """ "Firefox on Linux" from a User-Agent header; "" when it names neither."""
    browser = next((name for name, rx in BROWSERS if re.search(rx, user_agent)), "")
    system = next((name for name, rx in SYSTEMS if re.search(rx, user_agent)), "")
    return " · ".join(part for part in (browser, system) if part)


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_record(*, request, user: User, details: dict | None = None) -> None:
    """Record the request's session as the person's (at sign-in, `user_logged_in`; after a
    password change gave the session a new key, with the `details` it had)."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if not key or not Session.objects.filter(pk=key).exists():
        return  # a store without rows (signed cookies, cache): nothing to list
    details = details or {
        "started_at": clock.now(),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
        "address": client_address(request),
    }
    SignedInSession.objects.update_or_create(session_id=key, defaults={"user": user, **details})


def record_sign_in(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver."""
    if request is not None:
        session_record(request=request, user=user)


def session_details(session_key: str | None) -> dict | None:
    """What was recorded at the sign-in of this session (to carry over a new key)."""
    return (
        SignedInSession.objects.filter(session_id=session_key)
        .values("started_at", "user_agent", "address")
        .first()
        if session_key
        else None
    )


def _seen(session: Session, user: User, now: float) -> float | None:
    """When the session was last seen, if it is still the person's and signed in."""
    data = session.get_decoded()
    if str(data.get(SESSION_KEY)) != str(user.pk):
        return None
    if not constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None  # the password changed since: its next request is signed out
    seen, signed_in = data.get(SEEN_AT), data.get(SIGNED_IN_AT)
    if seen is not None and now - seen > settings.TIERDESK_SESSION_IDLE_SECONDS:
        return None
    if signed_in is not None and now - signed_in > settings.TIERDESK_SESSION_MAX_SECONDS:
        return None
    return seen if seen is not None else now


def own_sessions(user: User, *, current_key: str | None) -> list[OwnSession]:
    """The person's signed-in sessions, the one asking first, then the latest seen."""
    now = clock.now()
    records = SignedInSession.objects.filter(
        user=user, session__expire_date__gt=now
    ).select_related("session")
    found = []
    for record in records:
        seen = _seen(record.session, user, now.timestamp())
        if seen is None:
            continue
        found.append(
            OwnSession(
                id=record.pk,
                started_at=record.started_at,
                seen_at=datetime.fromtimestamp(seen, tz=UTC),
                browser=browser_label(record.user_agent),
                user_agent=record.user_agent,
                address=record.address or "",
                current=record.session_id == current_key,
            )
        )
    found.sort(key=lambda s: (not s.current, -s.seen_at.timestamp()))
    return found


def _end(session_key: str) -> None:
    _store()().delete(session_key)
    SignedInSession.objects.filter(session_id=session_key).delete()


def session_end(*, user: User, session_id: int) -> str:
    """End one of the person's sessions: deleted from the store, its next request is
    signed out. Returns its key (the caller signs out when it was its own). Someone
    else's session and one that does not exist answer alike: NotFound."""
    key = (
        SignedInSession.objects.filter(pk=session_id, user=user)
        .values_list("session_id", flat=True)
        .first()
    )
    if key is None:
        raise NotFound("No such session.")
    _end(key)
    return key


def sessions_end_others(*, user: User, keep_key: str | None) -> int:
    """End every recorded session of the person but `keep_key` (all with None)."""
    keys = list(
        SignedInSession.objects.filter(user=user)
        .exclude(session_id=keep_key or "")
        .values_list("session_id", flat=True)
    )
    for key in keys:
        _end(key)
    return len(keys)
