"""Context for every HTML page: the brand (base.html wears it) and the agent console's
queue navigation with its counts. Both are lazy: a page that does not show them costs no
query, one that does costs one each (the counts are a single aggregate)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tierdesk.core.web import request_actor, request_brand


def _queue_nav(request: HttpRequest):
    from tierdesk.tickets import selectors  # tickets builds on core, not the other way

    actor = request_actor(request)
    if actor is None or actor.is_customer:
        return []
    return selectors.queue_nav(actor)


def tierdesk(request: HttpRequest) -> dict:
    return {
        "brand": SimpleLazyObject(lambda: request_brand(request)),
        "queue_nav": SimpleLazyObject(lambda: _queue_nav(request)),
        "actor": SimpleLazyObject(lambda: request_actor(request)),
    }
