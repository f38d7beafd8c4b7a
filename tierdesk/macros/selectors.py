"""Reads of the macros app: the list a person manages, the reply box's search, and the
reply box's block on the ticket page."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput
from tierdesk.macros.access import is_staff, visible_macros
from tierdesk.macros.models import Macro, Signature
from tierdesk.macros.rendering import render_for
from tierdesk.tickets.models import Ticket

SEARCH_LIMIT = 12


def macro_list(actor: Actor, *, query: str = "", scope: str = "") -> QuerySet[Macro]:
    """The macros the actor uses, their own first, then by name; `query` matches the
    name or the text (case-insensitive); `scope` keeps one scope."""
    rows = visible_macros(actor)
    query = (query or "").strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(body__icontains=query))
    if scope == "personal":
        rows = rows.filter(owner__isnull=False)
    elif scope == "organisation":
        rows = rows.filter(owner__isnull=True)
    mine_first = Case(
        When(owner__isnull=False, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return rows.order_by(mine_first, "name", "pk")


def signature_of(actor: Actor) -> str:
    if actor.user_id is None:
        return ""
    return (
        Signature.objects.filter(user_id=actor.user_id).values_list("body", flat=True).first() or ""
    )


def picks(actor: Actor, ticket: Ticket, query: str) -> list[dict[str, Any]]:
    """Up to SEARCH_LIMIT macros matching `query`, each rendered for the ticket (or the
    reason it cannot be), with what it does besides the reply."""
    out = []
    for macro in macro_list(actor, query=query)[:SEARCH_LIMIT]:
        try:
            text, error = render_for(actor, macro, ticket), ""
        except InvalidInput as exc:
            text, error = "", exc.fields.get("body", exc.message)
        out.append({"macro": macro, "text": text, "error": error})
    return out


def reply_block(actor: Actor, ticket: Ticket) -> dict[str, Any] | None:
    """The reply box's macro picker and signature choice: staff only (one query)."""
    if not is_staff(actor):
        return None
    return {"ticket": ticket, "signature": signature_of(actor)}
