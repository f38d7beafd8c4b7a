"""Inbound tracker webhooks: `POST /api/v1/hooks/jira` and `/api/v1/hooks/github`.

No token: the signature over the raw body is the credential. It is checked against the
secret of every active tracker of that kind before the body is read as JSON; no
matching signature is 401 (the same answer for a forged body, an unknown tracker or a
tracker without a secret). A signed delivery about an issue no problem is linked to is
accepted and changes nothing. A signed delivery whose id was recorded before (a replay,
or the tracker retrying one already handled) is answered 200 with `duplicate: true` and
changes nothing (`services.tracker_delivery_receive`).
"""

from __future__ import annotations

import json

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.core.api_support import accepts, errors
from tierdesk.core.errors import DomainError
from tierdesk.problems import services
from tierdesk.problems.models import Tracker, TrackerKind
from tierdesk.problems.trackers import inbound

router = Router(tags=["hooks"], auth=None)


class HookOut(Schema):
    applied: bool
    problem_id: int | None
    duplicate: bool = False


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


JIRA_EXAMPLE = {
    "timestamp": 1733560000000,
    "webhookEvent": "jira:issue_updated",
    "issue": {"id": "10002", "key": "ENG-42", "fields": {"status": {"name": "Done"}}},
    "changelog": {"items": [{"field": "status", "fromString": "In Progress", "toString": "Done"}]},
}
GITHUB_EXAMPLE = {
    "action": "closed",
    "issue": {"number": 42, "state": "closed", "labels": [{"name": "released"}]},
    "repository": {"full_name": "example/platform"},
}


def _body(example: dict, header: str, delivery_header: str) -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": True},
                    "examples": {"issue_updated": {"value": example}},
                }
            },
        },
        "parameters": [
            {
                "in": "header",
                "name": header,
                "required": True,
                "description": "sha256=<hex HMAC-SHA256 of the raw body with the tracker's secret>",
                "schema": {"type": "string"},
            },
            {
                "in": "header",
                "name": delivery_header,
                "required": False,
                "description": "The delivery's id, kept by the tracker's retries: recorded "
                "once, a second delivery with it is a duplicate (without it, the body's hash)",
                "schema": {"type": "string", "maxLength": 200},
            },
        ],
    }


def _signed_by(request: HttpRequest, kind: str) -> Tracker:
    header = request.headers.get(inbound.SIGNATURE_HEADER[kind])
    for tracker in Tracker.objects.filter(kind=kind, active=True):
        if inbound.signature_valid(tracker, request.body, header):
            return tracker
    raise Unauthenticated("The signature does not match any tracker's secret.")


def _payload(request: HttpRequest) -> dict:
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise DomainError("The body is not JSON.", code="malformed") from None
    if not isinstance(payload, dict):
        raise DomainError("The body is not a JSON object.", code="malformed")
    return payload


def _receive(request: HttpRequest, tracker: Tracker, update) -> Status:
    header = request.headers.get(inbound.DELIVERY_HEADER[tracker.kind])
    received = services.tracker_delivery_receive(
        tracker=tracker, delivery_id=inbound.delivery_id(header, request.body), update=update
    )
    body = {
        "applied": received.applied,
        "problem_id": received.problem_id,
        "duplicate": received.duplicate,
    }
    return Status(200 if received.duplicate else 202, body)


@router.post(
    "/hooks/jira",
    response={200: HookOut, 202: HookOut, **errors(400, 401, 415, 422)},
    summary="Jira's webhook (issue created/updated), signed with the tracker's secret",
    operation_id="hook_jira_receive",
    openapi_extra=_body(JIRA_EXAMPLE, "X-Hub-Signature", "X-Atlassian-Webhook-Identifier"),
)
@decorate_view(accepts("application/json"))
def jira_hook(request: HttpRequest):
    tracker = _signed_by(request, TrackerKind.JIRA)
    return _receive(request, tracker, inbound.jira_update(_payload(request)))


@router.post(
    "/hooks/github",
    response={200: HookOut, 202: HookOut, **errors(400, 401, 415, 422)},
    summary="GitHub's webhook (`issues` events), signed with the tracker's secret",
    operation_id="hook_github_receive",
    openapi_extra=_body(GITHUB_EXAMPLE, "X-Hub-Signature-256", "X-GitHub-Delivery"),
)
@decorate_view(accepts("application/json"))
def github_hook(request: HttpRequest):
    tracker = _signed_by(request, TrackerKind.GITHUB)
    payload = _payload(request)
    event = request.headers.get("X-GitHub-Event", "")
    relevant = event == "issues" and inbound.github_repository(payload) == tracker.project
    return _receive(request, tracker, inbound.github_update(payload) if relevant else None)
