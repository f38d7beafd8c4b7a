"""The words the web UI shows for the domain's values, translatable.

The models' choice labels and the gates' messages are written in English in modules that
know nothing of languages. The UI shows them through `label()` and `say()`: choice values
map to the lazy labels below, and fixed gate messages are looked up in the catalogue by
their English text (listed here with gettext_noop so `makemessages` finds them; a message
built with a value in it stays in English).
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

STATUS = {
    "new": _("New"),
    "in_progress": _("In progress"),
    "waiting_on_customer": _("Waiting on customer"),
    "verifying": _("Verifying fix"),
    "resolved": _("Resolved"),
    "closed": _("Closed"),
}
PRIORITY = {"low": _("Low"), "normal": _("Normal"), "high": _("High"), "urgent": _("Urgent")}
LEVEL = {1: _("Level 1"), 2: _("Level 2"), 3: _("Level 3")}
REPRODUCIBILITY = {
    "always": _("Always"),
    "sometimes": _("Sometimes"),
    "once": _("Happened once"),
}
CAUSE = {
    "connectivity": _("Connectivity"),
    "credentials": _("Credentials / login"),
    "configuration": _("Flow configuration"),
    "usage": _("Usage question"),
    "third_party": _("Third-party system"),
    "platform_defect": _("Platform defect"),
    "duplicate": _("Duplicate"),
    "other": _("Other"),
}
KIND = {"log": _("Log"), "screenshot": _("Screenshot"), "other": _("Other")}
ROLE = {
    "customer": _("Customer"),
    "l1_agent": _("L1 agent"),
    "partner_admin": _("Partner admin"),
    "l2_agent": _("L2 agent"),
    "support_lead": _("Support lead"),
    "l3_engineer": _("L3 engineer"),
    "admin": _("Admin"),
    "system": _("System"),
}
EVENT = {
    "created": _("Created"),
    "updated": _("Updated"),
    "taken": _("Taken"),
    "asked_customer": _("Asked the customer"),
    "customer_replied": _("Customer replied"),
    "handed_over": _("Handed over to L2"),
    "bounced": _("Bounced back to L1"),
    "escalated": _("Escalated to L3"),
    "escalation_overridden": _("Escalated by lead override"),
    "returned_to_l2": _("Returned to L2"),
    "fix_delivered": _("Fix delivered"),
    "fix_verified": _("Fix verified"),
    "fix_failed": _("Fix failed verification"),
    "resolved": _("Resolved"),
    "reopened": _("Reopened"),
    "closed": _("Closed"),
    "message_added": _("Message added"),
    "note_added": _("Internal note added"),
    "attachment_added": _("Attachment added"),
    "reproduction_recorded": _("Reproduction recorded"),
    "assigned": _("Assigned"),
    "unassigned": _("Unassigned"),
    "access_granted": _("Support access granted"),
    "access_revoked": _("Support access revoked"),
    "access_expiring": _("Support access about to end"),
    "access_revoke_asked": _("Customer asked to revoke support access"),
    "secrets_masked": _("Secrets masked in stored text"),
}
ACTION = {
    "take": _("Take"),
    "ask_customer": _("Ask the customer"),
    "customer_reply": _("Record the customer's answer"),
    "resolve": _("Resolve"),
    "hand_over": _("Hand over to L2"),
    "bounce": _("Bounce back to L1"),
    "escalate": _("Escalate to L3"),
    "return_to_l2": _("Return to L2"),
    "deliver_fix": _("Deliver a fix"),
    "verify_fix": _("Verify the fix"),
    "reopen": _("Reopen"),
    "close": _("Close"),
}
CLOCK = {
    "first_response": _("First response"),
    "next_response": _("Next response"),
    "resolution": _("Resolution"),
    "needed_by": _("Customer's deadline"),
    "customer_first": _("Customer's first response"),
    "customer_next": _("Customer's next response"),
}
VERIFICATION = {
    "pending": _("Awaiting verification"),
    "passed": _("Passed"),
    "failed": _("Failed"),
}
# At L2, taking a ticket accepts the handover; at L3 it accepts the escalation.
TAKE_AT_LEVEL = {1: _("Take"), 2: _("Accept the handover"), 3: _("Accept the escalation")}

TABLES = {
    "status": STATUS,
    "priority": PRIORITY,
    "level": LEVEL,
    "reproducibility": REPRODUCIBILITY,
    "cause": CAUSE,
    "kind": KIND,
    "role": ROLE,
    "event": EVENT,
    "action": ACTION,
    "clock": CLOCK,
    "verification": VERIFICATION,
}


# The ticket's fields as the history names them ("priority: Normal → High").
FIELD = {
    "title": _("title"),
    "priority": _("priority"),
    "incident": _("incident"),
    "is_blocker": _("blocker"),
    "blocker_impact": _("how it blocks"),
    "needed_by": _("needed by"),
    "occurred_at": _("happened"),
    "occurred_until": _("happened until"),
    "contract_id": _("contract"),
    "workspace_id": _("workspace"),
    "flow_id": _("flow"),
    "flow_version": _("flow version"),
    "no_flow_reason": _("not about one flow"),
    "reproducibility": _("how often"),
    "description": _("description"),
    "expected_behaviour": _("expected behaviour"),
    "actual_behaviour": _("actual behaviour"),
    "steps_to_reproduce": _("steps to reproduce"),
    "context": _("what the user was doing"),
    "pasted_log": _("pasted log"),
    "no_logs_reason": _("why there is no log"),
    "check_connectivity": _("connectivity check"),
    "check_credentials": _("credentials check"),
}


def field_name(name: str) -> str:
    return str(FIELD.get(name, name.replace("_", " ")))


def label(table: str, value) -> str:
    """The translated label of a choice value; the value itself when unknown."""
    return str(TABLES[table].get(value, value))


def item_title(code: str) -> str:
    """The translated title of a handover checklist item, by its code."""
    from tierdesk.tickets.workflow import HANDOVER_ITEMS

    for item in HANDOVER_ITEMS:
        if item.code == code:
            return say(item.title)
    return code


def say(text: str) -> str:
    """A fixed English message of the domain in the active language, where known."""
    return gettext(text) if text else text


# The gates' fixed texts (tickets/gates.py), for the catalogue.
GATE_TEXTS = (
    gettext_noop("Contract, workspace and flow ID"),
    gettext_noop(
        "24-hex IDs; paste the flow's URL from the address bar to fill all three. The "
        "workspace must belong to the contract and the flow to the workspace. Not about one "
        "flow: give the reason."
    ),
    gettext_noop("When it happened"),
    gettext_noop(
        "A moment or a window with its time zone, not in the future: L2 finds the events "
        "in the back-end logs by it."
    ),
    gettext_noop("Description, expected and actual behaviour"),
    gettext_noop("What the customer did, what they expected, and what happened instead."),
    gettext_noop("Logs"),
    gettext_noop(
        "The execution's log downloaded from the platform (.log), attached or pasted as "
        "text. A screenshot of a log is not a log. Or why no log exists."
    ),
    gettext_noop("Steps to reproduce"),
    gettext_noop(
        "Numbered steps; if it cannot be reproduced at will: how often it happens and what "
        "the user was doing."
    ),
    gettext_noop("Blocker right now"),
    gettext_noop("Yes or no; if yes, how it blocks the customer's work."),
    gettext_noop("Latest acceptable time"),
    gettext_noop("The customer's latest acceptable time for a solution, in the future."),
    gettext_noop("L1 checks"),
    gettext_noop(
        "Connectivity and credentials / login ruled out by an L1 agent, with a note on each."
    ),
    gettext_noop("An L1 agent must note the L1 checks; notes by anyone else do not count."),
    gettext_noop("The flow ID is missing (or say why this is not about one flow)."),
    gettext_noop("The contract ID is missing."),
    gettext_noop("The workspace ID is missing."),
    gettext_noop("The contract belongs to another partner."),
    gettext_noop("The workspace does not belong to the contract."),
    gettext_noop("The flow does not belong to the workspace."),
    gettext_noop("Say when it happened (a date and time with its time zone)."),
    gettext_noop("When it happened needs a time zone."),
    gettext_noop("When it happened lies in the future."),
    gettext_noop("The end of the window needs a time zone."),
    gettext_noop("The window ends before it starts."),
    gettext_noop("The end of the window lies in the future."),
    gettext_noop(
        "Attach the platform log as a text file (.log / .json) or paste it; "
        "a screenshot of a log is not a log. Or say why no log exists."
    ),
    gettext_noop(
        "Give the steps to reproduce, or — when it cannot be reproduced at will — "
        "how often it happens and what the user was doing."
    ),
    gettext_noop("Say whether this blocks the customer right now."),
    gettext_noop("Explain how it blocks the customer's work."),
    gettext_noop("Give the latest acceptable time for a solution."),
    gettext_noop("The latest acceptable time needs a time zone."),
    gettext_noop("The latest acceptable time has already passed."),
    gettext_noop("A screenshot of the problem (with the address bar visible) helps L2."),
    gettext_noop("Name at least one insufficient handover item."),
    gettext_noop("Say what L1 needs to add."),
    gettext_noop("Record a reproduction first."),
    gettext_noop("The problem has not been reproduced."),
    gettext_noop("The verified steps."),
    gettext_noop("The environment: contract, workspace, flow and flow version."),
    gettext_noop("What was observed."),
    gettext_noop("L2's analysis."),
    gettext_noop("Attach evidence: a log, screenshot or log lines."),
    gettext_noop("Only a support lead may override the gate."),
    gettext_noop("Record whether the fix passed verification."),
    gettext_noop("Say what still fails against the reproduction."),
    gettext_noop("Describe the solution or workaround."),
    gettext_noop("Choose the cause."),
    gettext_noop("The reopen period has ended; open a new ticket."),
    gettext_noop("Say why it is not solved."),
    gettext_noop("Close after the reopen period, or when the customer confirmed the solution."),
    gettext_noop("Write the question for the customer."),
    gettext_noop("Write the customer's answer."),
    gettext_noop("Say why it goes back to L2."),
    gettext_noop("Give the hot-fix reference."),
)
