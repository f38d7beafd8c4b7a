"""What helps the agent while a chat runs: the triage findings of the customer's lines (the
same rules as a ticket's), and the knowledge-base articles that may be sent into the chat.

An article goes to a chat only when the chat's customer may read it in the portal:
published, and public or written for the customer's own partner. Internal articles,
drafts and other partners' articles are refused by the service, not merely hidden here.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Q, QuerySet

from tierdesk.chat.models import Chat, ChatMessage, MessageKind
from tierdesk.core.actor import Actor

MAX_ARTICLES = 8


def customer_text(chat: Chat) -> str:
    """The customer's own lines, in order: what triage reads."""
    rows = ChatMessage.objects.filter(
        chat=chat, kind=MessageKind.TEXT, author_id=chat.customer_id
    ).order_by("seq")
    return "\n".join(rows.values_list("body", flat=True))


def findings(actor: Actor, chat: Chat) -> list[dict]:
    """Triage findings of the customer's lines, each with its article as this (staff) actor
    may read it; none when the triage app is not installed or nothing was written yet."""
    if not apps.is_installed("tierdesk.triage"):
        return []
    text = customer_text(chat)
    if not text.strip():
        return []
    from tierdesk.triage.selectors import diagnose_text

    return diagnose_text(actor, text=text, portal=False)


def findings_context(found: list[dict]) -> str:
    """The findings as one line each, for the handover draft's context field."""
    lines = []
    for finding in found:
        evidence = str((finding.get("evidence") or {}).get("text") or "").strip()
        line = f"Triage: {finding['cause_label']} ({finding['confidence']:.0%})"
        lines.append(f"{line}: {evidence[:200]}" if evidence else line)
    return "\n".join(lines)


def customer_may_read(chat: Chat) -> Q:
    """The articles the chat's customer may read (the portal's rule for customers)."""
    from tierdesk.kb.models import ArticleStatus, Audience

    return Q(status=ArticleStatus.PUBLISHED) & (
        Q(audience=Audience.PUBLIC) | Q(audience=Audience.PARTNER, partner_id=chat.partner_id)
    )


def sendable_articles(actor: Actor, chat: Chat, query: str) -> QuerySet:
    """Articles this agent may read, that the chat's customer may read too, matching
    `query` (every word), best first."""
    from tierdesk.kb.selectors import search_articles

    if not apps.is_installed("tierdesk.kb") or not query.strip():
        from tierdesk.kb.models import Article

        return Article.objects.none()
    found = search_articles(actor, query, published_only=True)
    return found.filter(customer_may_read(chat))[:MAX_ARTICLES]
