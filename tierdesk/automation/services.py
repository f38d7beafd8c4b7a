"""Built-in automations, run by the beat. Each change goes through the ticket services
(so it is an audited ticket event by the system, and the customer is told as usual).

* `close_after_reopen_period`: a resolved ticket is closed once its reopen period
  (`TIERDESK_REOPEN_DAYS`) has ended. `dry_run=True` lists the tickets it would close,
  without changing anything: exactly the ones the real run closes at the same moment.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from tierdesk.automation import selectors
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import DomainError
from tierdesk.tickets import services as tickets

log = logging.getLogger(__name__)
BATCH = 200


def close_after_reopen_period(
    *, now: datetime | None = None, dry_run: bool = False, limit: int = BATCH
) -> list[int]:
    """Close the resolved tickets whose reopen period ended; returns their numbers (the
    ones it would close, with `dry_run`)."""
    now = now or clock.now()
    due = list(selectors.reopen_period_over(now=now).values_list("pk", "number")[:limit])
    if dry_run:
        return [number for _pk, number in due]
    closed = []
    for pk, number in due:
        try:
            with transaction.atomic():
                tickets.ticket_close(actor=SYSTEM, ticket_id=pk)
        except DomainError as exc:  # changed meanwhile (reopened): the next run sees it
            log.info("automation: ticket %s not closed: %s", number, exc)
            continue
        closed.append(number)
    return closed
