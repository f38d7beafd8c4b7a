"""Every write of the macros app: macros (create, change, delete), signatures, and a
macro applied to a ticket — always through the ticket services, so the workflow's
gates, the version check and the events apply as to any reply, change or action."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, InvalidInput, StaleVersion
from tierdesk.core.redaction import redact_text
from tierdesk.kb.access import visible_articles
from tierdesk.macros import placeholders
from tierdesk.macros.access import get_macro, is_staff, may_manage
from tierdesk.macros.models import Macro, MacroAction, Scope, Signature
from tierdesk.macros.rendering import render_for
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Channel, Priority, ResolutionCause, Ticket

MAX_BODY = 20_000
MAX_SIGNATURE = 1_000


@dataclass(frozen=True)
class MacroDraft:
    name: str
    body: str = ""
    set_priority: str = ""
    action: str = ""
    resolution: str = ""
    cause: str = ""


def _braced(name: str) -> str:
    return "{{ " + name + " }}"


def _text(value: Any, name: str, limit: int, errors: dict[str, str]) -> str:
    if not isinstance(value, str) or "\x00" in value or len(value) > limit:
        errors[name] = f"must be text of at most {limit} characters"
        return ""
    return value


def check_draft(actor: Actor, draft: MacroDraft) -> MacroDraft:
    """The draft as stored, or InvalidInput naming every field that is wrong: unknown
    placeholders, articles the author cannot read, a priority or action outside the
    fixed sets, an action without what it needs, a macro that does nothing."""
    errors: dict[str, str] = {}
    name = _text(draft.name, "name", 100, errors).strip()
    if "name" not in errors and not name:
        errors["name"] = "must not be empty"
    body = _text(draft.body, "body", MAX_BODY, errors)
    found = placeholders.scan(body)
    if found.unknown:
        known = ", ".join(_braced(n) for n in placeholders.PLACEHOLDERS)
        errors["body"] = (
            "unknown placeholder "
            + ", ".join(_braced(u) for u in found.unknown)
            + f"; use {known} or {{{{ kb:<article id> }}}}"
        )
    elif found.articles:
        readable = set(
            visible_articles(actor).filter(pk__in=found.articles).values_list("pk", flat=True)
        )
        missing = sorted(found.articles - readable)
        if missing:
            errors["body"] = "links no article you can read: " + ", ".join(map(str, missing))
    if draft.set_priority not in ("", *Priority.values):
        errors["set_priority"] = f"must be one of {', '.join(Priority.values)} or empty"
    if draft.action not in MacroAction.values:
        errors["action"] = "must be ask_customer, resolve or empty"
    resolution = _text(draft.resolution, "resolution", MAX_BODY, errors).strip()
    cause = draft.cause or ""
    if draft.action == MacroAction.ASK_CUSTOMER and not body.strip():
        errors.setdefault("body", "is the question to the customer: it must not be empty")
    if draft.action == MacroAction.RESOLVE:
        if not resolution:
            errors["resolution"] = "is needed to resolve (internal: support's record)"
        if cause not in ResolutionCause.values:
            errors["cause"] = f"must be one of {', '.join(ResolutionCause.values)}"
    elif resolution or cause:
        errors.setdefault("resolution" if resolution else "cause", "is only for resolve")
    if not errors and not (body.strip() or draft.action or draft.set_priority):
        errors["body"] = "a macro writes a reply, sets a field or runs an action"
    if errors:
        raise InvalidInput(errors)
    return MacroDraft(
        name=name,
        body=redact_text(body),
        set_priority=draft.set_priority,
        action=draft.action,
        resolution=redact_text(resolution),
        cause=cause,
    )


@transaction.atomic
def macro_create(*, actor: Actor, scope: str, draft: MacroDraft) -> Macro:
    """A macro of the actor's organisation or their own. Refuses: Forbidden (a scope the
    actor may not manage), InvalidInput (`scope` or the draft's fields)."""
    if scope not in Scope.values:
        raise InvalidInput({"scope": "must be organisation or personal"})
    if not may_manage(actor, scope=scope):
        raise Forbidden(
            "Your organisation's macros are managed by its administrators."
            if is_staff(actor)
            else "Macros are for support staff."
        )
    clean = check_draft(actor, draft)
    return Macro.objects.create(
        organisation_id=actor.org_id,
        owner=actor.user if scope == Scope.PERSONAL else None,
        created_by=actor.user,
        updated_at=clock.now(),
        **clean.__dict__,
    )


@transaction.atomic
def macro_update(
    *, actor: Actor, macro_id: int, draft: MacroDraft, version: int | None = None
) -> Macro:
    """Change a macro one may manage (its scope stays). Refuses: NotFound (not visible),
    Forbidden (visible but not one's to manage), StaleVersion, InvalidInput."""
    macro = get_macro(actor, macro_id, for_update=True)
    if not may_manage(actor, macro):
        raise Forbidden("Your organisation's macros are managed by its administrators.")
    if version is not None and version != macro.version:
        raise StaleVersion(
            f"The macro changed since you loaded it (your version {version}, "
            f"current {macro.version}). Reload and try again."
        )
    clean = check_draft(actor, draft)
    for key, value in clean.__dict__.items():
        setattr(macro, key, value)
    macro.version += 1
    macro.updated_at = clock.now()
    macro.save()
    return macro


@transaction.atomic
def macro_delete(*, actor: Actor, macro_id: int) -> None:
    macro = get_macro(actor, macro_id, for_update=True)
    if not may_manage(actor, macro):
        raise Forbidden("Your organisation's macros are managed by its administrators.")
    macro.delete()


@transaction.atomic
def signature_set(*, actor: Actor, body: str) -> Signature | None:
    """One's own signature; empty text removes it."""
    if not is_staff(actor):
        raise Forbidden("Signatures are for support staff.")
    errors: dict[str, str] = {}
    body = _text(body, "signature", MAX_SIGNATURE, errors).strip()
    if errors:
        raise InvalidInput(errors)
    if not body:
        Signature.objects.filter(user=actor.user).delete()
        return None
    signature, _ = Signature.objects.update_or_create(
        user=actor.user, defaults={"body": redact_text(body), "updated_at": clock.now()}
    )
    return signature


def with_signature(actor: Actor, body: str) -> str:
    """`body` with the actor's signature below it (unchanged when they have none)."""
    signature = Signature.objects.filter(user_id=actor.user_id).values_list("body", flat=True)
    text = signature.first() if actor.user_id else None
    if not text or not body.strip():
        return body
    return f"{body.rstrip()}\n\n{text}"


def sign_reply(actor: Actor, ticket: Ticket, body: str, posted: Mapping[str, Any]) -> str:
    """The console's reply box: sign a public reply when its "sign" box was ticked."""
    if posted.get("sign") != "1":
        return body
    return with_signature(actor, body)


@dataclass(frozen=True)
class Applied:
    ticket: Ticket
    text: str  # the public reply as posted ("" when none)


@transaction.atomic
def macro_apply(
    *,
    actor: Actor,
    macro_id: int,
    ticket_id: int,
    version: int | None = None,
    body: str | None = None,
    sign: bool = True,
    channel: str = Channel.WEB,
) -> Applied:
    """Apply a macro to a ticket in one transaction: set its fields (`ticket_update`),
    then its action with the reply as the customer's text (`ticket_ask_customer`,
    `ticket_resolve`) or, without an action, the reply (`message_add`). `body` is the
    reply as the agent edited it (default: the macro rendered for this ticket); `sign`
    appends the actor's signature. Any refusal (NotFound for a macro or ticket one may
    not see, StaleVersion, WrongState, TransitionRefused, InvalidInput) leaves nothing
    written."""
    ticket = get_ticket(actor, ticket_id)
    macro = get_macro(actor, macro_id)
    if body is None:
        text = render_for(actor, macro, ticket)
    else:
        errors: dict[str, str] = {}
        text = _text(body, "body", MAX_BODY, errors)
        if errors:
            raise InvalidInput(errors)
    if sign:
        text = with_signature(actor, text)
    if version is not None and version != ticket.version:
        stale = StaleVersion(
            f"The ticket changed since you loaded it (your version {version}, "
            f"current {ticket.version}). Reload and try again."
        )
        stale.seen, stale.current = version, ticket.version
        raise stale
    if macro.set_priority and macro.set_priority != ticket.priority:
        ticket = tickets.ticket_update(
            actor=actor,
            ticket_id=ticket.pk,
            changes={"priority": macro.set_priority},
            version=ticket.version,
        )
    if macro.action == MacroAction.ASK_CUSTOMER:
        ticket = tickets.ticket_ask_customer(
            actor=actor, ticket_id=ticket.pk, message=text, version=ticket.version, channel=channel
        )
        return Applied(ticket=ticket, text=text)
    if macro.action == MacroAction.RESOLVE:
        ticket = tickets.ticket_resolve(
            actor=actor,
            ticket_id=ticket.pk,
            resolution=macro.resolution,
            cause=macro.cause,
            customer_message=text,
            version=ticket.version,
            channel=channel,
        )
        return Applied(ticket=ticket, text=text if text.strip() else "")
    if text.strip():
        tickets.message_add(actor=actor, ticket_id=ticket.pk, body=text, channel=channel)
    return Applied(ticket=get_ticket(actor, ticket.pk), text=text if text.strip() else "")
