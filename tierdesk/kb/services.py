"""Every write of the knowledge base: `article_create`, `article_update`; categories:
`category_create`, `category_rename`, `category_delete` (vendor staff only).

Each call runs in one transaction and writes one revision (author, unified diff).
Refusals: InvalidInput (422, naming the field), Forbidden (the role may not edit),
NotFound (missing or not yours), StaleVersion (someone saved in between).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from tierdesk.accounts.models import Organisation, OrgKind
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound, StaleVersion
from tierdesk.kb import access
from tierdesk.kb.models import Article, ArticleStatus, Audience, Category, Revision

MAX_BODY = 100_000


@dataclass(frozen=True)
class ArticleDraft:
    title: str
    body: str
    audience: str = Audience.PUBLIC
    status: str = ArticleStatus.DRAFT
    summary: str = ""
    category_id: int | None = None
    partner_id: int | None = None
    slug: str = ""


def _check(actor: Actor, draft: ArticleDraft) -> dict:
    """Shape and ownership of a draft; returns the fields to store."""
    problems: dict[str, str] = {}
    title = (draft.title or "").strip()
    body = draft.body or ""
    if not title:
        problems["title"] = "must not be empty"
    elif len(title) > 200:
        problems["title"] = "is longer than 200 characters"
    if not body.strip():
        problems["body"] = "must not be empty"
    elif len(body) > MAX_BODY or "\x00" in body:
        problems["body"] = f"must be text of at most {MAX_BODY} characters"
    if draft.audience not in Audience.values:
        problems["audience"] = f"must be one of {', '.join(Audience.values)}"
    if draft.status not in ArticleStatus.values:
        problems["status"] = f"must be one of {', '.join(ArticleStatus.values)}"
    if len(draft.summary or "") > 300:
        problems["summary"] = "is longer than 300 characters"
    partner_id = draft.partner_id
    if actor.role == "partner_admin":
        # A partner admin writes for their own partner only, whatever the form says.
        if draft.audience != Audience.PARTNER:
            problems["audience"] = "a partner writes articles for its own partner only"
        partner_id = actor.org_id
    if draft.audience == Audience.PARTNER:
        exists = Organisation.objects.filter(pk=partner_id, kind=OrgKind.PARTNER).exists()
        if not partner_id or not exists:
            problems["partner"] = "choose the partner this article is for"
    else:
        partner_id = None
    category = None
    if draft.category_id:
        category = Category.objects.filter(pk=draft.category_id).first()
        if category is None:
            problems["category"] = "is not a category"
    slug = slugify(draft.slug or title)[:120] or "article"
    if problems:
        raise InvalidInput(problems)
    return {
        "title": title,
        "body": body,
        "summary": (draft.summary or "").strip(),
        "audience": draft.audience,
        "status": draft.status,
        "partner_id": partner_id,
        "category": category,
        "slug": slug,
    }


def _unique_slug(slug: str, article_id: int | None = None) -> str:
    candidate, n = slug, 2
    while Article.objects.filter(slug=candidate).exclude(pk=article_id).exists():
        candidate, n = f"{slug[:110]}-{n}", n + 1
    return candidate


def unified_diff(old_title: str, old_body: str, new_title: str, new_body: str) -> str:
    old = [f"# {old_title}", *old_body.splitlines()]
    new = [f"# {new_title}", *new_body.splitlines()]
    return "\n".join(difflib.unified_diff(old, new, fromfile="before", tofile="after", lineterm=""))


def _revise(article: Article, actor: Actor, now, *, diff: str, note: str = "") -> Revision:
    number = article.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return Revision.objects.create(
        article=article,
        number=number + 1,
        title=article.title,
        body=article.body,
        status=article.status,
        author=actor.user,
        note=note[:200],
        diff=diff,
        created_at=now,
    )


@transaction.atomic
def article_create(*, actor: Actor, draft: ArticleDraft) -> Article:
    """A new article (revision 1). Forbidden unless the actor may edit articles."""
    if not access.may_edit(actor):
        raise Forbidden("You may not write knowledge-base articles.")
    fields = _check(actor, draft)
    now = clock.now()
    fields["slug"] = _unique_slug(fields["slug"])
    article = Article.objects.create(
        **fields,
        created_by=actor.user,
        published_at=now if fields["status"] == ArticleStatus.PUBLISHED else None,
    )
    _revise(article, actor, now, diff=unified_diff("", "", article.title, article.body))
    return article


@transaction.atomic
def article_update(
    *,
    actor: Actor,
    article_id: int,
    draft: ArticleDraft,
    version: int | None = None,
    note: str = "",
) -> Article:
    """Change an article; one revision with the diff of title and body. The slug stays
    (the URL is stable) unless one is given."""
    article = access.get_article(actor, article_id)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if not access.may_edit(actor, article):
        raise Forbidden("You may not edit this article.")
    if version is not None and version != article.version:
        raise StaleVersion("Someone saved this article meanwhile; reload and edit again.")
    fields = _check(actor, draft)
    fields["slug"] = _unique_slug(fields["slug"], article.pk) if draft.slug else article.slug
    now = clock.now()
    diff = unified_diff(article.title, article.body, fields["title"], fields["body"])
    was_published = article.is_published
    for name, value in fields.items():
        setattr(article, name, value)
    if article.is_published and not was_published:
        article.published_at = now
    article.version += 1
    article.save()
    _revise(article, actor, now, diff=diff, note=note)
    return article


class CategoryInUse(Conflict):
    """A category still holding articles is not deleted (409); `articles` says how many."""

    def __init__(self, articles: int):
        noun = "article uses" if articles == 1 else "articles use"
        super().__init__(
            f"{articles} {noun} this category; move them to another category first.",
            code="category_in_use",
        )
        self.articles = articles


def _category_fields(name: str, category_id: int | None = None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise InvalidInput({"name": "must be 1 to 80 characters"})
    slug = slugify(name)[:80]
    if not slug:
        raise InvalidInput({"name": "must contain a letter or a digit"})
    clash = Category.objects.exclude(pk=category_id).filter(name__iexact=name)
    if clash.exists() or Category.objects.exclude(pk=category_id).filter(slug=slug).exists():
        raise InvalidInput({"name": "another category has this name"})
    return name, slug


def _manager(actor: Actor) -> None:
    if not access.may_manage_categories(actor):
        raise Forbidden("Only vendor staff manage categories.")


def _category(category_id: int) -> Category:
    category = Category.objects.select_for_update().filter(pk=category_id).first()
    if category is None:
        raise NotFound("Category not found.")
    return category


@transaction.atomic
def category_create(*, actor: Actor, name: str, order: int = 100) -> Category:
    """A new category. InvalidInput for an empty or taken name."""
    _manager(actor)
    name, slug = _category_fields(name)
    return Category.objects.create(name=name, slug=slug, order=order)


@transaction.atomic
def category_rename(*, actor: Actor, category_id: int, name: str) -> Category:
    """A new name (and the slug of its filter links with it); its articles stay in it."""
    _manager(actor)
    category = _category(category_id)
    category.name, category.slug = _category_fields(name, category.pk)
    category.save(update_fields=["name", "slug"])
    return category


@transaction.atomic
def category_delete(*, actor: Actor, category_id: int) -> None:
    """Only an empty category goes: one that files any article (drafts, every audience
    and partner counted) is refused with CategoryInUse naming how many."""
    _manager(actor)
    category = _category(category_id)
    used = Article.objects.filter(category=category).count()
    if used:
        raise CategoryInUse(used)
    category.delete()
