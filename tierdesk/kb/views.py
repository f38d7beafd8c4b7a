"""The knowledge base in the agent console: list and search, read, write, history."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tierdesk.core.actor import Actor
from tierdesk.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from tierdesk.kb import access, selectors, services
from tierdesk.kb.forms import ArticleForm
from tierdesk.kb.models import Article, Category
from tierdesk.kb.render import render_article
from tierdesk.tickets.views.common import actor_or_403

MAX_LIST = 200


def _staff(request: HttpRequest) -> Actor:
    actor = actor_or_403(request)
    if actor.is_customer:
        raise Http404("Not found.")  # customers read the knowledge base in the portal
    return actor


def _article(actor: Actor, article_id: int) -> Article:
    try:
        return access.get_article(actor, article_id)
    except NotFound:
        raise Http404("Article not found.") from None


@login_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    query = request.GET.get("q", "")[:200]
    category = request.GET.get("category", "")[:80]
    articles = selectors.article_list(actor, query=query, category=category)[:MAX_LIST]
    return render(
        request,
        "kb/article_list.html",
        {
            "articles": articles,
            "query": query,
            "category": category,
            "categories": Category.objects.all(),
            "may_write": access.may_edit(actor),
            "may_manage_categories": access.may_manage_categories(actor),
        },
    )


@login_required
@require_GET
def article_detail(request: HttpRequest, article_id: int, slug: str = "") -> HttpResponse:
    actor = _staff(request)
    article = _article(actor, article_id)
    if slug != article.slug:
        return redirect(article.get_absolute_url(), permanent=True)
    may_edit = access.may_edit(actor, article)
    return render(
        request,
        "kb/article_detail.html",
        {
            "article": article,
            "html": render_article(article),
            "may_edit": may_edit,
            "revisions": article.revisions.select_related("author")[:20] if may_edit else [],
        },
    )


def _form_page(request, actor: Actor, article: Article | None) -> HttpResponse:
    partner_admin = actor.role == "partner_admin"
    if request.method == "POST":
        form = ArticleForm(request.POST, partner_admin=partner_admin)
        if form.is_valid():
            try:
                if article is None:
                    article = services.article_create(actor=actor, draft=form.draft())
                else:
                    article = services.article_update(
                        actor=actor,
                        article_id=article.pk,
                        draft=form.draft(),
                        version=form.cleaned_data.get("version"),
                        note=form.cleaned_data.get("note") or "",
                    )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from None
            except InvalidInput as exc:
                for name, reason in exc.fields.items():
                    form.add_error(name if name in form.fields else None, reason)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(article.get_absolute_url())
    elif article is None:
        form = ArticleForm(partner_admin=partner_admin, initial={"status": "draft"})
    else:
        form = ArticleForm(
            partner_admin=partner_admin,
            initial={
                "title": article.title,
                "summary": article.summary,
                "category": article.category_id,
                "audience": article.audience,
                "partner": article.partner_id,
                "status": article.status,
                "body": article.body,
                "version": article.version,
            },
        )
    status = 422 if form.is_bound and form.errors else 200
    return render(
        request, "kb/article_form.html", {"form": form, "article": article}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    if not access.may_edit(actor):
        raise PermissionDenied("You may not write articles.")
    return _form_page(request, actor, None)


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    actor = _staff(request)
    article = _article(actor, article_id)
    if not access.may_edit(actor, article):
        raise PermissionDenied("You may not edit this article.")
    return _form_page(request, actor, article)
