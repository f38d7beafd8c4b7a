"""POST /api/v1/triage/diagnose: the obvious causes in a text and log, or in a ticket."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from pydantic import ConfigDict

from tierdesk.core.api_support import Text, accepts, errors, request_actor
from tierdesk.core.errors import InvalidInput
from tierdesk.tickets.access import get_ticket
from tierdesk.triage import selectors
from tierdesk.triage.schemas import DiagnoseOut

router = Router(tags=["triage"])
JSON = accepts("application/json")
MAX_TEXT = 1_000_000


class DiagnoseIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "Since this morning the flow fails at the Salesforce step.",
                    "log": '{"level":50,"msg":"invalid_grant: expired access/refresh token"}',
                },
                {"ticket_id": 4711},
            ]
        },
    )

    text: Text | None = Field(None, max_length=MAX_TEXT, description="The problem as described.")
    log: Text | None = Field(
        None, max_length=MAX_TEXT, description="Log lines (bunyan JSON or plain)."
    )
    ticket_id: int | None = Field(
        None, description="Diagnose this ticket's texts, logs and messages instead."
    )


@router.post(
    "/triage/diagnose",
    response={200: DiagnoseOut, **errors(400, 401, 403, 404, 413, 415, 422)},
    summary="The obvious causes (connectivity, DNS, TLS, credentials, tokens, limits) in a text",
    operation_id="triage_diagnose",
)
@decorate_view(JSON)
def triage_diagnose(request: HttpRequest, payload: DiagnoseIn):
    actor = request_actor(request)
    if payload.ticket_id is not None:
        if payload.text is not None or payload.log is not None:
            raise InvalidInput({"ticket_id": "give either ticket_id or text and log, not both"})
        ticket = get_ticket(actor, payload.ticket_id)
        return {"causes": selectors.ticket_findings(actor, ticket)}
    if not (payload.text or "").strip() and not (payload.log or "").strip():
        raise InvalidInput({"text": "give text, log or ticket_id"})
    return {
        "causes": selectors.diagnose_text(actor, text=payload.text or "", log=payload.log or "")
    }
