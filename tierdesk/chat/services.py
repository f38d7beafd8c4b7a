"""Every write of a chat: `<entity>_<verb>(*, actor, …)`.

Each message is stored (with the chat's next `seq`, under the chat's row lock) before it
is published after commit. Turning a chat into a ticket goes through the ticket services
(`tierdesk.tickets.services`): nothing here writes a ticket row.
"""

from __future__ import annotations

import hashlib
import importlib
import io
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from tierdesk.chat import realtime
from tierdesk.chat.access import answers_chats, get_chat
from tierdesk.chat.models import (
    AgentPresence,
    Chat,
    ChatFile,
    ChatMessage,
    ChatOutcome,
    ChatStatus,
    MessageKind,
)
from tierdesk.core import antivirus, clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, PayloadTooLarge, WrongState
from tierdesk.tickets.models import AttachmentKind
from tierdesk.tickets.sniff import is_image_type, is_text_type, sniff_content_type

MAX_BODY = 20_000
SNIFF_BYTES = 8192


def _redact(text: str) -> str:
    """Secrets out of customer text, with the shared redaction (`core.redaction`) where it
    is installed: `redact_text(text) -> str`, or `redact(text) -> (text, counts)`."""
    try:
        module = importlib.import_module("tierdesk.core.redaction")
    except ImportError:
        return text
    redact_text = getattr(module, "redact_text", None)
    if redact_text is not None:
        return redact_text(text)
    redact = getattr(module, "redact", None)
    if redact is None:
        return text
    result = redact(text)
    return result[0] if isinstance(result, tuple) else result


def _check_body(body: Any) -> str:
    if not isinstance(body, str) or not body.strip():
        raise InvalidInput({"body": "must not be empty"})
    if "\x00" in body:
        raise InvalidInput({"body": "contains a NUL character"})
    if len(body) > MAX_BODY:
        raise InvalidInput({"body": f"is longer than {MAX_BODY} characters"})
    return body


def _append(chat: Chat, *, author, kind: str, body: str, now, publish: bool = True) -> ChatMessage:
    """Store the next message of a locked chat and publish it after commit (a file's
    message once its file is stored: `publish=False`, then `realtime.publish_message`)."""
    chat.last_seq += 1
    chat.save(update_fields=["last_seq"])
    message = ChatMessage.objects.create(
        chat=chat, seq=chat.last_seq, author=author, kind=kind, body=body, created_at=now
    )
    if publish:
        realtime.publish_message(message)
    return message


def _is_participant(actor: Actor, chat: Chat) -> bool:
    if actor.is_customer:
        return chat.customer_id == actor.user_id
    if chat.agent_id == actor.user_id:
        return True
    return chat.helpers.filter(pk=actor.user_id).exists()


def available_agents(partner_id: int) -> int:
    return AgentPresence.objects.filter(
        available=True, user__membership__organisation_id=partner_id
    ).count()


@transaction.atomic
def presence_set(*, actor: Actor, available: bool, max_chats: int | None = None) -> AgentPresence:
    """An L1 agent takes chats now (or stops); `max_chats` caps how many at once."""
    if not answers_chats(actor):
        raise Forbidden("Only L1 agents answer chats.")
    if max_chats is not None and not 1 <= max_chats <= settings.TIERDESK_CHAT_MAX_PER_AGENT:
        raise InvalidInput(
            {"max_chats": f"must be between 1 and {settings.TIERDESK_CHAT_MAX_PER_AGENT}"}
        )
    presence, _ = AgentPresence.objects.select_for_update().get_or_create(
        user=actor.user,
        defaults={"updated_at": clock.now(), "max_chats": settings.TIERDESK_CHAT_DEFAULT_CAP},
    )
    presence.available = bool(available)
    if max_chats is not None:
        presence.max_chats = max_chats
    presence.updated_at = clock.now()
    presence.save()
    return presence


@transaction.atomic
def chat_start(*, actor: Actor, body: str, topic: str = "") -> Chat:
    """A customer opens a chat with their organisation's L1. When nobody is available the
    chat becomes a ticket with the same text at once (outcome `no_agent`)."""
    if not actor.is_customer or actor.org_id is None:
        raise Forbidden("Only customers start chats.")
    body = _redact(_check_body(body))
    if len(topic) > 200:
        raise InvalidInput({"topic": "is longer than 200 characters"})
    now = clock.now()
    chat = Chat.objects.create(
        partner_id=actor.org_id, customer=actor.user, topic=topic.strip(), created_at=now
    )
    chat = Chat.objects.select_for_update().get(pk=chat.pk)
    _append(chat, author=actor.user, kind=MessageKind.TEXT, body=body, now=now)
    if not available_agents(actor.org_id):
        from tierdesk.chat.handover import ticket_from_chat

        ticket = ticket_from_chat(actor=actor, chat=chat, fields={}, now=now)
        _finish(chat, outcome=ChatOutcome.NO_AGENT, now=now, ticket=ticket)
    realtime.publish_state(chat)
    return chat


def active_count(user_id: int) -> int:
    return Chat.objects.filter(agent_id=user_id, status=ChatStatus.ACTIVE).count()


@transaction.atomic
def chat_accept(*, actor: Actor, chat_id: int) -> Chat:
    """An available L1 agent of the customer's organisation takes a waiting chat, within
    their cap. Records how long the customer waited."""
    if not answers_chats(actor):
        raise Forbidden("Only L1 agents answer chats.")
    chat = get_chat(actor, chat_id, for_update=True)
    if chat.status != ChatStatus.WAITING:
        raise WrongState("Someone else has already taken this chat.")
    presence = AgentPresence.objects.filter(user_id=actor.user_id).first()
    if presence is None or not presence.available:
        raise WrongState("Set yourself available first.")
    if active_count(actor.user_id) >= presence.max_chats:
        raise Conflict(f"You already have {presence.max_chats} chats open (your cap).")
    now = clock.now()
    chat.agent = actor.user
    chat.status = ChatStatus.ACTIVE
    chat.accepted_at = now
    chat.wait_seconds = max(0, int((now - chat.created_at).total_seconds()))
    chat.save(update_fields=["agent", "status", "accepted_at", "wait_seconds"])
    name = actor.user.get_full_name() or actor.user.email
    _append(chat, author=None, kind=MessageKind.SYSTEM, body=f"{name} joined the chat.", now=now)
    realtime.publish_state(chat)
    return chat


@transaction.atomic
def chat_post(*, actor: Actor, chat_id: int, body: str, internal: bool = False) -> ChatMessage:
    """A line of the conversation, or (staff only) an agent-only note."""
    chat = get_chat(actor, chat_id, for_update=True)
    body = _check_body(body)
    if chat.status == ChatStatus.ENDED:
        raise WrongState("The chat has ended.")
    if not _is_participant(actor, chat):
        raise Forbidden("Accept the chat before writing in it.")
    if internal and actor.is_customer:
        raise Forbidden("Customers cannot write agent-only notes.")
    if actor.is_customer:
        body = _redact(body)
    kind = MessageKind.NOTE if internal else MessageKind.TEXT
    return _append(chat, author=actor.user, kind=kind, body=body, now=clock.now())


def _check_kind(kind: str, content_type: str) -> None:
    if kind not in AttachmentKind.values:
        raise InvalidInput({"kind": "must be one of " + ", ".join(AttachmentKind.values)})
    if kind == AttachmentKind.LOG and not is_text_type(content_type):
        raise InvalidInput({"file": "is not a text log: a screenshot of a log is not a log"})
    if kind == AttachmentKind.SCREENSHOT and not is_image_type(content_type):
        raise InvalidInput({"file": f"is {content_type}, not an image (PNG, JPEG, GIF, WebP)"})


@transaction.atomic
def chat_attach(
    *, actor: Actor, chat_id: int, file: IO[bytes] | bytes, filename: str, kind: str
) -> ChatMessage:
    """A log or screenshot sent in the chat: the same size limit, sniffing and virus scan
    as a ticket attachment; a text log is redacted before it is stored."""
    limit = settings.TIERDESK_MAX_UPLOAD_BYTES
    content = bytes(file) if isinstance(file, bytes | bytearray) else file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge("The file is larger than the upload limit.")
    if not content:
        raise InvalidInput({"file": "is empty"})
    content_type = sniff_content_type(content[:SNIFF_BYTES])
    _check_kind(kind, content_type)
    if is_text_type(content_type):
        content = _redact(content.decode("utf-8", "replace")).encode()
    digest = hashlib.sha256(content).hexdigest()
    antivirus.check_file(io.BytesIO(content), size=len(content), sha256=digest)  # before storing
    chat = get_chat(actor, chat_id, for_update=True)
    if chat.status == ChatStatus.ENDED:
        raise WrongState("The chat has ended.")
    if not _is_participant(actor, chat):
        raise Forbidden("Accept the chat before writing in it.")
    name = "".join(c if c.isprintable() and c not in "/\\" else "_" for c in filename)[-200:]
    name = name or "upload"
    now = clock.now()
    message = _append(
        chat, author=actor.user, kind=MessageKind.FILE, body=name, now=now, publish=False
    )
    stored = ChatFile(
        chat=chat,
        message=message,
        kind=kind,
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=digest,
    )
    stored.file.save(name, ContentFile(content), save=False)
    stored.save()
    # Published with its file, so a live client links it (not only a replay).
    realtime.publish_message(message)
    return message


@transaction.atomic
def chat_invite(*, actor: Actor, chat_id: int, helper_email: str) -> Chat:
    """The chat's agent pulls in a colleague (any staff member of the vendor or of the
    chat's organisation); the colleague sees the chat from then on."""
    from tierdesk.accounts.models import User

    chat = get_chat(actor, chat_id, for_update=True)
    if actor.is_customer or chat.agent_id != actor.user_id:
        raise Forbidden("Only the chat's agent pulls in a colleague.")
    if chat.status == ChatStatus.ENDED:
        raise WrongState("The chat has ended.")
    helper = User.objects.filter(email__iexact=(helper_email or "").strip(), is_active=True).first()
    membership = getattr(helper, "membership", None) if helper else None
    if (
        membership is None
        or membership.role == "customer"
        or (
            membership.organisation_id != chat.partner_id
            and membership.organisation.kind != "vendor"
        )
    ):
        raise InvalidInput({"helper": "is not a colleague who may join this chat"})
    chat.helpers.add(helper)
    name = helper.get_full_name() or helper.email
    _append(chat, author=None, kind=MessageKind.SYSTEM, body=f"{name} joined.", now=clock.now())
    return chat


def _finish(chat: Chat, *, outcome: str, now, ticket=None) -> None:
    chat.status = ChatStatus.ENDED
    chat.outcome = outcome
    chat.ended_at = now
    chat.ticket = ticket
    chat.save(update_fields=["status", "outcome", "ended_at", "ticket"])


@transaction.atomic
def chat_end(*, actor: Actor, chat_id: int) -> Chat:
    """The agent ends the chat resolved; a customer leaving ends it as `left`."""
    chat = get_chat(actor, chat_id, for_update=True)
    if chat.status == ChatStatus.ENDED:
        raise WrongState("The chat has already ended.")
    if not _is_participant(actor, chat):
        raise Forbidden("Only the chat's agent ends it.")
    now = clock.now()
    outcome = ChatOutcome.LEFT if actor.is_customer else ChatOutcome.RESOLVED
    _finish(chat, outcome=outcome, now=now)
    text = "The customer left the chat." if actor.is_customer else "The chat was resolved."
    _append(chat, author=None, kind=MessageKind.SYSTEM, body=text, now=now)
    realtime.publish_state(chat)
    return chat


@transaction.atomic
def chat_draft_update(*, actor: Actor, chat_id: int, fields: dict[str, Any]) -> Chat:
    """The agent completes the handover draft beside the chat (values as the ticket form
    takes them; checked when the ticket is made)."""
    from tierdesk.chat.handover import DRAFT_KEYS

    chat = get_chat(actor, chat_id, for_update=True)
    if actor.is_customer or not _is_participant(actor, chat):
        raise Forbidden("Only the chat's agent edits the handover draft.")
    unknown = [key for key in fields if key not in DRAFT_KEYS]
    if unknown:
        raise InvalidInput({key: "is not a handover field" for key in unknown})
    draft = dict(chat.draft)
    for key, value in fields.items():
        if value in ("", None):
            draft.pop(key, None)
        else:
            draft[key] = value
    chat.draft = draft
    chat.save(update_fields=["draft"])
    return chat


@transaction.atomic
def chat_to_ticket(
    *, actor: Actor, chat_id: int, fields: dict[str, Any] | None = None, hand_over: bool = False
):
    """The agent turns the chat into a ticket: the transcript becomes its first
    conversation, the chat's files its attachments. With `hand_over` the ticket goes to L2
    at once; refused (TransitionRefused listing what is missing, nothing written) while
    the checklist is incomplete."""
    from tierdesk.chat.handover import ticket_from_chat

    chat = get_chat(actor, chat_id, for_update=True)
    if chat.status == ChatStatus.ENDED:
        raise WrongState("The chat has already ended.")
    if actor.is_customer or not _is_participant(actor, chat):
        raise Forbidden("Only the chat's agent turns it into a ticket.")
    if fields:
        chat_draft_update(actor=actor, chat_id=chat.pk, fields=fields)
        chat.refresh_from_db(fields=["draft"])
    now = clock.now()
    ticket = ticket_from_chat(
        actor=actor, chat=chat, fields=chat.draft, now=now, hand_over=hand_over
    )
    outcome = ChatOutcome.HANDED_OVER if hand_over else ChatOutcome.TICKET
    _finish(chat, outcome=outcome, now=now, ticket=ticket)
    text = f"The chat became ticket {ticket.number}."
    _append(chat, author=None, kind=MessageKind.SYSTEM, body=text, now=now)
    realtime.publish_state(chat)
    return ticket


@transaction.atomic
def chat_send_article(*, actor: Actor, chat_id: int, article_id: int) -> ChatMessage:
    """The chat's agent sends a knowledge-base article: its title and portal link become a
    line the customer sees. Only an article the chat's customer may read is sent (published,
    public or their own partner's); internal articles and drafts are refused."""
    from tierdesk.chat.assist import customer_may_read
    from tierdesk.kb.access import get_article

    chat = get_chat(actor, chat_id, for_update=True)
    if actor.is_customer or not _is_participant(actor, chat):
        raise Forbidden("Only the chat's agent sends articles.")
    if chat.status != ChatStatus.ACTIVE:
        raise WrongState("Articles are sent while the chat is active.")
    article = get_article(actor, article_id)
    if not type(article).objects.filter(customer_may_read(chat), pk=article.pk).exists():
        raise InvalidInput(
            {"article": "is not published for this customer (internal, draft or another partner's)"}
        )
    body = f"{article.title}\n{article.portal_url()}"
    return _append(chat, author=actor.user, kind=MessageKind.ARTICLE, body=body, now=clock.now())


def chats_time_out(*, now=None) -> list[int]:
    """Waiting chats that nobody accepted within `TIERDESK_CHAT_WAIT_TIMEOUT_SECONDS` become
    tickets in the customer's own words (outcome `timed_out`); the customer is told in the
    chat. Each chat in its own transaction, skipping one another worker holds. Returns the
    ids of the chats turned into tickets."""
    from tierdesk.accounts.models import User
    from tierdesk.chat.handover import ticket_from_chat
    from tierdesk.core.actor import actor_for

    timeout = settings.TIERDESK_CHAT_WAIT_TIMEOUT_SECONDS
    if timeout <= 0:
        return []
    now = now or clock.now()
    cutoff = now - timedelta(seconds=timeout)
    due = Chat.objects.filter(status=ChatStatus.WAITING, created_at__lte=cutoff)
    done = []
    for chat_id in due.order_by("created_at").values_list("pk", flat=True)[:200]:
        with transaction.atomic():
            chat = (
                Chat.objects.select_for_update(skip_locked=True)
                .filter(pk=chat_id, status=ChatStatus.WAITING)
                .first()
            )
            if chat is None:
                continue
            customer = User.objects.filter(pk=chat.customer_id, is_active=True).first()
            if customer is None:
                _finish(chat, outcome=ChatOutcome.LEFT, now=now)
                realtime.publish_state(chat)
                continue
            ticket = ticket_from_chat(actor=actor_for(customer), chat=chat, fields={}, now=now)
            _finish(chat, outcome=ChatOutcome.TIMED_OUT, now=now, ticket=ticket)
            text = (
                f"Nobody could answer in time: your chat is now ticket {ticket.number}. "
                "We will answer you there."
            )
            _append(chat, author=None, kind=MessageKind.SYSTEM, body=text, now=now)
            realtime.publish_state(chat)
            done.append(chat.pk)
    return done
