"""What every response and every abuse counter needs of the request: the real client
address behind the configured proxies, the headers Django has no setting for, and the
deployment checks `tierdesk check --deploy` runs on the security settings."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core import checks
from django.http import HttpRequest
from django.utils.cache import add_never_cache_headers


def client_address(request: HttpRequest) -> str:
    """The address a request came from. With `TIERDESK_TRUSTED_PROXIES = n`, the n-th
    address from the right of `X-Forwarded-For` (each trusted proxy appends the address it
    saw), so a client cannot choose its own address by sending the header itself; without
    trusted proxies, the socket's peer. Always a valid IP address, or "0.0.0.0"."""
    hops = settings.TIERDESK_TRUSTED_PROXIES
    candidate = request.META.get("REMOTE_ADDR", "")
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return "0.0.0.0"  # noqa: S104 - a placeholder key, never bound


class SecurityHeadersMiddleware:
    """The response headers Django's SecurityMiddleware has no setting for. CSP comes from
    django-csp, HSTS, nosniff, Referrer-Policy and COOP from Django itself.

    Every response that does not say how to cache itself is marked never to be stored
    (`Cache-Control: no-store`, ASVS 8.2.1): pages and API answers carry tickets, names and
    addresses. Static files (WhiteNoise) set their own caching and keep it. JSON answers of
    the API say they are a file (`Content-Disposition: attachment`)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions = settings.TIERDESK_PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        if "Cache-Control" not in response.headers:
            add_never_cache_headers(response)
        if request.path.startswith("/api/") and response.get("Content-Type", "").startswith(
            "application/json"
        ):
            # Opened in a browser tab, an API answer is a download, never a page (ASVS 14.4.2).
            # Hardening, not contract: undeclared in the document (docs/api.md, "Headers
            # outside the contract"); clients ignore it.
            response.headers.setdefault("Content-Disposition", 'attachment; filename="api.json"')
        return response


def _script_sources() -> list[str]:
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = policy.get("DIRECTIVES", {})
    return [str(s) for s in directives.get("script-src", directives.get("default-src", []))]


@checks.register(checks.Tags.security, deploy=True)
def check_security_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Errors for `tierdesk check --deploy`: a production host sends HSTS, a CSP that
    allows no inline script and no framing, and locks out password guessing."""
    errors: list[checks.CheckMessage] = []
    if settings.DEBUG:
        return errors
    if not settings.SECURE_HSTS_SECONDS:
        errors.append(
            checks.Error(
                "HSTS is off.",
                hint="Set TIERDESK_HSTS_SECONDS (one year: 31536000) on a host served over HTTPS.",
                id="tierdesk.E001",
            )
        )
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = policy.get("DIRECTIVES", {})
    if not directives or "'unsafe-inline'" in _script_sources():
        errors.append(
            checks.Error(
                "The Content-Security-Policy is missing or allows inline scripts.",
                id="tierdesk.E002",
            )
        )
    if [str(s) for s in directives.get("frame-ancestors", [])] != ["'none'"]:
        errors.append(
            checks.Error(
                "The Content-Security-Policy lets other sites frame the pages.", id="tierdesk.E003"
            )
        )
    if not getattr(settings, "AXES_ENABLED", False):
        errors.append(
            checks.Error("Sign-in lockout (django-axes) is switched off.", id="tierdesk.E004")
        )
    return errors
