"""`{% similar_panel ticket %}`: the ticket page's similar tickets (the ticket template
includes it; the core knows nothing of search)."""

from __future__ import annotations

from django import template

from tierdesk.core.web import request_actor
from tierdesk.search.selectors import similar_tickets

register = template.Library()


@register.inclusion_tag("search/_similar.html", takes_context=True)
def similar_panel(context, ticket):
    actor = request_actor(context["request"])
    if actor is None:
        return {"similar": []}
    return {"similar": similar_tickets(actor, ticket)}
