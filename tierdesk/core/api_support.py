"""What every API router shares: the error body, the actor of a request, content types."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from django.http import HttpRequest, JsonResponse
from ninja import Schema
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

from tierdesk.core.actor import Actor, actor_for


class MissingOut(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    missing: list[MissingOut] | None = None
    fields: dict[str, str] | None = None


# Declared on every operation so the OpenAPI document names each status it may answer.
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    415: ErrorOut,
    422: ErrorOut,
}


def errors(*codes: int) -> dict[int, Any]:
    return {code: ErrorOut for code in codes}


# A read of one resource: 422 when a path or query parameter is not of its type.
READ_ERRORS = errors(401, 403, 404, 422)


def _storable_text(value: str) -> str:
    """PostgreSQL stores neither NUL characters nor lone surrogates (both arrive through
    JSON escapes or %00 in a URL): refuse them as a field error, not a 500."""
    if "\x00" in value:
        raise PydanticCustomError("text", "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("text", "is not valid Unicode text") from None
    return value


def _storable_instant(value: datetime) -> datetime:
    """A time whose UTC value falls outside years 1–9999 cannot be stored and read back
    (9999-12-31T23:00:00-05:00 is in year 10000 in UTC)."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("instant", "is out of range (years 1 to 9999 in UTC)") from None
    return value


# Every string the API takes in, and every time: refused with 422 naming the field
# when the database could not store it.
Text = Annotated[str, AfterValidator(_storable_text)]
Instant = Annotated[AwareDatetime, AfterValidator(_storable_instant)]


def request_actor(request: HttpRequest) -> Actor:
    """The actor behind the authenticated request (token or session)."""
    return actor_for(request.auth)  # type: ignore[attr-defined]


def error_response(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


def accepts(*content_types: str) -> Callable:
    """Refuse a request body of another content type with 415 before it is parsed.
    For `ninja.decorators.decorate_view`."""

    def decorator(run: Callable) -> Callable:
        @functools.wraps(run)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any):
            if request.method in ("POST", "PUT", "PATCH"):
                given = (request.content_type or "").split(";")[0].strip().lower()
                body = request.META.get("CONTENT_LENGTH") not in (None, "", "0")
                if (body or given) and given not in content_types:
                    return error_response(
                        415,
                        "unsupported_media_type",
                        f"Send the body as {' or '.join(content_types)}, not {given or 'nothing'}.",
                    )
            return run(request, *args, **kwargs)

        return wrapper

    return decorator
