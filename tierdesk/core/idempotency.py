"""`Idempotency-Key` for the API's POSTs: a retried write runs once.

A client sends `Idempotency-Key: <any unique string>` with a POST. The first request with
that key runs and its answer is remembered (`IdempotencyKey`, kept
`TIERDESK_IDEMPOTENCY_HOURS`, 24 by default). A request with the same key and the same
method, path and body gets the remembered answer again (status, body and the headers in
`REPLAYED_HEADERS`, plus `Idempotent-Replayed: true`) and writes nothing; with another
body it is refused with 422 `idempotency_key_reused`. Keys belong to the person who sent
them: two people's keys never meet.

Only a completed write is remembered (a 2xx answer). A refused or failed request leaves no
row, so the same key may be sent again once the cause is fixed.

Concurrency: the key's row is inserted before the write runs, in the same transaction, and
the table is unique on (owner, key). A second request with the key blocks on that insert
until the first commits, then finds the row and replays it; if the first rolled back, the
second claims the key and runs. Two requests with one key never both write.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from tierdesk.core import clock
from tierdesk.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# The answer's headers a replay repeats (others, like Date, belong to the new answer).
REPLAYED_HEADERS = ("Content-Type", "ETag", "Location", "Deprecation", "Link")
MAX_KEY_LENGTH = 255


def ttl() -> timedelta:
    return timedelta(hours=getattr(settings, "TIERDESK_IDEMPOTENCY_HOURS", 24))


class KeyProblem(Exception):
    """The key is malformed or was used for another request: answered with 422."""

    def __init__(self, code: str, message: str, reason: str):
        super().__init__(message)
        self.code, self.message, self.reason = code, message, reason


def request_key(request: HttpRequest) -> str | None:
    """The request's key, None when it sent none; KeyProblem when it is unusable."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise KeyProblem(
            "invalid",
            "The Idempotency-Key header is invalid.",
            f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
        )
    return key


def fingerprint(request: HttpRequest) -> str:
    """The SHA-256 of what makes two requests the same: method, path and body. A JSON body
    is compared as data (key order and spacing do not matter); a multipart body by its
    fields and each file's name and bytes (the boundary differs on every send)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    content_type = (request.content_type or "").lower()
    if content_type == "multipart/form-data":
        fields = sorted((k, request.POST.getlist(k)) for k in request.POST)
        digest.update(json.dumps(fields, sort_keys=True).encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"\n{name}={upload.name}:".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()
    body = request.body
    if content_type == "application/json":
        # a malformed body is compared byte for byte (and refused by the view)
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest.update(body)
    return digest.hexdigest()


def owner_of(request: HttpRequest) -> str:
    user = getattr(request, "auth", None)
    return f"user:{getattr(user, 'pk', None) or 'anonymous'}"


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.response_body), status=row.status)
    for name, value in (row.response_headers or {}).items():
        response[name] = value
    response[REPLAYED] = "true"
    return response


def _claim(owner: str, key: str, digest: str) -> IdempotencyKey | HttpResponse:
    """The new row when this request runs the write, or the remembered answer."""
    now = clock.now()
    IdempotencyKey.objects.filter(owner=owner, key=key, expires_at__lte=now).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                owner=owner, key=key, fingerprint=digest, created_at=now, expires_at=now + ttl()
            )
    except IntegrityError:
        pass  # the key's first request committed while this one waited on the index
    row = IdempotencyKey.objects.get(owner=owner, key=key)
    if row.fingerprint != digest:
        raise KeyProblem(
            "idempotency_key_reused",
            "This Idempotency-Key was used for another request; send a new key.",
            "was used with another method, path or body",
        )
    return _replay(row)


def run_once(request: HttpRequest, write: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    """Run `write` (which answers the request) at most once per key: see the module."""
    key = request_key(request)
    if key is None:
        return write()
    try:
        digest = fingerprint(request)
    except RequestDataTooBig:
        return write()  # answered with 413 by the API; nothing to remember
    with transaction.atomic():
        claimed = _claim(owner_of(request), key, digest)
        if isinstance(claimed, HttpResponse):
            return claimed
        response = write()
        if 200 <= response.status_code < 300 and isinstance(response, HttpResponse):
            claimed.status = response.status_code
            claimed.response_body = response.content
            claimed.response_headers = {
                name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)
            }
            claimed.save(update_fields=["status", "response_body", "response_headers"])
        else:
            claimed.delete()
        return response


def prune(*, now) -> int:
    """Forget the keys past their time; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now).delete()
    return deleted
