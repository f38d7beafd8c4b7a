"""Every write to problems and ticket links. Views, API, tasks and tracker hooks call these."""

from tierdesk.problems.services.escalation import on_ticket_escalated, problem_escalate
from tierdesk.problems.services.fixes import (
    problem_apply_workaround,
    problem_close,
    problem_deliver_fix,
    problem_release,
    problem_start_fix,
    problem_verify_fix,
)
from tierdesk.problems.services.links import (
    ticket_link_create,
    ticket_link_delete,
    ticket_merge_into,
)
from tierdesk.problems.services.records import (
    problem_create,
    problem_link_ticket,
    problem_update,
)
from tierdesk.problems.services.tracker import (
    problem_tracker_attach,
    tracker_delivery_receive,
    tracker_update_apply,
)
from tierdesk.problems.services.tracker_calls import tracker_call_retry

__all__ = [
    "on_ticket_escalated",
    "problem_apply_workaround",
    "problem_close",
    "problem_create",
    "problem_deliver_fix",
    "problem_escalate",
    "problem_link_ticket",
    "problem_release",
    "problem_start_fix",
    "problem_tracker_attach",
    "problem_update",
    "problem_verify_fix",
    "ticket_link_create",
    "ticket_link_delete",
    "ticket_merge_into",
    "tracker_call_retry",
    "tracker_delivery_receive",
    "tracker_update_apply",
]
