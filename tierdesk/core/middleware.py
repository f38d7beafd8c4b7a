"""Per-person time zone and language for the HTML pages; the lifetime of a session."""

from __future__ import annotations

import time
import zoneinfo

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone, translation


class PreferencesMiddleware:
    """After authentication: show times in the person's time zone and speak their
    language (one of settings.LANGUAGES). Anonymous visitors keep what LocaleMiddleware
    chose from the browser, and the default time zone."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
                timezone.deactivate()
            if user.language in self.languages:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


SIGNED_IN_AT = "tierdesk_signed_in_at"
SEEN_AT = "tierdesk_seen_at"
# Stamping the last activity at most this often keeps most requests free of a session write.
SEEN_GRANULARITY_SECONDS = 60


def stamp_sign_in(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: a new sign-in starts both session clocks."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


class SessionLifetimeMiddleware:
    """After authentication: a browser session ends after `TIERDESK_SESSION_IDLE_MINUTES`
    without a request and, however busy, `TIERDESK_SESSION_MAX_HOURS` after its sign-in
    (ASVS 3.3.2). The session is deleted on the server and the request goes on anonymous,
    so a page redirects to the sign-in and the API answers 401. Bearer tokens are not
    sessions and are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.idle = settings.TIERDESK_SESSION_IDLE_SECONDS
        self.limit = settings.TIERDESK_SESSION_MAX_SECONDS

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            session = request.session
            now = time.time()
            signed_in = session.get(SIGNED_IN_AT)
            seen = session.get(SEEN_AT)
            if signed_in is None or seen is None:
                session[SIGNED_IN_AT] = signed_in or now
                session[SEEN_AT] = now
            elif now - seen > self.idle or now - signed_in > self.limit:
                logout(request)
            elif now - seen > SEEN_GRANULARITY_SECONDS:
                session[SEEN_AT] = now
        return self.get_response(request)
