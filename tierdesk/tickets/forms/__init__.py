"""The shape of what the ticket pages send (forms check shape; the workflow and the
services decide)."""

from tierdesk.tickets.forms.actions import (
    ACTION_FORMS,
    ActionForm,
    MessageForm,
    ReproductionForm,
    action_form,
)
from tierdesk.tickets.forms.queues import QueueFilterForm
from tierdesk.tickets.forms.ticket import TicketForm, UploadForm, guess_kind

__all__ = [
    "ACTION_FORMS",
    "ActionForm",
    "MessageForm",
    "QueueFilterForm",
    "ReproductionForm",
    "TicketForm",
    "UploadForm",
    "action_form",
    "guess_kind",
]
