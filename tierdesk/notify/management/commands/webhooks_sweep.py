"""`manage.py webhooks_sweep [--every SECONDS]`: run `notify.tasks.sweep_outbox()` once,
or forever every SECONDS (beside the workers; several sweepers are safe)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from tierdesk.notify.tasks import sweep_outbox


class Command(BaseCommand):
    help = "Fan out webhook events and queue due delivery attempts that have no task."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, default=0, help="repeat every SECONDS (default: run once)"
        )

    def handle(self, *args, every: float = 0, **options):
        while True:
            close_old_connections()
            counts = sweep_outbox()
            if options.get("verbosity", 1) > 1 or not every:
                self.stdout.write(
                    f"fanned out {counts['fanned_out']}, queued {counts['queued']} attempts"
                )
            if not every:
                return
            time.sleep(every)
