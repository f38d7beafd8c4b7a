"""Reads of the knowledge base with a meaning: search and the listing.

`search_articles` is the one search entry point: a portable word search on title, summary
and body (every word must match somewhere; title hits rank first). A database-specific
full-text index can replace its inside without changing any caller.
"""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from tierdesk.core.actor import Actor
from tierdesk.kb.access import visible_articles
from tierdesk.kb.models import Article, ArticleStatus

MAX_WORDS = 8
_WORD = re.compile(r"[\w.@:/-]{2,}", re.UNICODE)
# Too common to narrow anything down, in English and German.
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "not",
        "but",
        "from",
        "this",
        "that",
        "our",
        "your",
        "you",
        "are",
        "was",
        "has",
        "have",
        "can",
        "when",
        "what",
        "der",
        "die",
        "das",
        "und",
        "mit",
        "nicht",
        "ein",
        "eine",
        "ist",
        "bei",
        "von",
        "für",
        "auf",
        "wir",
        "sie",
        "ich",
    ]
)


def search_words(text: str) -> list[str]:
    words = [w.lower().strip(".:/-") for w in _WORD.findall(text or "")]
    unique = dict.fromkeys(w for w in words if len(w) >= 2 and w not in _STOP)
    return list(unique)[:MAX_WORDS]


def search_articles(
    actor: Actor, query: str, *, published_only: bool = False, any_word: bool = False
) -> QuerySet[Article]:
    """Articles this actor may read that match `query`. Every word must match (or, with
    `any_word`, at least one: the portal's suggestions while a customer types)."""
    articles = visible_articles(actor)
    if published_only:
        articles = articles.filter(status=ArticleStatus.PUBLISHED)
    words = search_words(query)
    if not words:
        return articles.none() if query.strip() else articles
    condition = Q()
    rank = []
    for word in words:
        match = Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
        condition = (condition | match) if any_word else (condition & match)
        rank.append(When(title__icontains=word, then=Value(3)))
        rank.append(When(summary__icontains=word, then=Value(1)))
    return (
        articles.filter(condition)
        .annotate(rank=Case(*rank, default=Value(0), output_field=IntegerField()))
        .order_by("-rank", "title")
    )


def article_list(
    actor: Actor, *, query: str = "", category: str = "", published_only: bool = False
) -> QuerySet[Article]:
    articles = search_articles(actor, query, published_only=published_only)
    if category:
        articles = articles.filter(category__slug=category)
    return articles
