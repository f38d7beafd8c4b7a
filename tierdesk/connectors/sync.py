"""Both ways after the handover.

Out: `record_ticket_event` hears every audit row of a linked ticket (subscribed on
`tickets.bus` in the change's transaction) and writes a job to the connector's outbox:
a public reply or a question to the customer becomes a comment on the external ticket
(public or private per connector), a public file an upload, and the mirrored moves
(waiting on customer, escalated, fix delivered, resolved) the tool's status per the
connector's mapping.

In: the tool's trigger says a comment was added; `pull_comments` reads the external
ticket and its comments page by page from where the last read stopped (the link's
position), and brings each comment Tierdesk has not seen as a message of the partner's
agent (files through the attachment service). A read stops after the client's page cap:
the position is saved and another PULL job reads on. Each comment is imported in its own
transaction under a lock on the link, checked against what was seen inside it, so two
reads at once (a retried trigger) never import one twice.

Loops: what Tierdesk wrote on the tool is remembered by the id the tool gave it and
carries a marker, so reading it back imports nothing; what Tierdesk imported is written
inside `importing()`, whose events the listener does not send back out.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator

from django.db import transaction

from tierdesk.connectors import jobs
from tierdesk.connectors.clients import Upload, client_for
from tierdesk.connectors.models import ConnectorJob, ConnectorLink, JobKind, Mirrored, SeenItem
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import InvalidInput, PayloadTooLarge
from tierdesk.tickets import services
from tierdesk.tickets.access import get_ticket, visible_attachments, visible_messages
from tierdesk.tickets.models import Channel, EventKind, TicketEvent

MARKER = "[Tierdesk "
MIRRORED = {
    EventKind.ASKED_CUSTOMER: Mirrored.WAITING_ON_CUSTOMER,
    EventKind.ESCALATED: Mirrored.ESCALATED,
    EventKind.ESCALATION_OVERRIDDEN: Mirrored.ESCALATED,
    EventKind.FIX_DELIVERED: Mirrored.FIX_DELIVERED,
    EventKind.RESOLVED: Mirrored.RESOLVED,
    EventKind.FIX_VERIFIED: Mirrored.RESOLVED,
}
KINDS = frozenset({EventKind.MESSAGE_ADDED, EventKind.ATTACHMENT_ADDED, *MIRRORED})

logger = logging.getLogger(__name__)
_importing: contextvars.ContextVar[bool] = contextvars.ContextVar("connector_import", default=False)


@contextlib.contextmanager
def importing() -> Iterator[None]:
    """What is written inside comes from the tool: it is not sent back."""
    token = _importing.set(True)
    try:
        yield
    finally:
        _importing.reset(token)


def marked(body: str, reference: str) -> str:
    return f"{body.rstrip()}\n\n{MARKER}{reference}]"


def record_ticket_event(event: TicketEvent) -> None:
    """Runs inside the change's transaction: it only reads and writes job rows (an error
    here would abort the change), and never calls the tool."""
    if _importing.get():
        return
    link = (
        ConnectorLink.objects.select_related("connector")
        .filter(ticket_id=event.ticket_id, connector__active=True)
        .first()
    )
    if link is None:
        return
    data = event.data or {}
    connector = link.connector

    def add(kind: str, payload: dict) -> None:
        jobs.job_add(
            connector=connector,
            kind=kind,
            external_id=link.external_id,
            link=link,
            payload=payload,
        )

    if event.kind == EventKind.FIX_VERIFIED and not data.get("passed", True):
        return
    message_id = data.get("message_id")
    if event.kind in (EventKind.MESSAGE_ADDED, EventKind.ASKED_CUSTOMER) and message_id:
        public = visible_messages(SYSTEM, event.ticket).filter(pk=message_id, internal=False)
        if public.exists():
            add(JobKind.COMMENT, {"message_id": message_id})
    if event.kind == EventKind.ATTACHMENT_ADDED and data.get("attachment_id"):
        if (
            visible_attachments(connector_actor_of(link), event.ticket)
            .filter(pk=data["attachment_id"], internal=False)
            .exists()
        ):
            add(JobKind.ATTACHMENT, {"attachment_id": data["attachment_id"]})
    move = MIRRORED.get(event.kind)
    if move and connector.status_for(move):
        add(JobKind.STATUS, {"move": move})


def connector_actor_of(link: ConnectorLink):
    from tierdesk.connectors.handover import connector_actor

    return connector_actor(link.connector)


def push(job: ConnectorJob) -> None:
    """A COMMENT, STATUS or ATTACHMENT job: one write on the external ticket."""
    connector = job.connector
    client = client_for(connector)
    payload = job.payload or {}
    if job.kind == JobKind.STATUS:
        client.set_status(job.external_id, connector.status_for(payload["move"]))
        return
    public = bool(payload.get("public", connector.public_comments))
    local_id = None
    files: list[Upload] = []
    body = str(payload.get("body") or "")
    reference = ""
    if job.link is not None:
        actor = connector_actor_of(job.link)
        ticket = get_ticket(actor, job.link.ticket_id)
        reference = ticket.reference
        if payload.get("message_id"):
            message = visible_messages(actor, ticket).filter(pk=payload["message_id"]).first()
            if message is None:
                return  # gone (or made internal): nothing to send
            local_id = message.pk
            body = message.body
        if payload.get("attachment_id"):
            attachment = (
                visible_attachments(actor, ticket)
                .filter(pk=payload["attachment_id"], internal=False)
                .first()
            )
            if attachment is None:
                return
            local_id = attachment.pk
            with attachment.file.open("rb") as handle:
                files = [Upload(attachment.filename, handle.read(), attachment.content_type)]
            body = f"File from {reference}: {attachment.filename}"
    if reference:
        body = marked(body, reference)
    external_comment, file_ids = client.comment(job.external_id, body, public=public, files=files)
    if job.link is not None:
        # Remember what we wrote, so reading the ticket back imports none of it.
        rows = [
            SeenItem(
                link=job.link,
                kind=SeenItem.Kind.COMMENT,
                external_id=external_comment,
                local_id=None if files else local_id,
            )
        ]
        rows += [
            SeenItem(
                link=job.link, kind=SeenItem.Kind.ATTACHMENT, external_id=file_id, local_id=local_id
            )
            for file_id in file_ids or ([""] if files else [])
        ]
        SeenItem.objects.bulk_create(rows)


def pull_comments(job: ConnectorJob) -> int:
    """A PULL job: import the external comments (and files) not seen yet. Returns how
    many comments became messages."""
    link = (
        job.link
        or ConnectorLink.objects.filter(
            connector=job.connector, external_id=job.external_id
        ).first()
    )
    if link is None:
        return 0
    client = client_for(job.connector)
    external = client.fetch(link.external_id, link.comments_position)
    seen = set(SeenItem.objects.filter(link=link).values_list("kind", "external_id"))
    actor = connector_actor_of(link)
    imported = 0
    for comment in external.comments:
        if (SeenItem.Kind.COMMENT, comment.id) in seen:
            continue
        fresh = [f for f in comment.files if (SeenItem.Kind.ATTACHMENT, f.id) not in seen]
        contents = [(f, client.download(f)) for f in fresh]
        with transaction.atomic(), importing():
            if not _still_unseen(link, comment.id):
                continue
            message = None
            if comment.body.strip() and MARKER not in comment.body:
                message = services.message_add(
                    actor=actor,
                    ticket_id=link.ticket_id,
                    body=comment.body,
                    internal=not comment.public,
                    channel=Channel.API,
                )
                imported += 1
            for file, content in contents:
                if content:
                    attachment = _attach(
                        actor, link, file.name, content, message.pk if message else None
                    )
                    SeenItem.objects.create(
                        link=link,
                        kind=SeenItem.Kind.ATTACHMENT,
                        external_id=file.id,
                        local_id=attachment.pk if attachment else None,
                    )
            SeenItem.objects.create(
                link=link,
                kind=SeenItem.Kind.COMMENT,
                external_id=comment.id,
                local_id=message.pk if message else None,
            )
    for file in external.files:  # files on the ticket itself (Freshdesk, Jira)
        if (SeenItem.Kind.ATTACHMENT, file.id) in seen:
            continue
        content = client.download(file)
        with transaction.atomic(), importing():
            if not _still_unseen(link, file.id, SeenItem.Kind.ATTACHMENT):
                continue
            attachment = _attach(actor, link, file.name, content, None) if content else None
            SeenItem.objects.create(
                link=link,
                kind=SeenItem.Kind.ATTACHMENT,
                external_id=file.id,
                local_id=attachment.pk if attachment else None,
            )
    read_on(link, external.position, more=external.more)
    return imported


def _attach(actor, link: ConnectorLink, name: str, content: bytes, message_id: int | None):
    """A file of the external ticket, or None when Tierdesk refuses it for good (infected,
    too large): it is logged and passed over, so it cannot stop the comments after it. A
    virus scanner that is down raises (ScanUnavailable): the job is tried again."""
    from tierdesk.connectors.handover import _kind

    try:
        return services.attachment_add(
            actor=actor,
            ticket_id=link.ticket_id,
            file=content,
            filename=name,
            kind=_kind(content)[0],
            internal=False,
            message_id=message_id,
        )
    except (InvalidInput, PayloadTooLarge) as exc:
        logger.warning("connector link %s: a file was refused: %s", link.pk, exc.message)
        return None


def _still_unseen(link: ConnectorLink, external_id: str, kind=SeenItem.Kind.COMMENT) -> bool:
    """Inside the import's transaction: lock the link (one import at a time per external
    ticket), then check again that no other read has imported it meanwhile."""
    ConnectorLink.objects.select_for_update().filter(pk=link.pk).first()
    return not SeenItem.objects.filter(link=link, kind=kind, external_id=external_id).exists()


def read_on(link: ConnectorLink, position: str, *, more: bool) -> None:
    """Save where the next read resumes; if the page cap stopped this one, queue the next."""
    with transaction.atomic():
        ConnectorLink.objects.filter(pk=link.pk).update(comments_position=position[:500])
        link.comments_position = position[:500]
        if more:
            jobs.job_add(
                connector=link.connector,
                kind=JobKind.PULL,
                external_id=link.external_id,
                link=link,
                payload={"reading_on": True},
            )
