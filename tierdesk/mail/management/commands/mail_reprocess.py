"""`manage.py mail_reprocess ID … | --all`: process held (quarantined) mail again."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tierdesk.core.actor import SYSTEM
from tierdesk.mail.models import HeldMail, HeldReason
from tierdesk.mail.services import held_reprocess


class Command(BaseCommand):
    help = "Process held (quarantined) mail again."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int)
        parser.add_argument("--all", action="store_true", help="every open quarantined mail")

    def handle(self, *args, **options):
        ids = list(options["ids"])
        if options["all"]:
            rows = HeldMail.objects.filter(resolved_at__isnull=True).exclude(
                reason=HeldReason.UNKNOWN_SENDER
            )
            ids += list(rows.order_by("pk").values_list("pk", flat=True))
        for held_id in dict.fromkeys(ids):
            result = held_reprocess(actor=SYSTEM, held_id=held_id)
            self.stdout.write(f"held mail {held_id}: {result.outcome} {result.detail}".rstrip())
