"""Search and similar tickets, for one actor.

Access is part of the statement: the documents searched are those of
`tickets.access.visible_tickets(actor)` — a subquery of the text query, so another
partner's tickets (or, for L3, tickets never escalated) are never matched, counted or
quoted. Customers search the public text only (`public_tsv` / the public FTS columns):
internal notes and internal logs are neither matched nor shown in snippets."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tierdesk.accounts.models import Organisation, User
from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput
from tierdesk.logs.selectors import LEVELS as LOG_LEVELS
from tierdesk.search import backends
from tierdesk.search.models import ErrorSignature, SearchDocument
from tierdesk.search.query import Parsed, parse_query
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import OPEN_STATUSES, Status, Ticket

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
STATUS_ALIASES = {"open": list(OPEN_STATUSES), "waiting": [Status.WAITING_ON_CUSTOMER]}


@dataclass
class Hit:
    ticket: Ticket
    score: float
    snippet: str  # HTML: escaped text with <mark>s


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    count: int = 0
    count_capped: bool = False
    next_cursor: str | None = None


def _filtered(actor: Actor, parsed: Parsed) -> QuerySet[Ticket]:
    """The tickets the actor may see, narrowed by the query's filters: the subquery that
    the text query runs within."""
    tickets = visible_tickets(actor)
    f = parsed.filters
    if "status" in f:
        value = f["status"].lower()
        statuses = STATUS_ALIASES.get(value) or ([value] if value in Status.values else None)
        if statuses is None:
            choices = ", ".join([*STATUS_ALIASES, *Status.values])
            raise InvalidInput({"q": f"status: must be one of {choices}"})
        tickets = tickets.filter(status__in=statuses)
    if "level" in f:
        value = f["level"].lower().removeprefix("l")
        if value in ("1", "2", "3"):
            tickets = tickets.filter(level=int(value))
        elif f["level"].lower() in LOG_LEVELS:
            floor = LOG_LEVELS[f["level"].lower()]
            logged = SearchDocument.objects.filter(max_log_level__gte=floor)
            tickets = tickets.filter(pk__in=logged.values("ticket_id"))
        else:
            raise InvalidInput(
                {"q": "level: must be 1, 2, 3 (L1…L3) or a log level: " + ", ".join(LOG_LEVELS)}
            )
    if "partner" in f:
        value = f["partner"]
        partners = Organisation.objects.filter(
            Q(name__icontains=value)
            | Q(display_name__icontains=value)
            | Q(ticket_tag__iexact=value)
        )
        tickets = tickets.filter(partner_id__in=partners.values("pk"))
    if "flow" in f:
        tickets = tickets.filter(flow_id__istartswith=f["flow"].lower())
    if "customer" in f:
        value = f["customer"]
        people = User.objects.filter(Q(email__icontains=value) | Q(full_name__icontains=value))
        tickets = tickets.filter(customer_id__in=people.values("pk"))
    return tickets


def document_scope(actor: Actor) -> tuple[str, list] | None:
    """The access rule restated on the search document's own columns (`d.`), or None
    where it has none: a partner's people see their partner's documents, a customer
    their own. Beside the access subquery, never instead of it — it only narrows, the
    subquery decides — so that one index, (partner, ticket) or (customer, ticket),
    serves the restriction and the newest-first walk of a common word's matches; without
    it, a partner's newest matches are sought among every partner's documents."""
    if actor.sees_all_partners or actor.org_id is None:
        return None
    if actor.is_customer and actor.user_id is not None:
        return "d.customer_id = %s AND d.partner_id = %s", [actor.user_id, actor.org_id]
    if actor.is_partner_staff:
        return "d.partner_id = %s", [actor.org_id]
    return None


def _cursor_out(score: float, ticket_id: int) -> str:
    raw = json.dumps([score, ticket_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_in(cursor: str | None) -> tuple[float, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        score, ticket_id = json.loads(raw)
        return float(score), int(ticket_id)
    except (ValueError, TypeError):
        raise InvalidInput({"cursor": "is not a cursor this search gave"}) from None


def snippet_html(text: str) -> SafeString:
    """Escape, then mark the matches (the backends mark them with control characters)."""
    return mark_safe(  # noqa: S308 - escaped first; only <mark> added
        escape(text.replace("\n", " "))
        .replace(backends.START, "<mark>")
        .replace(backends.STOP, "</mark>")
    )


def search(
    actor: Actor, q: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Results:
    """One page of the tickets matching `q` that the actor may see, best first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput({"limit": f"must be between 1 and {MAX_LIMIT}"})
    parsed = parse_query(q)
    if not parsed.positive and not parsed.filters and not parsed.numbers:
        raise InvalidInput({"q": "give words to look for or a filter (status:, partner:…)"})
    after = _cursor_in(cursor)
    allowed: tuple[str, list] | None = None
    if not (actor.sees_all_partners and not parsed.filters):
        # (someone who sees every ticket, with no filter, needs no subquery at all)
        allowed = _filtered(actor, parsed).order_by().values("pk").query.sql_with_params()
    rows, count = backends.run(
        parsed,
        allowed,
        scope=document_scope(actor),
        staff=not actor.is_customer,
        after=after,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    tickets = visible_tickets(actor).select_related("partner").in_bulk([r.ticket_id for r in rows])
    results = Results(query=q, count=min(count, backends.COUNT_CAP))
    results.count_capped = count > backends.COUNT_CAP
    for row in rows:
        ticket = tickets.get(row.ticket_id)
        if ticket is not None:
            results.hits.append(Hit(ticket, row.score, snippet_html(row.snippet)))
    if more and rows:
        results.next_cursor = _cursor_out(rows[-1].score, rows[-1].ticket_id)
    return results


# Similar tickets ---------------------------------------------------------------------------


@dataclass
class Similar:
    ticket: Ticket
    reasons: list[str]
    score: float


SIMILAR_LIMIT = 10


def similar_tickets(actor: Actor, ticket: Ticket, *, limit: int = SIMILAR_LIMIT) -> list[Similar]:
    """Earlier tickets like this one that the actor may see: the same error signature
    (strongest), the same flow, then similar words in the title. Each says why."""
    visible = visible_tickets(actor).exclude(pk=ticket.pk)
    found: dict[int, Similar] = {}

    def add(other_id: int, reason: str, score: float) -> None:
        entry = found.setdefault(other_id, Similar(None, [], 0.0))  # type: ignore[arg-type]
        if reason not in entry.reasons:
            entry.reasons.append(reason)
        entry.score += score

    own = ErrorSignature.objects.filter(ticket=ticket)
    if actor.is_customer:
        own = own.filter(public=True)
    own_texts = dict(own.values_list("signature", "text"))
    if own_texts:
        others = ErrorSignature.objects.filter(
            signature__in=list(own_texts), ticket_id__in=visible.values("pk")
        )
        if actor.is_customer:
            others = others.filter(public=True)
        for other_id, digest in others.values_list("ticket_id", "signature")[:200]:
            add(other_id, f"same error: {own_texts[digest]}", 10.0)
    if ticket.flow_id:
        same_flow = visible.filter(flow_id=ticket.flow_id).order_by("-created_at")
        for other_id in same_flow.values_list("pk", flat=True)[:50]:
            add(other_id, "same flow", 5.0)
    words = " OR ".join(w for w in _title_words(ticket.title))
    if words:
        try:
            text = search(actor, words, limit=20)
        except InvalidInput:
            text = Results(query=words)
        for hit in text.hits:
            if hit.ticket.pk != ticket.pk:
                add(hit.ticket.pk, "similar words", min(hit.score, 4.0) + 1.0)
    ranked = sorted(found.items(), key=lambda item: (-item[1].score, -item[0]))[:limit]
    tickets = visible.in_bulk([other_id for other_id, _ in ranked])
    out = []
    for other_id, entry in ranked:
        if other_id in tickets:
            entry.ticket = tickets[other_id]
            out.append(entry)
    return out


_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "this",
        "that",
        "are",
        "was",
        "were",
        "has",
        "have",
        "not",
        "but",
        "can",
        "our",
        "you",
        "your",
        "der",
        "die",
        "das",
        "und",
        "mit",
        "von",
        "für",
        "ist",
        "nicht",
        "ein",
        "eine",
        "bei",
        "auf",
    ]
)


def _title_words(title: str) -> list[str]:
    words = []
    for raw in title.replace('"', " ").split():
        word = "".join(ch for ch in raw if ch.isalnum())
        if len(word) >= 3 and word.lower() not in _STOP and word not in words:
            words.append(word)
    return words[:8]
