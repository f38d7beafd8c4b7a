"""The knowledge base: who reads which article (portal, console, API, search), writing
with revisions and diffs, safe rendering, stable URLs."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.test_api import API, client_for
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound, StaleVersion
from tierdesk.kb import access, selectors, services
from tierdesk.kb import seed as kb_seed
from tierdesk.kb.models import Article, Revision
from tierdesk.kb.services import ArticleDraft
from tierdesk.triage import seed as triage_seed

PASSWORD = "correct horse battery staple"
WORD = "zebraquartz"  # in every test article, in no seed article


@pytest.fixture(autouse=True)
def _seeded(db):
    """The seed articles and rules (a data migration installs them; a transactional test
    elsewhere in the suite may have flushed them)."""
    kb_seed.load()
    triage_seed.load()


@pytest.fixture
def articles(world) -> dict[str, Article]:
    def make(key, **kw):
        draft = ArticleDraft(
            title=f"{key} {WORD}", body=f"Body of {key}: {WORD}.", status="published", **kw
        )
        return services.article_create(actor=SYSTEM, draft=draft)

    return {
        "public": make("public"),
        "internal": make("internal", audience="internal"),
        "acme": make("acme", audience="partner", partner_id=world.acme.pk),
        "globex": make("globex", audience="partner", partner_id=world.globex.pk),
        "draft": services.article_create(
            actor=SYSTEM, draft=ArticleDraft(title=f"draft {WORD}", body=WORD)
        ),
        "acme_draft": services.article_create(
            actor=SYSTEM,
            draft=ArticleDraft(
                title=f"acme_draft {WORD}", body=WORD, audience="partner", partner_id=world.acme.pk
            ),
        ),
    }


# Who reads what: every role × every kind of article.
READS = {
    "acme_customer": {"public", "acme"},
    "acme_l1": {"public", "acme"},
    "acme_admin": {"public", "acme", "acme_draft"},
    "globex_customer": {"public", "globex"},
    "globex_l1": {"public", "globex"},
    "direct_customer": {"public"},
    "l2": {"public", "internal", "acme", "globex", "draft", "acme_draft"},
    "admin": {"public", "internal", "acme", "globex", "draft", "acme_draft"},
}


def _keys(articles, found) -> set[str]:
    ids = {a.pk for a in found}
    return {key for key, article in articles.items() if article.pk in ids}


@pytest.mark.parametrize("who", sorted(READS))
def test_access_matrix_through_selector_search_and_api(world, articles, who):
    actor = world.actor(who)
    # when each person lists and searches the knowledge base
    visible = _keys(articles, access.visible_articles(actor))
    searched = _keys(articles, selectors.search_articles(actor, WORD))
    client = client_for(world, who)
    listed = client.get(f"{API}/kb/articles", {"q": WORD}).json()["items"]
    # then they find exactly the articles their role and partner allow, everywhere
    assert visible == READS[who]
    assert searched == READS[who]
    assert {row["id"] for row in listed} == {articles[k].pk for k in READS[who]}
    # and the others answer 404 by id, like a missing one
    for key, article in articles.items():
        status = client.get(f"{API}/kb/articles/{article.pk}").status_code
        assert status == (200 if key in READS[who] else 404), key
        if key not in READS[who]:
            with pytest.raises(NotFound):
                access.get_article(actor, article.pk)


@pytest.mark.parametrize("who", ["acme_customer", "globex_customer", "direct_customer"])
def test_portal_shows_customers_only_their_articles(world, articles, who):
    client = Client()
    assert client.login(username=world.user(who).email, password=PASSWORD)
    # when a customer searches the portal's help
    page = client.get("/portal/help/", {"q": WORD}).content.decode()
    # then only public and their partner's published articles are listed
    for key, article in articles.items():
        assert (article.title in page) == (key in READS[who]), key
        response = client.get(article.portal_url())
        assert response.status_code == (200 if key in READS[who] else 404), key
        assert ("Body of internal" in response.content.decode()) is False


def test_customers_do_not_reach_the_console_knowledge_base(world, articles):
    client = Client()
    client.login(username=world.user("acme_customer").email, password=PASSWORD)
    assert client.get(articles["public"].get_absolute_url()).status_code == 404
    assert client.get("/kb/").status_code == 404


def test_create_and_update_keep_revisions_with_author_and_diff(world):
    l2 = world.actor("l2")
    # given an article written by an L2 agent
    article = services.article_create(
        actor=l2, draft=ArticleDraft(title="Webhook 404", body="Check the URL.\n")
    )
    # when it is changed and published
    services.article_update(
        actor=l2,
        article_id=article.pk,
        version=article.version,
        note="Add the fix",
        draft=ArticleDraft(
            title="Webhook 404", body="Check the URL.\nCopy it again.\n", status="published"
        ),
    )
    article.refresh_from_db()
    # then two revisions exist, the newest with its author, note and a unified diff
    revisions = list(article.revisions.all())
    assert [r.number for r in revisions] == [2, 1]
    assert revisions[0].author == world.user("l2") and revisions[0].note == "Add the fix"
    assert "+Copy it again." in revisions[0].diff and revisions[0].diff.startswith("--- before")
    assert article.is_published and article.published_at is not None
    # and the URL (id and slug) stays the same
    assert article.get_absolute_url() == f"/kb/{article.pk}-webhook-404/"
    # and a stale version is refused without a change
    with pytest.raises(StaleVersion):
        services.article_update(
            actor=l2, article_id=article.pk, version=1, draft=ArticleDraft(title="x", body="y")
        )
    assert Revision.objects.filter(article=article).count() == 2


def test_partner_admins_write_only_their_own_partners_articles(world, articles):
    admin = world.actor("acme_admin")
    # when a partner admin writes an article, asking for a public one
    with pytest.raises(InvalidInput) as refused:
        services.article_create(actor=admin, draft=ArticleDraft(title="t", body="b"))
    assert "audience" in refused.value.fields
    # then only a partner article for their own partner is accepted
    own = services.article_create(
        actor=admin,
        draft=ArticleDraft(
            title="Acme VPN", body="b", audience="partner", partner_id=world.globex.pk
        ),
    )
    assert own.partner == world.acme
    # and they may not change public articles, nor reach another partner's
    with pytest.raises(Forbidden):
        services.article_update(
            actor=admin, article_id=articles["public"].pk, draft=ArticleDraft(title="x", body="y")
        )
    with pytest.raises(NotFound):
        services.article_update(
            actor=admin, article_id=articles["globex"].pk, draft=ArticleDraft(title="x", body="y")
        )
    # and L1 agents and customers write none
    for who in ("acme_l1", "acme_customer"):
        with pytest.raises(Forbidden):
            services.article_create(actor=world.actor(who), draft=ArticleDraft(title="t", body="b"))


def test_bad_input_names_the_field_and_stores_nothing(world):
    before = Article.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.article_create(
            actor=world.actor("l2"),
            draft=ArticleDraft(title=" ", body="", audience="partner", status="live"),
        )
    assert set(refused.value.fields) >= {"title", "body", "status", "partner"}
    assert Article.objects.count() == before
    # and through the API: 422 naming the field
    client = client_for(world, "l2")
    response = client.post(
        f"{API}/kb/articles",
        json.dumps({"title": "x", "body": "y", "audience": "everyone"}),
        content_type="application/json",
    )
    assert response.status_code == 422 and "audience" in response.json()["fields"]


def test_markdown_is_rendered_without_script(world):
    article = services.article_create(
        actor=world.actor("admin"),
        draft=ArticleDraft(
            title="Unsafe",
            body="<script>alert(1)</script>\n\n[x](javascript:alert(1)) **ok**",
            status="published",
        ),
    )
    client = client_for(world, "acme_customer")
    html = client.get(f"{API}/kb/articles/{article.pk}").json()["html"]
    # then raw HTML is shown as text and no link runs script
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and "<strong>ok</strong>" in html


def test_console_pages_write_and_show_history(world):
    client = Client()
    client.login(username=world.user("acme_admin").email, password=PASSWORD)
    # when a partner admin writes an article in the console
    response = client.post(
        "/kb/new/",
        {
            "title": "Acme proxy",
            "audience": "partner",
            "status": "published",
            "body": "Use the proxy.",
        },
    )
    article = Article.objects.get(title="Acme proxy")
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    # then its page shows it with the history, and a short URL redirects to the stable one
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Use the proxy." in page and "Revision 1" in page
    assert client.get(f"/kb/{article.pk}/").status_code == 301
    # and an empty title comes back with the form and its error (422), nothing saved
    response = client.post(
        f"/kb/{article.pk}/edit/",
        {"title": "", "audience": "partner", "status": "draft", "body": "x"},
    )
    assert response.status_code == 422
    article.refresh_from_db()
    assert article.version == 1


@pytest.mark.django_db
def test_seed_articles_cover_every_cause_and_are_public():
    # given the articles the data migration installs
    seeded = Article.objects.filter(revisions__note="Seed article").distinct()
    public = [a for a in seeded if a.audience == "public" and a.is_published]
    # then each has symptoms, how to confirm and how to fix
    assert len(public) >= 7
    for article in public:
        for heading in ("## Symptoms", "## How to confirm", "## How to fix"):
            assert heading in article.body, (article.slug, heading)


def test_the_ticket_core_imports_neither_kb_nor_triage():
    # given every module of tierdesk/tickets (the core learns nothing of the apps above it)
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "tierdesk" / "tickets"
    offenders = [
        str(path)
        for path in root.rglob("*.py")
        if "tierdesk.kb" in path.read_text(encoding="utf-8")
        or "tierdesk.triage" in path.read_text(encoding="utf-8")
    ]
    # then none names them (the ticket page loads triage's template tag instead)
    assert offenders == []


def test_api_round_trip_write_update_and_stale_version(world):
    client = client_for(world, "l2")
    body = {
        "title": "SFTP host key changed",
        "body": "Accept the new key.",
        "category": "connections",
    }
    # when an L2 agent writes an article through the API
    created = client.post(f"{API}/kb/articles", json.dumps(body), content_type="application/json")
    assert created.status_code == 201
    article = created.json()
    assert article["status"] == "draft" and article["category"]["slug"] == "connections"
    assert article["url"] == f"/kb/{article['id']}-sftp-host-key-changed/"
    # and publishes it with the version it read
    changed = client.put(
        f"{API}/kb/articles/{article['id']}",
        json.dumps({**body, "status": "published", "version": article["version"]}),
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    # then a second change with the old version is a conflict, and the article stays
    stale = client.put(
        f"{API}/kb/articles/{article['id']}",
        json.dumps({**body, "title": "Other", "version": 1}),
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert client.get(f"{API}/kb/articles/{article['id']}").json()["title"] == body["title"]
    # and customers see it now that it is published
    customer = client_for(world, "acme_customer")
    assert customer.get(f"{API}/kb/articles/{article['id']}").status_code == 200


def test_list_query_count_does_not_grow_with_articles(world, django_assert_max_num_queries):
    client = client_for(world, "acme_l1")
    client.get(f"{API}/kb/articles")  # warm up
    with django_assert_max_num_queries(6) as few:
        client.get(f"{API}/kb/articles")
    for n in range(15):
        services.article_create(
            actor=SYSTEM, draft=ArticleDraft(title=f"Extra {n}", body="b", status="published")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(f"{API}/kb/articles").json()["items"]) >= 15
