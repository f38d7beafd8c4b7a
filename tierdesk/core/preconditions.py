"""`If-Match` for the API's writes (docs/api.md, "Preconditions").

A ticket's entity tag is its `version` (`tickets.api.write_ticket`). A record without a
version (a webhook, a saved view, a person, an automation rule) is tagged by a digest of
what its reader gets back: any change a client could see changes the tag, nothing else
does, and no column or migration is needed. `write_record` runs such a write under the
request's `If-Match`, with the record's row locked, and answers with the new tag.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from tierdesk.core.api_support import header
from tierdesk.core.errors import InvalidInput, PreconditionFailed

RECORD_ETAG = header(
    "An opaque entity tag of the record as you read it (changes with every change you "
    "could see): send it back in `If-Match`.",
    type="string",
    examples=['"5d41402abc4b2a76b971"'],
)
RECORD_IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "The `ETag` you read (or `*`): the write is refused with 412 "
    "`precondition_failed` when the record changed since. Without it, no check.",
    "schema": {"type": "string"},
}


def if_match_tags(request: HttpRequest) -> list[str] | None:
    """The entity tags `If-Match` names (weak ones as strong), unquoted; None without the
    header or with `*`. A value that is not a list of quoted tags is 422 naming it."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    tags = []
    for tag in raw.split(","):
        tag = tag.strip().removeprefix("W/")
        if len(tag) < 3 or tag[0] != '"' or tag[-1] != '"' or '"' in tag[1:-1]:
            raise InvalidInput({"If-Match": "is not an ETag this API gave out"})
        tags.append(tag[1:-1])
    return tags


def record_etag(representation: dict[str, Any], *, volatile: Iterable[str] = ()) -> str:
    """The entity tag of a record without a version: a digest of its representation,
    less the `volatile` keys (counts and per-reader flags that change without it)."""
    skip = set(volatile)
    kept = {key: value for key, value in representation.items() if key not in skip}
    data = json.dumps(kept, sort_keys=True, cls=DjangoJSONEncoder).encode()
    return f'"{hashlib.sha256(data).hexdigest()[:20]}"'


def write_record(
    request: HttpRequest,
    response: HttpResponse,
    *,
    read: Callable[[bool], dict[str, Any]],
    write: Callable[[], Any],
    volatile: Iterable[str] = (),
) -> dict[str, Any]:
    """Run `write()` under the request's `If-Match`, in one transaction: `read(True)` is
    the record as the caller reads it, its row locked; when its tag is not one `If-Match`
    names, 412 `precondition_failed` and nothing is written. Answers `read(False)` after
    the write, with its `ETag`."""
    volatile = tuple(volatile)
    with transaction.atomic():
        tags = if_match_tags(request)
        if tags is not None:
            current = record_etag(read(True), volatile=volatile)
            if current[1:-1] not in tags:
                raise PreconditionFailed(
                    "The record changed since you read it: read it again and retry."
                )
        write()
        out = read(False)
    response["ETag"] = record_etag(out, volatile=volatile)
    return out


def tagged(response: HttpResponse, out: dict[str, Any], *, volatile: Iterable[str] = ()) -> dict:
    """`out` with its `ETag` set on the response (a read of a record without a version)."""
    response["ETag"] = record_etag(out, volatile=volatile)
    return out
