"""The gates of the ticket process: what each move needs before it may happen.

Pure: no database, no clock. A gate takes a `Context` (actor, ticket state, `now`, the
action's payload and the facts it needs) and returns every `Missing` item; the handover
gate is one function per item, each with a stable code. `workflow` puts them in its table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Missing
from tierdesk.directory.platform import check_platform_id
from tierdesk.tickets.models import ResolutionCause


class TicketState(Protocol):
    """What the workflow reads of a ticket (a Ticket instance satisfies it)."""

    level: int
    status: str
    resolved_at: datetime | None
    resolved_level: int | None


# ---------------------------------------------------------------------------------------
# Facts the gates read
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DirectoryFacts:
    """What the directory knows of the given IDs. None means "not in the directory"."""

    contract_partner_id: int | None = None
    contract_partner_name: str = ""
    workspace_contract_id: str | None = None
    flow_workspace_id: str | None = None


@dataclass(frozen=True)
class HandoverDraft:
    """The handover items as they stand: a saved ticket or a form being typed."""

    partner_id: int | None = None
    contract_id: str = ""
    workspace_id: str = ""
    flow_id: str = ""
    no_flow_reason: str = ""
    occurred_at: datetime | None = None
    occurred_until: datetime | None = None
    description: str = ""
    expected_behaviour: str = ""
    actual_behaviour: str = ""
    text_logs: int = 0
    pasted_log: str = ""
    no_logs_reason: str = ""
    screenshots: int = 0
    steps_to_reproduce: str = ""
    reproducibility: str = ""
    context: str = ""
    is_blocker: bool | None = None
    blocker_impact: str = ""
    needed_by: datetime | None = None
    check_connectivity: str = ""
    check_credentials: str = ""
    # The checks were noted by L1 staff (an L1 agent or partner admin), not by the
    # customer or anyone else: only then do they count.
    checks_by_l1: bool = False
    directory: DirectoryFacts = field(default_factory=DirectoryFacts)


@dataclass(frozen=True)
class ReproductionDraft:
    reproduced: bool = False
    steps: str = ""
    environment: str = ""
    observed: str = ""
    analysis: str = ""
    evidence_count: int = 0
    evidence_log_lines: str = ""


@dataclass(frozen=True)
class Context:
    actor: Actor
    ticket: TicketState | None
    now: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    handover: HandoverDraft | None = None
    reproduction: ReproductionDraft | None = None
    reopen_period: timedelta = timedelta(days=14)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _aware(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is not None and value.utcoffset() is not None


# ---------------------------------------------------------------------------------------
# The handover gate (L1 → L2): one function per item, each returns why it fails or None
# ---------------------------------------------------------------------------------------
def _item_platform_ids(d: HandoverDraft, now: datetime) -> str | None:
    flow_needed = _blank(d.no_flow_reason)
    named = [("contract", d.contract_id)]
    if flow_needed or d.workspace_id:
        named.append(("workspace", d.workspace_id))
    if flow_needed or d.flow_id:
        named.append(("flow", d.flow_id))
    for what, value in named:
        if _blank(value):
            if what == "flow":
                return "The flow ID is missing (or say why this is not about one flow)."
            return f"The {what} ID is missing."
        problem = check_platform_id(value)
        if problem:
            return f"The {what} ID {problem}."
    facts = d.directory
    if facts.contract_partner_id is not None and d.partner_id is not None:
        if facts.contract_partner_id != d.partner_id:
            return "The contract belongs to another partner."
    if d.workspace_id and facts.workspace_contract_id is not None:
        if facts.workspace_contract_id != d.contract_id:
            return "The workspace does not belong to the contract."
    if d.flow_id and facts.flow_workspace_id is not None:
        if facts.flow_workspace_id != d.workspace_id:
            return "The flow does not belong to the workspace."
    return None


def _item_occurred_at(d: HandoverDraft, now: datetime) -> str | None:
    if d.occurred_at is None:
        return "Say when it happened (a date and time with its time zone)."
    if not _aware(d.occurred_at):
        return "When it happened needs a time zone."
    if d.occurred_at > now:
        return "When it happened lies in the future."
    if d.occurred_until is not None:
        if not _aware(d.occurred_until):
            return "The end of the window needs a time zone."
        if d.occurred_until < d.occurred_at:
            return "The window ends before it starts."
        if d.occurred_until > now:
            return "The end of the window lies in the future."
    return None


def _item_description(d: HandoverDraft, now: datetime) -> str | None:
    lacking = [
        label
        for label, value in (
            ("a description", d.description),
            ("the expected behaviour", d.expected_behaviour),
            ("the actual behaviour", d.actual_behaviour),
        )
        if _blank(value)
    ]
    if lacking:
        return "Add " + ", ".join(lacking) + "."
    return None


def _item_logs(d: HandoverDraft, now: datetime) -> str | None:
    if d.text_logs > 0 or not _blank(d.pasted_log) or not _blank(d.no_logs_reason):
        return None
    return (
        "Attach the platform log as a text file (.log / .json) or paste it; "
        "a screenshot of a log is not a log. Or say why no log exists."
    )


def _item_steps(d: HandoverDraft, now: datetime) -> str | None:
    if not _blank(d.steps_to_reproduce):
        return None
    if d.reproducibility in ("sometimes", "once") and not _blank(d.context):
        return None
    return (
        "Give the steps to reproduce, or — when it cannot be reproduced at will — "
        "how often it happens and what the user was doing."
    )


def _item_blocker(d: HandoverDraft, now: datetime) -> str | None:
    if d.is_blocker is None:
        return "Say whether this blocks the customer right now."
    if d.is_blocker and _blank(d.blocker_impact):
        return "Explain how it blocks the customer's work."
    return None


def _item_deadline(d: HandoverDraft, now: datetime) -> str | None:
    if d.needed_by is None:
        return "Give the latest acceptable time for a solution."
    if not _aware(d.needed_by):
        return "The latest acceptable time needs a time zone."
    if d.needed_by <= now:
        return "The latest acceptable time has already passed."
    return None


def _item_l1_checks(d: HandoverDraft, now: datetime) -> str | None:
    lacking = [
        what
        for what, note in (
            ("connectivity", d.check_connectivity),
            ("credentials / login", d.check_credentials),
        )
        if _blank(note)
    ]
    if lacking:
        return "Note how L1 ruled out " + " and ".join(lacking) + "."
    if not d.checks_by_l1:
        return "An L1 agent must note the L1 checks; notes by anyone else do not count."
    return None


@dataclass(frozen=True)
class GateItem:
    code: str
    title: str
    help: str
    check: Callable[[HandoverDraft, datetime], str | None]


HANDOVER_ITEMS: tuple[GateItem, ...] = (
    GateItem(
        "platform_ids",
        "Contract, workspace and flow ID",
        "24-hex IDs; paste the flow's URL from the address bar to fill all three. The "
        "workspace must belong to the contract and the flow to the workspace. Not about one "
        "flow: give the reason.",
        _item_platform_ids,
    ),
    GateItem(
        "occurred_at",
        "When it happened",
        "A moment or a window with its time zone, not in the future: L2 finds the events "
        "in the back-end logs by it.",
        _item_occurred_at,
    ),
    GateItem(
        "description",
        "Description, expected and actual behaviour",
        "What the customer did, what they expected, and what happened instead.",
        _item_description,
    ),
    GateItem(
        "logs",
        "Logs",
        "The execution's log downloaded from the platform (.log), attached or pasted as "
        "text. A screenshot of a log is not a log. Or why no log exists.",
        _item_logs,
    ),
    GateItem(
        "steps",
        "Steps to reproduce",
        "Numbered steps; if it cannot be reproduced at will: how often it happens and what "
        "the user was doing.",
        _item_steps,
    ),
    GateItem(
        "blocker",
        "Blocker right now",
        "Yes or no; if yes, how it blocks the customer's work.",
        _item_blocker,
    ),
    GateItem(
        "deadline",
        "Latest acceptable time",
        "The customer's latest acceptable time for a solution, in the future.",
        _item_deadline,
    ),
    GateItem(
        "l1_checks",
        "L1 checks",
        "Connectivity and credentials / login ruled out by an L1 agent, with a note on each.",
        _item_l1_checks,
    ),
)
HANDOVER_CODES = tuple(item.code for item in HANDOVER_ITEMS)


def handover_missing(draft: HandoverDraft, now: datetime) -> list[Missing]:
    """Every handover item the draft does not yet satisfy, in checklist order."""
    missing = []
    for item in HANDOVER_ITEMS:
        reason = item.check(draft, now)
        if reason:
            missing.append(Missing(item.code, reason))
    return missing


def handover_recommendations(draft: HandoverDraft) -> list[Missing]:
    """What helps L2 but is not required."""
    if draft.screenshots == 0:
        return [
            Missing(
                "screenshots",
                "A screenshot of the problem (with the address bar visible) helps L2.",
            )
        ]
    return []


# ---------------------------------------------------------------------------------------
# The other gates
# ---------------------------------------------------------------------------------------
def gate_handover(ctx: Context) -> list[Missing]:
    if ctx.handover is None:
        raise ValueError("The handover gate needs a HandoverDraft.")
    return handover_missing(ctx.handover, ctx.now)


def require_text(key: str, code: str, message: str) -> Callable[[Context], list[Missing]]:
    def gate(ctx: Context) -> list[Missing]:
        return [Missing(code, message)] if _blank(ctx.payload.get(key)) else []

    gate.__doc__ = message
    return gate


def gate_bounce(ctx: Context) -> list[Missing]:
    """At least one named handover item, and what L1 must add."""
    missing = []
    items = ctx.payload.get("items") or []
    unknown = [code for code in items if code not in HANDOVER_CODES]
    if not items:
        missing.append(Missing("items", "Name at least one insufficient handover item."))
    elif unknown:
        missing.append(Missing("items", f"Unknown handover items: {', '.join(unknown)}."))
    if _blank(ctx.payload.get("note")):
        missing.append(Missing("note", "Say what L1 needs to add."))
    return missing


REPRODUCTION_FIELDS = (
    ("steps", "The verified steps."),
    ("environment", "The environment: contract, workspace, flow and flow version."),
    ("observed", "What was observed."),
    ("analysis", "L2's analysis."),
)


def reproduction_missing(r: ReproductionDraft | None) -> list[Missing]:
    if r is None:
        return [Missing("reproduction", "Record a reproduction first.")]
    missing = []
    if not r.reproduced:
        missing.append(Missing("reproduced", "The problem has not been reproduced."))
    for key, message in REPRODUCTION_FIELDS:
        if _blank(getattr(r, key)):
            missing.append(Missing(f"reproduction.{key}", message))
    if r.evidence_count == 0 and _blank(r.evidence_log_lines):
        missing.append(
            Missing("reproduction.evidence", "Attach evidence: a log, screenshot or log lines.")
        )
    return missing


def gate_escalate(ctx: Context) -> list[Missing]:
    """A complete reproduction record, or a support lead's written override."""
    override = ctx.payload.get("override_reason")
    if not _blank(override):
        if ctx.actor.role != Role.SUPPORT_LEAD:
            return [Missing("override_reason", "Only a support lead may override the gate.")]
        return []
    return reproduction_missing(ctx.reproduction)


def gate_verify(ctx: Context) -> list[Missing]:
    """A verdict, passed or failed; a failed one says what still fails."""
    passed = ctx.payload.get("passed")
    if not isinstance(passed, bool):
        return [Missing("passed", "Record whether the fix passed verification.")]
    if not passed and _blank(ctx.payload.get("notes")):
        return [Missing("notes", "Say what still fails against the reproduction.")]
    return []


def gate_resolve(ctx: Context) -> list[Missing]:
    """A resolution text and its cause."""
    missing = []
    if _blank(ctx.payload.get("resolution")):
        missing.append(Missing("resolution", "Describe the solution or workaround."))
    if ctx.payload.get("cause") not in ResolutionCause.values:
        missing.append(Missing("cause", "Choose the cause."))
    return missing


def gate_reopen(ctx: Context) -> list[Missing]:
    """Within the reopen period, with a reason."""
    missing = []
    ticket = ctx.ticket
    if ticket is not None and ticket.resolved_at is not None:
        if ctx.now > ticket.resolved_at + ctx.reopen_period:
            missing.append(Missing("period", "The reopen period has ended; open a new ticket."))
    if _blank(ctx.payload.get("reason")):
        missing.append(Missing("reason", "Say why it is not solved."))
    return missing


def gate_close(ctx: Context) -> list[Missing]:
    """The reopen period has passed, or the customer confirmed the solution."""
    ticket = ctx.ticket
    if ctx.actor.is_customer or ctx.payload.get("confirmed") is True:
        return []
    if ticket is not None and ticket.resolved_at is not None:
        if ctx.now >= ticket.resolved_at + ctx.reopen_period:
            return []
    return [
        Missing(
            "confirmed",
            "Close after the reopen period, or when the customer confirmed the solution.",
        )
    ]
