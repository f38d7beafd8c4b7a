"""Every write to tickets. Views, API, mail intake, tasks and the CLI call these."""

from tierdesk.tickets.services.assign import ticket_assign
from tierdesk.tickets.services.bulk import BULK_MAX, BulkAction, BulkItem, tickets_bulk
from tierdesk.tickets.services.conversation import (
    attachment_add,
    message_add,
    reproduction_record,
    system_message_add,
    ticket_event_add,
)
from tierdesk.tickets.services.create import may_edit, ticket_create, ticket_update
from tierdesk.tickets.services.erase import ticket_erase, ticket_erase_by
from tierdesk.tickets.services.merge import ticket_merge
from tierdesk.tickets.services.transitions import (
    ACTION_SERVICES,
    ticket_act,
    ticket_ask_customer,
    ticket_bounce,
    ticket_close,
    ticket_customer_reply,
    ticket_deliver_fix,
    ticket_escalate,
    ticket_hand_over,
    ticket_reopen,
    ticket_resolve,
    ticket_return_to_l2,
    ticket_take,
    ticket_verify_fix,
)

__all__ = [
    "ACTION_SERVICES",
    "BULK_MAX",
    "BulkAction",
    "BulkItem",
    "attachment_add",
    "may_edit",
    "message_add",
    "reproduction_record",
    "system_message_add",
    "ticket_act",
    "ticket_ask_customer",
    "ticket_assign",
    "ticket_bounce",
    "ticket_close",
    "ticket_create",
    "ticket_customer_reply",
    "ticket_deliver_fix",
    "ticket_erase",
    "ticket_erase_by",
    "ticket_escalate",
    "ticket_event_add",
    "ticket_hand_over",
    "ticket_merge",
    "ticket_reopen",
    "ticket_resolve",
    "ticket_return_to_l2",
    "ticket_take",
    "ticket_update",
    "ticket_verify_fix",
    "tickets_bulk",
]
