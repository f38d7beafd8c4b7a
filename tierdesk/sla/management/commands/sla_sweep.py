"""`manage.py sla_sweep`: run the SLA sweep once, now (the worker's beat runs it every
minute; this is for operators and for a cron without a worker)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from tierdesk.core import clock
from tierdesk.sla import services


class Command(BaseCommand):
    help = "Mark SLA clocks at risk / breached, record and announce them, once."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(services.sweep_and_notify(now=clock.now())))
