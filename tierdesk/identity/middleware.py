"""Holds a signed-in session at the second factor until it is passed (identity/
second_factor.py): a person with a device enters a code, a person who needs one and has
none enrols first. Only the sign-out, the code and enrolment pages, static files and the
health check are reachable meanwhile; the API answers 403 to such a session."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from tierdesk.identity.second_factor import ENROL, SESSION_KEY, VERIFY

OPEN_PREFIXES = ("/static/", "/healthz", "/readyz", "/logout/", "/favicon")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = None
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and not user.is_verified():
                step = session[SESSION_KEY]
            else:
                session.pop(SESSION_KEY, None)
        if step is None or request.path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        target = reverse("second-factor-verify" if step == VERIFY else "identity:second-factor")
        if request.path == target or (step == ENROL and request.path == reverse("login")):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            body = {"code": "forbidden", "message": "Pass the second factor first."}
            return JsonResponse(body, status=403)
        if request.headers.get("HX-Request"):
            # A page's own polling (the bell, presence): nothing to swap in meanwhile; a
            # redirect would be followed and the code page drawn inside the page.
            return HttpResponse(status=204)
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
