"""The beat: periodic jobs (the SLA sweep, the webhook outbox sweep, the connectors' job
sweep, the mail sweep, the IMAP fetch, the in-app SLA notifications, the automation rules
every five minutes (reminders, closing resolved tickets whose reopen period ended…), the
hourly pruning of finished rows past their retention and of expired idempotency keys, and
the hourly mail to the people of API tokens that expire soon) enqueued on the database
task queue at their interval, exactly once per interval however many workers run.

Each `tierdesk worker` runs `beat_forever()` in a thread beside `db_worker`. A due job is
claimed with a conditional UPDATE on its `PeriodicLease` row (only one worker's UPDATE
matches), then its task is enqueued; whichever worker is free runs it. The jobs are
idempotent, so a claim lost to a crash costs one interval, never a duplicate effect.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction

from tierdesk.core import clock
from tierdesk.core.models import PeriodicLease

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    task_path: str  # "module:attribute" of a django-tasks task
    every_seconds: int

    def task(self):
        module, attribute = self.task_path.split(":")
        return getattr(import_module(module), attribute)


HOURLY = 3600
AUTOMATION_SECONDS = 300


def _mail_fetch_seconds() -> int:
    return settings.TIERDESK_MAIL_FETCH_SECONDS


def jobs() -> tuple[Job, ...]:
    return (
        Job("sla.sweep", "tierdesk.sla.tasks:sla_sweep_task", settings.TIERDESK_SLA_SWEEP_SECONDS),
        Job("webhooks.sweep", "tierdesk.notify.tasks:sweep_outbox_task", 60),
        Job("connectors.sweep", "tierdesk.connectors.tasks:sweep_jobs_task", 60),
        Job("mail.sweep", "tierdesk.mail.tasks:sweep_mail_task", 60),
        Job("mail.fetch", "tierdesk.mail.tasks:fetch_mail_task", _mail_fetch_seconds()),
        Job("notifications.sla", "tierdesk.notifications.tasks:sla_notifications_task", 60),
        Job("chat.timeout", "tierdesk.chat.tasks:chats_time_out_task", 60),
        Job("grants.remind", "tierdesk.grants.tasks:grants_remind_task", 300),
        # Automation rules, the built-in ones among them (`tierdesk/automation/`).
        Job("automation.rules", "tierdesk.automation.tasks:run_rules_task", AUTOMATION_SECONDS),
        # Retention (`core.retention`): finished rows past their days, in batches.
        Job("webhooks.prune", "tierdesk.notify.tasks:prune_webhooks_task", HOURLY),
        Job("connectors.prune", "tierdesk.connectors.tasks:prune_connectors_task", HOURLY),
        Job("mail.prune", "tierdesk.mail.retention:prune_mail_task", HOURLY),
        Job("tasks.prune", "tierdesk.core.retention:prune_task_results_task", HOURLY),
        Job("idempotency.prune", "tierdesk.core.tasks:prune_idempotency_keys_task", HOURLY),
        # Retention rules per partner and plan (`identity.retention`): anonymise, delete.
        Job("identity.retention", "tierdesk.identity.retention:apply_retention_rules_task", HOURLY),
        # API tokens that expire soon: their people are told how to renew, once per token.
        Job("identity.token_expiry", "tierdesk.identity.tasks:tokens_expiry_remind_task", HOURLY),
    )


def claim(job: Job, *, now) -> bool:
    """True for exactly one caller per interval: the one whose UPDATE moved the lease."""
    following = now + timedelta(seconds=job.every_seconds)
    claimed = PeriodicLease.objects.filter(name=job.name, next_run_at__lte=now).update(
        next_run_at=following, last_run_at=now
    )
    if claimed:
        return True
    if PeriodicLease.objects.filter(name=job.name).exists():
        return False
    try:
        with transaction.atomic():
            PeriodicLease.objects.create(name=job.name, next_run_at=following, last_run_at=now)
    except IntegrityError:  # another worker created it first and owns this interval
        return False
    return True


def tick() -> list[str]:
    """Enqueue every job that is due now; returns the names enqueued."""
    now = clock.now()
    enqueued = []
    for job in jobs():
        if claim(job, now=now):
            job.task().enqueue()
            enqueued.append(job.name)
    return enqueued


def beat_forever(stop: threading.Event, *, interval: float = 5.0) -> None:
    """Tick until `stop` is set. A failing tick is logged and retried next time."""
    while not stop.is_set():
        try:
            close_old_connections()
            names = tick()
            if names:
                log.info("beat enqueued %s", ", ".join(names))
        except Exception:
            log.exception("beat tick failed; trying again in %.0f s", interval)
        finally:
            close_old_connections()
        stop.wait(interval)
