"""Per-person time zone and language for the HTML pages."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
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
