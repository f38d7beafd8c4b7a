"""A handover from the partner's tool: read the external ticket, its comments and files
through the tool's REST API, map them to a ticket, and run the handover gate.

Incomplete: nothing is written in Tierdesk; a private comment on the external ticket
lists every missing item in the checklist's words (unless the newest comment there is
that same list: a trigger firing on Tierdesk's own note gets no second one).
Complete: in one transaction the connector's agent (the partner's L1 person set on the
connector) opens the ticket, the files go through the attachment service like any upload
(type sniffed, a log must be text, secrets masked), the agent takes it and hands it
over: the same gate decides again, and the L2 ticket is linked to the external one.
Everything runs as that agent, through the access choke point: a connector can only
ever write its own partner's tickets."""

from __future__ import annotations

import dataclasses
import html
import re
from typing import Any

from django.db import transaction

from tierdesk.connectors import jobs, sync
from tierdesk.connectors.clients import ExternalTicket, client_for, text_of
from tierdesk.connectors.models import Connector, ConnectorJob, ConnectorLink, JobKind, SeenItem
from tierdesk.core import clock
from tierdesk.core.actor import Actor, actor_for
from tierdesk.core.errors import DomainError, InvalidInput, TransitionRefused
from tierdesk.directory.platform import PlatformUrlError, parse_platform_url
from tierdesk.tickets import selectors, services, workflow
from tierdesk.tickets.fields import CHECK_FIELDS, clean_ticket_fields
from tierdesk.tickets.models import AttachmentKind, Channel, Ticket
from tierdesk.tickets.sniff import is_image_type, is_text_type, sniff_content_type

MAX_FILES = 20
URL = re.compile(r"https?://[^\s<>\"')\]]+")
TITLES = {item.code: item.title for item in workflow.HANDOVER_ITEMS}


def connector_actor(connector: Connector) -> Actor:
    """The partner's L1 person the connector acts as; refused if they no longer are."""
    actor = actor_for(connector.agent)
    if actor.org_id != connector.partner_id or not actor.is_partner_staff:
        raise DomainError("the connector's agent is no longer an L1 person of the partner")
    return actor


def _value(value: Any) -> Any:
    return value if isinstance(value, bool) else text_of(value)


def map_ticket(connector: Connector, ticket: ExternalTicket) -> dict[str, Any]:
    """The Tierdesk fields of an external ticket: subject and description, the mapped
    custom fields, the platform URL found in a field or the text, and the agent's
    comments as context."""
    data: dict[str, Any] = {
        "title": (ticket.subject or f"{connector.get_tool_display()} {ticket.id}")[:200],
        "description": ticket.description or ticket.subject or "",
    }
    for key, field in (connector.field_map or {}).items():
        value = ticket.fields.get(key)
        if value not in (None, "", []):
            data[field] = _value(value)
    comments = [c.body.strip() for c in ticket.comments if c.body.strip()]
    if comments and comments[0] == ticket.description.strip():
        comments = comments[1:]  # Zendesk's first comment is the description
    if comments and "context" not in data:
        data["context"] = "\n\n".join(comments)[:10000]
    if not any(data.get(k) for k in ("contract_id", "platform_url")):
        text = "\n".join([str(v) for v in data.values()] + comments)
        for url in URL.findall(text):
            try:
                parse_platform_url(url)
            except PlatformUrlError:
                continue
            data["platform_url"] = url
            break
    return data


def _kind(content: bytes) -> tuple[str, str]:
    content_type = sniff_content_type(content[:8192])
    if is_text_type(content_type):
        return AttachmentKind.LOG, content_type
    if is_image_type(content_type):
        return AttachmentKind.SCREENSHOT, content_type
    return AttachmentKind.OTHER, content_type


def missing_text(items: list[tuple[str, str]], reference: str = "") -> str:
    lines = [
        "Tierdesk cannot take this ticket over yet. Please complete these items and "
        "trigger the handover again:",
        *(f"- {title}: {reason}" for title, reason in items),
    ]
    return "\n".join(lines)


def handover_run(job: ConnectorJob) -> None:
    """The HANDOVER job: raises ToolError (retried) when the tool cannot be read."""
    connector = job.connector
    external_id = job.external_id
    if ConnectorLink.objects.filter(connector=connector, external_id=external_id).exists():
        return
    actor = connector_actor(connector)
    client = client_for(connector)
    external = client.fetch(external_id)
    files = []
    for file in external.all_files()[:MAX_FILES]:
        content = client.download(file)
        if content:
            files.append((file, content, *_kind(content)))
    now = clock.now()
    data = map_ticket(connector, external)
    cleaned, errors = clean_ticket_fields(data, now=now, creating=True)
    for key in errors:
        data.pop(key, None)
    if errors:
        cleaned, _ = clean_ticket_fields(data, now=now, creating=True)
    problems = [(f"Field {key}", reason) for key, reason in errors.items()]
    draft = selectors.handover_draft(_unsaved(connector, actor, cleaned))
    draft = dataclasses.replace(
        draft,
        text_logs=draft.text_logs + sum(1 for f in files if f[2] == AttachmentKind.LOG),
        screenshots=draft.screenshots + sum(1 for f in files if f[2] == AttachmentKind.SCREENSHOT),
    )
    problems += [
        (TITLES.get(m.code, m.code), m.message) for m in workflow.handover_missing(draft, now)
    ]
    if not problems:
        try:
            _hand_over(connector, actor, external, data, files)
            return
        except TransitionRefused as refused:
            problems = [(TITLES.get(m.code, m.code), m.message) for m in refused.missing]
        except InvalidInput as invalid:
            problems = [(f"Field {k}", v) for k, v in invalid.fields.items()]
    text = missing_text(problems)
    if _said_already(external, text):
        return
    with transaction.atomic():
        jobs.job_add(
            connector=connector,
            kind=JobKind.COMMENT,
            external_id=external_id,
            payload={"body": text, "public": False},
        )


def _said_already(external: ExternalTicket, text: str) -> bool:
    """The newest comment on the external ticket is this very answer: nothing changed
    since. A trigger that fires on Tierdesk's own note (one webhook for handovers and
    comments, without the "not the API user" condition) must not get it again, and again."""
    if not external.comments or external.more:
        return False
    return _plain(external.comments[-1].body) == _plain(text)


def _plain(text: str) -> str:
    return " ".join(html.unescape(text).split())


def _unsaved(connector: Connector, actor: Actor, cleaned: dict[str, Any]) -> Ticket:
    ticket = Ticket(partner=connector.partner, **cleaned)
    if actor.level == 1 and any(str(cleaned.get(k) or "").strip() for k in CHECK_FIELDS):
        ticket.l1_checks_by = actor.user
    return ticket


@transaction.atomic
def _hand_over(connector, actor, external: ExternalTicket, data, files) -> Ticket:
    with sync.importing():
        ticket = services.ticket_create(actor=actor, data=data, channel=Channel.API)
        link = ConnectorLink.objects.create(
            connector=connector,
            ticket=ticket,
            external_id=external.id,
            comments_position=external.position[:500],
        )
        for file, content, kind, _ in files:
            services.attachment_add(
                actor=actor,
                ticket_id=ticket.pk,
                file=content,
                filename=file.name,
                kind=kind,
                internal=False,
            )
        SeenItem.objects.bulk_create(
            [
                SeenItem(link=link, kind=SeenItem.Kind.COMMENT, external_id=c.id)
                for c in external.comments
            ]
            + [
                SeenItem(link=link, kind=SeenItem.Kind.ATTACHMENT, external_id=f.id)
                for f in external.all_files()
            ]
        )
        services.ticket_take(actor=actor, ticket_id=ticket.pk)
        ticket = services.ticket_hand_over(actor=actor, ticket_id=ticket.pk)
    if external.more:  # the page cap stopped the read: the later comments come as messages
        sync.read_on(link, external.position, more=True)
    jobs.job_add(
        connector=connector,
        kind=JobKind.COMMENT,
        external_id=external.id,
        link=link,
        payload={
            "body": f"Handed over to the vendor's L2 support as {ticket.reference}.",
            "public": False,
        },
    )
    return ticket
