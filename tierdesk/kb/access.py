"""Who reads which article — the one place the knowledge base decides it.

| actor | reads |
|---|---|
| vendor staff, system | every article, drafts too |
| partner admin | published public articles; their own partner's articles, drafts too |
| L1 agent | published public articles and their own partner's published articles |
| customer | published public articles and their partner's published articles |

Internal articles never reach a partner or a customer; one partner's articles never reach
another. `get_article` answers NotFound for "missing" and "not yours" alike.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound
from tierdesk.kb.models import Article, ArticleStatus, Audience


def is_vendor_staff(actor: Actor) -> bool:
    return actor.is_system or (actor.is_vendor and not actor.is_customer)


def visible_articles(actor: Actor) -> QuerySet[Article]:
    articles = Article.objects.select_related("category", "partner")
    if is_vendor_staff(actor):
        return articles
    if actor.org_id is None or actor.user_id is None:
        return articles.none()
    published = Q(status=ArticleStatus.PUBLISHED)
    public = Q(audience=Audience.PUBLIC) & published
    own = Q(audience=Audience.PARTNER, partner_id=actor.org_id)
    if actor.role == Role.PARTNER_ADMIN:
        return articles.filter(public | own)
    if actor.role in (Role.L1_AGENT, Role.CUSTOMER):
        return articles.filter(public | (own & published))
    return articles.none()


def get_article(actor: Actor, article_id: int) -> Article:
    try:
        return visible_articles(actor).get(pk=article_id)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise NotFound("Article not found.") from None


def may_manage_categories(actor: Actor) -> bool:
    """Categories are shared by every partner: the vendor staff who write public articles
    (L2, support leads, admins) manage them; partner admins file their articles in them."""
    return actor.is_system or (
        actor.is_vendor
        and not actor.is_customer
        and actor.role in (Role.ADMIN, Role.SUPPORT_LEAD, Role.L2_AGENT)
    )


def may_edit(actor: Actor, article: Article | None = None) -> bool:
    """Vendor staff edit every article; a partner admin their own partner's articles."""
    if actor.is_system:
        return True
    if actor.is_vendor and actor.role in (Role.ADMIN, Role.SUPPORT_LEAD, Role.L2_AGENT):
        return True
    if actor.role == Role.PARTNER_ADMIN:
        return article is None or (
            article.audience == Audience.PARTNER and article.partner_id == actor.org_id
        )
    return False
