"""The API's closed sets of ticket values, each a named enum built from the model's
choices (or the workflow table), so the document has one enum per set and a new choice
reaches the API by itself."""

from __future__ import annotations

from tierdesk.accounts.models import Role
from tierdesk.core.api_support import Level, api_enum
from tierdesk.tickets import models
from tierdesk.tickets.gates import HANDOVER_CODES
from tierdesk.tickets.workflow import TRANSITIONS

TicketStatus = api_enum("TicketStatus", models.Status, doc="Where a ticket is at its level.")
TicketLevel = Level
Priority = api_enum("Priority", models.Priority)
# "" is "not said yet" (kept for v1: the empty string, not null).
Reproducibility = api_enum("Reproducibility", models.Reproducibility, extra=("",))
ResolutionCause = api_enum("ResolutionCause", models.ResolutionCause)
# Exactly what `workflow.allowed_actions` can answer.
Action = api_enum(
    "TicketAction",
    [t.action for t in TRANSITIONS if t.sources],
    doc="A move of the workflow (see the `ticket_<action>` operations).",
)
EventKind = api_enum("EventKind", models.EventKind)
ActorRole = api_enum("ActorRole", Role, extra=("system",), doc="The role someone acted in.")
AttachmentKind = api_enum("AttachmentKind", models.AttachmentKind)
Channel = api_enum("Channel", models.Channel)
HandoverItem = api_enum("HandoverItem", HANDOVER_CODES, doc="An item of the handover checklist.")
HandoverOutcome = api_enum("HandoverOutcome", models.HandoverOutcome)
Verification = api_enum("Verification", models.Verification)
