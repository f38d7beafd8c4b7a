"""The body of each workflow action (`POST /tickets/{id}/actions/<action>`), and the
registry the API builds one operation per action from.

Each body names exactly the fields its service takes: required ones are required here;
whether a text is blank is the gate's to say (422 `gate_refused` with `missing`). Adding
an action to the API is one `ActionSpec` in `ACTIONS` (and its body class).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ConfigDict, Field

from tierdesk.core.api_support import Text
from tierdesk.tickets.gates import HANDOVER_CODES, REPRODUCTION_FIELDS
from tierdesk.tickets.schemas import HandoverItem, ResolutionCause, Strict, minutes_field

VERSION_HELP = (
    "The version you read; a stale one gets 409 `stale_version`. Or send the `ETag` in "
    "`If-Match` (412 `precondition_failed` when stale). Without either, no check."
)
CUSTOMER_MESSAGE_HELP = (
    "What the customer reads about it (portal and mail). Internal fields never reach the "
    "customer; write here what they should know."
)


def _examples(*examples: dict) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class ActionBody(Strict):
    version: int | None = Field(None, description=VERSION_HELP)
    minutes: int | None = minutes_field()


class TicketTakeIn(ActionBody):
    """Take the ticket from its level's intake queue (at L2: accept the handover)."""

    model_config = _examples({"version": 3})


class TicketHandOverIn(ActionBody):
    """Hand the ticket over to L2; the ticket's own fields must pass the handover gate."""

    model_config = _examples({"version": 4})


class TicketAskCustomerIn(ActionBody):
    model_config = _examples({"message": "Which order number failed first?", "version": 5})

    message: Text = Field(description="The question; the customer reads it.")


class TicketCustomerReplyIn(ActionBody):
    model_config = _examples({"message": "Order 4711, at 14:05.", "version": 6})

    message: Text = Field(description="The customer's answer.")


class TicketResolveIn(ActionBody):
    model_config = _examples(
        {
            "resolution": "The ERP password had expired; renewed it and re-ran the orders.",
            "cause": "credentials",
            "customer_message": "Your orders flow again; the failed ones were re-sent.",
            "version": 7,
        }
    )

    resolution: Text = Field(description="The solution or workaround (internal record).")
    cause: ResolutionCause  # type: ignore[valid-type]
    customer_message: Text | None = Field(None, description=CUSTOMER_MESSAGE_HELP)


class TicketBounceIn(ActionBody):
    model_config = _examples(
        {"items": ["logs"], "note": "Attach the execution log of order 4711.", "version": 2}
    )

    items: list[HandoverItem] = Field(  # type: ignore[valid-type]
        description="The insufficient handover items (at least one)."
    )
    note: Text = Field(description="What L1 needs to add.")


class TicketEscalateIn(ActionBody):
    model_config = _examples({"version": 9}, {"override_reason": "Outage; no time.", "version": 9})

    override_reason: Text | None = Field(
        None, description="A support lead's reason to escalate without a complete reproduction."
    )


class TicketReturnToL2In(ActionBody):
    model_config = _examples({"reason": "Not a platform defect: the ERP rejects it.", "version": 3})

    reason: Text


class TicketDeliverFixIn(ActionBody):
    model_config = _examples(
        {
            "reference": "HF-2026-118",
            "release": "4.12.1",
            "notes": "Persist the token.",
            "version": 4,
        }
    )

    reference: Text = Field(description="The hot-fix reference.")
    release: Text | None = None
    notes: Text | None = Field(None, description="For L2 (internal).")


class TicketVerifyFixIn(ActionBody):
    model_config = _examples(
        {
            "passed": True,
            "notes": "Orders flow again.",
            "customer_message": "The fix is live; your orders flow again.",
            "version": 5,
        },
        {"passed": False, "notes": "Still 401 after one hour.", "version": 5},
    )

    passed: bool
    notes: Text | None = Field(None, description="Internal; required when it failed.")
    customer_message: Text | None = Field(None, description=CUSTOMER_MESSAGE_HELP)


class TicketReopenIn(ActionBody):
    model_config = _examples({"reason": "It fails again since this morning.", "version": 8})

    reason: Text


class TicketCloseIn(ActionBody):
    model_config = _examples({"confirmed": True, "version": 8})

    confirmed: bool | None = Field(None, description="The customer confirmed the solution.")


@dataclass(frozen=True)
class ActionSpec:
    """One operation `ticket_<action>`: its body, summary and the gate's item codes."""

    action: str
    body: type[ActionBody]
    summary: str
    refusals: tuple[str, ...] = ()


_ESCALATION_CODES = (
    "reproduction",
    "reproduced",
    *(f"reproduction.{key}" for key, _ in REPRODUCTION_FIELDS),
    "reproduction.evidence",
    "override_reason",
)

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("take", TicketTakeIn, "Take the ticket (at L2: accept the handover)"),
    ActionSpec("hand_over", TicketHandOverIn, "Hand over to L2", HANDOVER_CODES),
    ActionSpec(
        "ask_customer", TicketAskCustomerIn, "Ask the customer (the SLA pauses)", ("message",)
    ),
    ActionSpec(
        "customer_reply", TicketCustomerReplyIn, "Record the customer's answer", ("message",)
    ),
    ActionSpec("resolve", TicketResolveIn, "Resolve at this level", ("resolution", "cause")),
    ActionSpec(
        "bounce", TicketBounceIn, "Send an insufficient handover back to L1", ("items", "note")
    ),
    ActionSpec("escalate", TicketEscalateIn, "Escalate to L3", _ESCALATION_CODES),
    ActionSpec("return_to_l2", TicketReturnToL2In, "Send it back from L3 to L2", ("reason",)),
    ActionSpec("deliver_fix", TicketDeliverFixIn, "Deliver a fix for L2 to verify", ("reference",)),
    ActionSpec(
        "verify_fix", TicketVerifyFixIn, "Record L2's verification of the fix", ("passed", "notes")
    ),
    ActionSpec("reopen", TicketReopenIn, "Reopen within the reopen period", ("period", "reason")),
    ActionSpec("close", TicketCloseIn, "Close", ("confirmed",)),
)
