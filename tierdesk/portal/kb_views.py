"""The knowledge base in the portal: the articles this customer may read, in their
partner's brand (published public articles and their partner's own), and the articles
suggested while a report is written ("this solved it" deflects the report)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tierdesk.kb import access as kb_access
from tierdesk.kb import selectors as kb_selectors
from tierdesk.kb.render import render_article
from tierdesk.portal.views import Portal, _page, customer_view
from tierdesk.triage import selectors as triage_selectors
from tierdesk.triage import services as triage_services
from tierdesk.triage.models import DEFLECTED_NOTICE

MAX_LIST = 100


@require_GET
@customer_view
def kb_list(request: HttpRequest, portal: Portal) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    articles = kb_selectors.article_list(portal.actor, query=query, published_only=True)
    return _page(
        request, portal, "kb/portal_list.html", {"articles": articles[:MAX_LIST], "query": query}
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
        "kb/portal_article.html",
        {"article": article, "html": render_article(article)},
    )


# ---------------------------------------------------------------------------------------
# Deflection: matching articles while the customer writes a report
# ---------------------------------------------------------------------------------------
REPORT_FIELDS = ("title", "description", "actual_behaviour")
MAX_SUGGESTIONS = 4


def _typed(request: HttpRequest) -> str:
    return "\n".join(request.POST.get(name, "")[:5000] for name in REPORT_FIELDS).strip()


@require_POST
@customer_view
def report_suggestions(request: HttpRequest, portal: Portal) -> HttpResponse:
    """The partial beside the report form (htmx): findings in what was typed, with their
    articles, then published articles matching the summary's words."""
    text = _typed(request)
    findings = triage_selectors.diagnose_text(portal.actor, text=text, portal=True) if text else []
    shown: dict[int, dict] = {}
    for finding in findings:
        if finding["article"] and finding["article"]["id"] not in shown:
            shown[finding["article"]["id"]] = {**finding["article"], "finding": finding}
    title = request.POST.get("title", "")[:200]
    if title.strip():
        for article in kb_selectors.search_articles(portal.actor, title, published_only=True)[:5]:
            shown.setdefault(
                article.pk, {"id": article.pk, "title": article.title, "url": article.portal_url()}
            )
    return render(
        request,
        "triage/portal_suggestions.html",
        {"suggestions": list(shown.values())[:MAX_SUGGESTIONS], "typed": bool(text)},
    )


@require_POST
@customer_view
def report_deflect(request: HttpRequest, portal: Portal) -> HttpResponse:
    """ "This solved it": record the deflection; no ticket is opened."""
    try:
        article_id = int(request.POST.get("article", ""))
    except ValueError:
        article_id = 0
    triage_services.deflection_record(
        actor=portal.actor, article_id=article_id, text=_typed(request)
    )
    messages.success(request, DEFLECTED_NOTICE)
    return redirect("portal:tickets")
