# ruff: noqa: S608, S611  (only constants and the table name are interpolated; what a person
# typed is always a bound parameter)
"""Reads of the knowledge base with a meaning: search and the listing.

`search_articles` is the one search entry point: full text over title, summary and body
on the database's own index (migration 0003), parsed and queried with the ticket search's
helpers (`search/query.parse_query`; `search/backends.PG_QUERY` and `fts_expression`):

- PostgreSQL: the generated `search_tsv` (title A, summary B, body C; `simple`, `english`
  and `german`, so "tokens" finds "token" and "Verbindungen" "Verbindung") matched with
  `websearch_to_tsquery` through its GIN index, ranked by `ts_rank` (title first);
- SQLite: the FTS5 table `kb_fts` (porter stemming), ranked by `bm25` (title weighed
  highest).

Either way the match and the rank are parts of one statement over `visible_articles`:
what the actor may not read is never matched, ranked nor counted. Words too common to
narrow anything down (English and German) and punctuation are dropped first; a query of
nothing else answers nothing.
"""

from __future__ import annotations

from dataclasses import replace

from django.db import connection
from django.db.models import BooleanField, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from tierdesk.core.actor import Actor
from tierdesk.kb.access import visible_articles
from tierdesk.kb.models import Article, ArticleStatus
from tierdesk.search.backends import PG_QUERY, fts_expression
from tierdesk.search.query import Parsed, Term, parse_query

MAX_QUERY = 500
# Too common to narrow anything down, in English and German (the `simple` configuration
# keeps them, and each language's index keeps the other's).
_STOP_WORDS = """a an the and or of to in on at by is it be as for with not but from this that our
    your you are was were has have can when what how why der die das den dem des und oder
    mit nicht ein eine einen ist bei von für auf wir sie ich es zu im am wie"""
_STOP = frozenset(_STOP_WORDS.split())
# The ts_rank weights of D, C, B, A: a title hit outweighs a body full of the word.
_PG_WEIGHTS = "'{0.02, 0.1, 0.3, 1.0}'"


def _words(term: Term) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in term.text).lower().split()]


def search_terms(query: str, *, any_word: bool = False) -> Parsed:
    """The query taken apart as the ticket search does (words, "phrases", -excluded,
    OR); `name:value` is text here. Stop words and bare punctuation are left out."""
    parsed = parse_query((query or "")[:MAX_QUERY])
    terms = list(parsed.terms) + [Term(f"{k}:{v}") for k, v in parsed.filters.items()]
    kept: list[Term] = []
    for term in terms:
        words = [w for w in _words(term) if term.phrase or w not in _STOP]
        if not words:
            continue
        if not term.phrase:
            term = replace(term, text=" ".join(words) if len(words) == 1 else term.text)
        if any_word and kept and not term.negated:
            term = replace(term, alternative=True)
        kept.append(term)
    if not any(not t.negated for t in kept):
        kept = []
    return Parsed(terms=kept)


def _match(articles: QuerySet[Article], parsed: Parsed) -> QuerySet[Article]:
    table = Article._meta.db_table
    if connection.vendor == "postgresql":
        text = parsed.text
        hit = RawSQL(f"{table}.search_tsv @@ {PG_QUERY}", [text] * 3, BooleanField())
        rank = RawSQL(
            f"ts_rank({_PG_WEIGHTS}, {table}.search_tsv, {PG_QUERY})", [text] * 3, FloatField()
        )
        return articles.alias(hit=hit).filter(hit=True).annotate(rank=rank)
    expression = fts_expression(parsed, staff=True)
    hit = RawSQL(
        f"{table}.id IN (SELECT rowid FROM kb_fts WHERE kb_fts MATCH %s)",
        [expression],
        BooleanField(),
    )
    rank = RawSQL(
        "(SELECT -bm25(kb_fts, 10.0, 3.0, 1.0) FROM kb_fts WHERE kb_fts MATCH %s "
        f"AND kb_fts.rowid = {table}.id)",
        [expression],
        FloatField(),
    )
    return articles.alias(hit=hit).filter(hit=True).annotate(rank=rank)


def search_articles(
    actor: Actor, query: str, *, published_only: bool = False, any_word: bool = False
) -> QuerySet[Article]:
    """Articles this actor may read that match `query`, best first. Every word must
    match (or, with `any_word`, at least one). An empty query lists every readable
    article; a query of stop words or punctuation only, none."""
    articles = visible_articles(actor)
    if published_only:
        articles = articles.filter(status=ArticleStatus.PUBLISHED)
    if not (query or "").strip():
        return articles
    parsed = search_terms(query, any_word=any_word)
    if not parsed.terms:
        return articles.none()
    return _match(articles, parsed).order_by("-rank", "title", "pk")


def article_list(
    actor: Actor, *, query: str = "", category: str = "", published_only: bool = False
) -> QuerySet[Article]:
    articles = search_articles(actor, query, published_only=published_only)
    if category:
        articles = articles.filter(category__slug=category)
    return articles
