"""The agent console's HTML views (the customer portal has its own app). Thin: parse,
call a service or a selector, render; refusals become pages with their status."""

from tierdesk.tickets.views.actions import (
    attachment_upload,
    message_post,
    reproduction_check,
    reproduction_post,
    ticket_action,
)
from tierdesk.tickets.views.assign import ticket_assign
from tierdesk.tickets.views.bulk import bulk_post
from tierdesk.tickets.views.detail import (
    attachment_download,
    attachment_image,
    ticket_detail,
)
from tierdesk.tickets.views.edit import checklist, platform_ids, ticket_edit, ticket_new
from tierdesk.tickets.views.queues import home, queue

__all__ = [
    "attachment_download",
    "attachment_image",
    "attachment_upload",
    "bulk_post",
    "checklist",
    "home",
    "message_post",
    "platform_ids",
    "queue",
    "reproduction_check",
    "reproduction_post",
    "ticket_action",
    "ticket_assign",
    "ticket_detail",
    "ticket_edit",
    "ticket_new",
]
