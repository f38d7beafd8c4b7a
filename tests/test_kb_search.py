"""Full-text search of the knowledge base (`kb/selectors.search_articles`) on the
database's own index: stemming in English (and German on PostgreSQL), ranking with title
hits first, access inside the query, stop words, the index kept current on every write,
and every caller (console, API, portal help and report suggestions)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.test_api import API, client_for
from tierdesk.core.actor import SYSTEM
from tierdesk.kb import selectors, services
from tierdesk.kb.services import ArticleDraft


def _article(title, body, **kw):
    draft = ArticleDraft(title=title, body=body, status=kw.pop("status", "published"), **kw)
    return services.article_create(actor=SYSTEM, draft=draft)


def _ids(found) -> list[int]:
    return [a.pk for a in found]


def test_english_words_are_stemmed(world):
    article = _article("Refresh token expired", "The connector stops syncing.")
    l2 = world.actor("l2")
    # when someone searches another form of the words
    # then the article is found
    assert article.pk in _ids(selectors.search_articles(l2, "tokens expiring"))
    assert article.pk in _ids(selectors.search_articles(l2, "synced connectors"))
    # and a word it does not hold is not
    assert article.pk not in _ids(selectors.search_articles(l2, "tokens quokkafish"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="German stemming: PostgreSQL")
def test_german_words_are_stemmed_on_postgresql(world):
    article = _article("Verbindung abgelehnt", "Der Dienst antwortet nicht.")
    found = selectors.search_articles(world.actor("l2"), "Verbindungen")
    assert article.pk in _ids(found)


def test_a_title_match_ranks_first(world):
    # given an article with the word in its body only (first by title) and one with it in
    # its title
    body_only = _article("Aardvark setup", "Later the wombatgate step fails wombatgate.")
    in_title = _article("Wombatgate refused", "Check the network.")
    in_summary = _article("Middle article", "Nothing here.", summary="About wombatgate")
    # when someone searches the word
    found = _ids(selectors.search_articles(world.actor("l2"), "wombatgate"))
    # then the title hit comes first, then the summary hit, then the body hit
    assert found == [in_title.pk, in_summary.pk, body_only.pk]


@pytest.mark.parametrize("who", ["acme_customer", "acme_l1"])
def test_other_partners_and_internal_articles_never_match_nor_count(world, who):
    word = "ocelotsync"
    public = _article(f"Public {word}", word)
    _article(f"Internal {word}", word, audience="internal")
    _article(f"Globex {word}", word, audience="partner", partner_id=world.globex.pk)
    own = _article(f"Acme {word}", word, audience="partner", partner_id=world.acme.pk)
    _article(f"Draft {word}", word, status="draft")
    # when an Acme customer or agent searches the word
    found = selectors.search_articles(world.actor(who), word)
    # then only the public and their own partner's published articles match, and count
    assert sorted(_ids(found)) == sorted([public.pk, own.pk])
    assert found.count() == 2
    # and the staff find all five
    assert selectors.search_articles(world.actor("l2"), word).count() == 5


@pytest.mark.parametrize(
    "query", ["the and of", "und der die", "?! ... ---", '""', "-", "   :   ", "-ocelot"]
)
def test_stop_words_or_punctuation_alone_answer_nothing(world, query):
    _article("The and of und der die", "the and of ... ?! und der die")
    found = selectors.search_articles(world.actor("l2"), query)
    assert list(found) == [] and found.count() == 0


def test_stop_words_beside_a_real_word_are_ignored(world):
    article = _article("Pangolincert expired", "Renew it.")
    found = selectors.search_articles(world.actor("l2"), "the pangolincert, and?")
    assert _ids(found) == [article.pk]


def test_any_word_matches_either_word(world):
    first = _article("Llamagate first", "x")
    second = _article("Second alpacadoor", "x")
    l2 = world.actor("l2")
    assert _ids(selectors.search_articles(l2, "llamagate alpacadoor")) == []
    either = selectors.search_articles(l2, "llamagate alpacadoor", any_word=True)
    assert sorted(_ids(either)) == sorted([first.pk, second.pk])


def test_the_index_follows_every_write(world):
    l2 = world.actor("l2")
    article = _article("Capybaraflow broken", "x")
    # when the title is changed
    services.article_update(
        actor=l2,
        article_id=article.pk,
        draft=ArticleDraft(title="Tapirflow broken", body="x", status="published"),
    )
    # then the new word finds it and the old one no longer does
    assert _ids(selectors.search_articles(l2, "tapirflow")) == [article.pk]
    assert _ids(selectors.search_articles(l2, "capybaraflow")) == []
    # and a deleted article is gone from the index
    article.delete()
    assert _ids(selectors.search_articles(l2, "tapirflow")) == []


def test_one_query_for_two_or_thirty_articles(world):
    customer = world.actor("acme_customer")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            found = list(selectors.search_articles(customer, "jaguarlink"))
            [(a.category, a.partner) for a in found]
        return len(ctx.captured_queries)

    for n in range(2):
        _article(f"Jaguarlink {n}", "x")
    few = queries()
    for n in range(2, 30):
        _article(f"Jaguarlink {n}", "x")
    assert few == queries() == 1
    assert selectors.search_articles(customer, "jaguarlink").count() == 30


def test_every_caller_finds_stemmed_words(world):
    public = _article("Refresh token expired", "Sign in again.")
    _article("Internal token notes", "x", audience="internal")
    # the API and the console list
    items = client_for(world, "l2").get(f"{API}/kb/articles", {"q": "tokens"}).json()["items"]
    assert public.pk in {row["id"] for row in items}
    console = Client()
    console.force_login(world.user("l2"))
    assert public.title in console.get("/kb/", {"q": "tokens"}).content.decode()
    # the portal's help and the suggestions beside the report form, without internal ones
    portal = Client()
    portal.force_login(world.user("acme_customer"))
    page = portal.get("/portal/help/", {"q": "tokens"}).content.decode()
    assert public.title in page and "Internal token notes" not in page
    typed = {"title": "tokens expired", "description": "", "actual_behaviour": ""}
    part = portal.post("/portal/new/suggestions/", typed).content.decode()
    assert public.portal_url() in part and "Internal token notes" not in part
    # and a query of stop words answers an empty page, not an error
    assert console.get("/kb/", {"q": "the and"}).status_code == 200
    assert portal.get("/portal/help/", {"q": "?!"}).status_code == 200
