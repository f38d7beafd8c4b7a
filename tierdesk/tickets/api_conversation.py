"""A ticket's conversation, files and audit trail: parse → call a service or an access
read → shape the answer. Customers see public messages and files only, and no events."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Router
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.responses import Status

from tierdesk.core.actor import Actor
from tierdesk.core.api_support import (
    READ_ERRORS,
    RETRY_AFTER,
    accepts,
    errors,
    header,
    openapi_extra,
    request_actor,
)
from tierdesk.tickets import access, services, worklog
from tierdesk.tickets.downloads import attachment_response
from tierdesk.tickets.models import Attachment, Channel, Message, TicketEvent
from tierdesk.tickets.schemas import AttachmentKind, AttachmentOut, EventOut, MessageIn, MessageOut

router = Router()
JSON = accepts("application/json")


def message_out(m: Message, actor: Actor | None = None) -> dict:
    author = m.author.email if m.author_id else None
    if actor is not None and actor.is_customer and m.author_id != actor.user_id:
        author = None  # support answers as the brand; its people stay unnamed
    return {
        "id": m.pk,
        "body": m.body,
        "internal": m.internal,
        "author": author,
        "channel": m.channel,
        "created_at": m.created_at,
    }


@router.get(
    "/tickets/{ticket_id}/messages",
    response={200: list[MessageOut], **READ_ERRORS},
    summary="The conversation (customers see only public messages)",
    operation_id="message_list",
    tags=["messages"],
)
def list_messages(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    ticket = access.get_ticket(actor, ticket_id)
    messages = access.visible_messages(actor, ticket).select_related("author")
    return [message_out(m, actor) for m in messages]


@router.post(
    "/tickets/{ticket_id}/messages",
    response={201: MessageOut, **errors(400, 401, 403, 404, 409, 413, 415, 422)},
    summary="Add a public message or an internal note",
    operation_id="message_create",
    tags=["messages"],
)
@decorate_view(JSON)
def post_message(request: HttpRequest, ticket_id: int, payload: MessageIn):
    with worklog.reporting(payload.minutes):
        message = services.message_add(
            actor=request_actor(request),
            ticket_id=ticket_id,
            body=payload.body,
            internal=payload.internal,
            channel=Channel.API,
        )
    return Status(201, message_out(message, request_actor(request)))


def attachment_out(a: Attachment) -> dict:
    return {
        "id": a.pk,
        "filename": a.filename,
        "kind": a.kind,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "internal": a.internal,
        "redactions": a.redactions or {},
        "created_at": a.created_at,
        "download_url": reverse("api:download_attachment", kwargs={"attachment_id": a.pk}),
    }


UPLOAD_EXAMPLE = {"file": "execution.log", "kind": "log", "internal": False}


@router.post(
    "/tickets/{ticket_id}/attachments",
    response={201: AttachmentOut, **errors(400, 401, 403, 404, 409, 413, 415, 422, 503)},
    summary="Upload a log, screenshot or other file (multipart/form-data)",
    description="The file is scanned for viruses before it is stored: an infected file is "
    "refused (422 naming `file`); while the scanner cannot be asked, every file is refused "
    "(503 `scan_unavailable` with Retry-After).",
    operation_id="attachment_upload",
    tags=["attachments"],
    openapi_extra=openapi_extra(
        headers={503: {"Retry-After": RETRY_AFTER}},
        examples={"log": UPLOAD_EXAMPLE},
        media_type="multipart/form-data",
    ),
)
@decorate_view(accepts("multipart/form-data"))
def upload_attachment(
    request: HttpRequest,
    ticket_id: int,
    file: File[UploadedFile],
    kind: Form[AttachmentKind],  # type: ignore[valid-type]
    internal: Form[bool | None] = None,
):
    attachment = services.attachment_add(
        actor=request_actor(request),
        ticket_id=ticket_id,
        file=file,
        filename=file.name or "upload",
        kind=kind.value,
        internal=internal,
    )
    return Status(201, attachment_out(attachment))


@router.get(
    "/tickets/{ticket_id}/attachments",
    response={200: list[AttachmentOut], **READ_ERRORS},
    summary="A ticket's files (customers see only public ones)",
    operation_id="attachment_list",
    tags=["attachments"],
)
def list_attachments(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    ticket = access.get_ticket(actor, ticket_id)
    return [attachment_out(a) for a in access.visible_attachments(actor, ticket)]


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **READ_ERRORS},
    url_name="download_attachment",
    summary="Download (always as an attachment, never inline)",
    operation_id="attachment_download",
    tags=["attachments"],
    openapi_extra={
        "responses": {
            200: {
                "description": "The file's bytes, whatever its kind.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
                "headers": {
                    "Content-Disposition": header(
                        'Always `attachment; filename="…"` (never inline).'
                    ),
                    "X-Content-Type-Options": header("`nosniff`."),
                },
            }
        }
    },
)
def download_attachment(request: HttpRequest, attachment_id: int):
    return attachment_response(access.get_attachment(request_actor(request), attachment_id))


def event_out(e: TicketEvent) -> dict:
    return {
        "id": e.pk,
        "kind": e.kind,
        "actor": e.actor.email if e.actor_id else None,
        "actor_role": e.actor_role,
        "from_level": e.from_level,
        "from_status": e.from_status or None,
        "to_level": e.to_level,
        "to_status": e.to_status or None,
        "reason": e.reason,
        "data": e.data,
        "created_at": e.created_at,
    }


@router.get(
    "/tickets/{ticket_id}/events",
    response={200: list[EventOut], **READ_ERRORS},
    summary="The audit trail (empty for customers)",
    operation_id="event_list",
    tags=["events"],
)
def list_events(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    ticket = access.get_ticket(actor, ticket_id)
    return [event_out(e) for e in access.visible_events(actor, ticket).select_related("actor")]
