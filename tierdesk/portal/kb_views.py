"""The knowledge base in the portal: the articles this customer may read, in their
partner's brand (published public articles and their partner's own)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from tierdesk.kb import access as kb_access
from tierdesk.kb import selectors as kb_selectors
from tierdesk.kb.render import render_article
from tierdesk.portal.views import Portal, _page, customer_view

MAX_LIST = 100


@require_GET
@customer_view
def kb_list(request: HttpRequest, portal: Portal) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    articles = kb_selectors.article_list(portal.actor, query=query, published_only=True)
    return _page(
        request, portal, "portal/kb_list.html", {"articles": articles[:MAX_LIST], "query": query}
    )


@require_GET
@customer_view
def kb_article(request: HttpRequest, portal: Portal, article_id: int, slug: str) -> HttpResponse:
    article = kb_access.get_article(portal.actor, article_id)  # NotFound → the portal's 404
    if slug != article.slug:
        return redirect(article.portal_url(), permanent=True)
    return _page(
        request,
        portal,
        "portal/kb_article.html",
        {"article": article, "html": render_article(article)},
    )
