"""`manage.py search_reindex [--logs]`: rebuild every ticket's search document and error
signatures (after an upgrade that brings search to existing data, or a restore). With
`--logs`, first read every log attachment that has not been read into lines yet."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tierdesk.core.actor import SYSTEM
from tierdesk.logs.models import LogFile, ParseStatus
from tierdesk.logs.services import log_parse
from tierdesk.search.services import document_refresh
from tierdesk.tickets.access import visible_attachments, visible_tickets
from tierdesk.tickets.models import AttachmentKind
from tierdesk.tickets.sniff import is_text_type


class Command(BaseCommand):
    help = "Rebuild the search documents and error signatures of every ticket."

    def add_arguments(self, parser):
        parser.add_argument("--logs", action="store_true", help="read unread logs first")

    def handle(self, *args, logs: bool = False, **options):
        read = done = 0
        read_ids = LogFile.objects.exclude(status=ParseStatus.PENDING).values("attachment_id")
        for ticket in visible_tickets(SYSTEM).order_by("pk").iterator():
            if logs:
                unread = visible_attachments(SYSTEM, ticket).filter(kind=AttachmentKind.LOG)
                for attachment in unread.exclude(pk__in=read_ids):
                    if is_text_type(attachment.content_type):
                        log_parse(attachment_id=attachment.pk)
                        read += 1
            document_refresh(ticket_id=ticket.pk)
            done += 1
        self.stdout.write(f"{read} logs read, {done} tickets indexed")
