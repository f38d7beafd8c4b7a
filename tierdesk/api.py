"""The REST API under /api/v1: one NinjaAPI, bearer tokens or the browser session, and
one translation of domain errors into `{"code", "message", "missing"?, "fields"?}`."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from tierdesk.accounts.api import router as accounts_router
from tierdesk.accounts.services import token_authenticate
from tierdesk.core.errors import DomainError
from tierdesk.directory.api import router as directory_router
from tierdesk.notify.api import router as notify_router
from tierdesk.reports.api import router as reports_router
from tierdesk.tickets.api import router as tickets_router


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        return token_authenticate(token)


api = NinjaAPI(
    title="Tierdesk API",
    version="1",
    description=(
        "The partners' integration surface: hand tickets over from your own helpdesk, "
        "follow them through L2 and L3. Authenticate with `Authorization: Bearer <token>` "
        "(`tierdesk token create EMAIL`)."
    ),
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _field_name(loc: list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form", "file")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError):
    fields: dict[str, str] = {}
    for error in exc.errors:
        name = _field_name(list(error.get("loc", [])))
        message = error.get("msg", "is invalid")
        if error.get("type") == "extra_forbidden":
            message = "is not a field of this resource"
        elif error.get("type") == "timezone_aware":
            message = "needs a time zone offset (RFC 3339, e.g. 2026-11-27T14:05:00+01:00)"
        fields.setdefault(name, message)
    body = {"code": "invalid", "message": "Some fields are invalid.", "fields": fields}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError):
    body = {"code": "unauthenticated", "message": "Send a valid token: Authorization: Bearer …"}
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    code = {400: "malformed", 401: "unauthenticated", 403: "forbidden", 404: "not_found"}.get(
        exc.status_code, "error"
    )
    message = str(exc)
    if exc.status_code == 400:
        message = "The request body is not valid JSON."
    return api.create_response(request, {"code": code, "message": message}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig):
    body = {"code": "too_large", "message": "The request body is too large."}
    return api.create_response(request, body, status=413)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"code": "not_found", "message": "Not found."}, status=404)


api.add_router("/", accounts_router)
api.add_router("/", tickets_router)
api.add_router("/", directory_router)
api.add_router("/", notify_router)
api.add_router("/", reports_router)
