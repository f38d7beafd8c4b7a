"""Knowledge-base endpoints: list and search, read, write (vendor staff, partner admins)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.core.api_support import Text, accepts, errors, request_actor
from tierdesk.core.errors import InvalidInput
from tierdesk.kb import access, selectors, services
from tierdesk.kb.models import Article, Category
from tierdesk.kb.render import render_article
from tierdesk.kb.schemas import ArticleDetailOut, ArticleIn, ArticlePage, ArticlePut
from tierdesk.kb.services import ArticleDraft

router = Router(tags=["kb"])
JSON = accepts("application/json")
MAX_RESULTS = 100


class ArticleFilters(Schema):
    q: Text = ""
    category: Text = ""


def article_out(article: Article) -> dict:
    return {
        "id": article.pk,
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "category": (
            {"slug": article.category.slug, "name": article.category.name}
            if article.category
            else None
        ),
        "audience": article.audience,
        "partner_id": article.partner_id,
        "status": article.status,
        "url": article.get_absolute_url(),
        "version": article.version,
        "updated_at": article.updated_at,
    }


def _detail(article: Article) -> dict:
    return {**article_out(article), "body": article.body, "html": render_article(article)}


def _draft(payload: ArticleIn) -> ArticleDraft:
    category_id = None
    if payload.category:
        category = Category.objects.filter(slug=payload.category).first()
        if category is None:
            raise InvalidInput({"category": "is not a category's slug"})
        category_id = category.pk
    return ArticleDraft(
        title=payload.title,
        body=payload.body,
        summary=payload.summary,
        audience=payload.audience,
        status=payload.status,
        category_id=category_id,
        partner_id=payload.partner_id,
    )


@router.get(
    "/kb/articles",
    response={200: ArticlePage, **errors(401, 403, 422)},
    summary="Articles you may read; `q` searches title, summary and text",
    operation_id="kb_article_list",
)
def kb_article_list(request: HttpRequest, filters: Query[ArticleFilters]):
    actor = request_actor(request)
    articles = selectors.article_list(actor, query=filters.q, category=filters.category)
    return {"items": [article_out(a) for a in articles[:MAX_RESULTS]]}


@router.get(
    "/kb/articles/{article_id}",
    response={200: ArticleDetailOut, **errors(401, 403, 404, 422)},
    summary="One article with its Markdown and rendered HTML",
    operation_id="kb_article_get",
)
def kb_article_get(request: HttpRequest, article_id: int):
    return _detail(access.get_article(request_actor(request), article_id))


@router.post(
    "/kb/articles",
    response={201: ArticleDetailOut, **errors(400, 401, 403, 415, 422)},
    summary="Write an article (vendor staff; partner admins for their own partner)",
    operation_id="kb_article_create",
)
@decorate_view(JSON)
def kb_article_create(request: HttpRequest, payload: ArticleIn):
    article = services.article_create(actor=request_actor(request), draft=_draft(payload))
    return Status(201, _detail(article))


@router.put(
    "/kb/articles/{article_id}",
    response={200: ArticleDetailOut, **errors(400, 401, 403, 404, 409, 415, 422)},
    summary="Change an article (writes a revision with its diff)",
    operation_id="kb_article_update",
)
@decorate_view(JSON)
def kb_article_update(request: HttpRequest, article_id: int, payload: ArticlePut):
    article = services.article_update(
        actor=request_actor(request),
        article_id=article_id,
        draft=_draft(payload),
        version=payload.version,
        note=payload.note,
    )
    return _detail(article)
