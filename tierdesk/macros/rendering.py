"""A macro rendered for one ticket: the placeholders' values from the ticket (already
fetched through `tickets.access`) and the person applying it, and the links of the
articles the ticket's customer may read."""

from __future__ import annotations

from django.conf import settings

from tierdesk.core.actor import Actor, actor_for
from tierdesk.core.errors import InvalidInput
from tierdesk.kb.access import visible_articles
from tierdesk.kb.models import Article, ArticleStatus, Audience
from tierdesk.macros import placeholders
from tierdesk.macros.models import Macro
from tierdesk.tickets.models import Ticket


def _first(name: str) -> str:
    return name.split()[0] if name.split() else name


def values_for(actor: Actor, ticket: Ticket) -> dict[str, str]:
    customer = ticket.customer
    customer_name = (customer.full_name or customer.email.split("@")[0]) if customer else ""
    agent = actor.user
    agent_name = (agent.full_name or agent.email) if agent else ""
    return {
        "customer.name": customer_name,
        "customer.first_name": _first(customer_name),
        "ticket.number": ticket.reference,
        "ticket.title": ticket.title,
        "partner.brand": ticket.partner.brand_name,
        "agent.name": agent_name,
        "agent.first_name": _first(agent_name),
    }


def _readable_by_customer(ticket: Ticket, ids: frozenset[int]):
    """The articles among `ids` the ticket's customer reads (by the knowledge base's own
    rule); for a ticket without a customer, the published public ones."""
    if ticket.customer_id:
        rows = visible_articles(actor_for(ticket.customer))
    else:
        rows = Article.objects.filter(status=ArticleStatus.PUBLISHED, audience=Audience.PUBLIC)
    return rows.filter(pk__in=ids)


def render_for(actor: Actor, macro: Macro | str, ticket: Ticket) -> str:
    """The macro's reply for this ticket. InvalidInput naming `body` when it links an
    article the customer cannot read (so no internal article's title reaches them)."""
    template = macro if isinstance(macro, str) else macro.body
    found = placeholders.scan(template)
    articles: dict[int, tuple[str, str]] = {}
    if found.articles:
        base = settings.TIERDESK_MAIL_BASE_URL
        for article in _readable_by_customer(ticket, found.articles):
            articles[article.pk] = (article.title, base + article.portal_url())
        missing = sorted(found.articles - set(articles))
        if missing:
            raise InvalidInput(
                {
                    "body": "links an article this ticket's customer cannot read: "
                    + ", ".join(map(str, missing))
                }
            )
    return placeholders.render(template, values_for(actor, ticket), articles)
