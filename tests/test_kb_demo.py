"""The knowledge base in the demo: the seed articles, each partner's own, deflected
reports; loading afresh (reset) does not duplicate any of it."""

from __future__ import annotations

import pytest

from tierdesk.core.actor import actor_for
from tierdesk.demo import load_demo
from tierdesk.kb.access import visible_articles
from tierdesk.kb.models import Article
from tierdesk.triage.models import Deflection, Rule

pytestmark = pytest.mark.django_db


def test_demo_has_articles_for_every_cause_partner_articles_and_deflections():
    # when the demo is loaded, and loaded again from scratch
    load_demo()
    counts = (Article.objects.count(), Rule.objects.count())
    load_demo(reset=True)
    # then nothing is duplicated
    assert (Article.objects.count(), Rule.objects.count()) == counts
    # and every rule points at a published seed article
    assert all(rule.article and rule.article.is_published for rule in Rule.objects.all())
    # and each partner's customers see their partner's article, not the other's
    from tierdesk.accounts.models import User

    jan = actor_for(User.objects.get(email="jan.petersen@hafenlogistik.example"))
    emma = actor_for(User.objects.get(email="emma.clarke@greenfield-foods.example"))
    titles_jan = set(visible_articles(jan).values_list("title", flat=True))
    titles_emma = set(visible_articles(emma).values_list("title", flat=True))
    assert "Northwind agent offline: on-premises systems unreachable" in titles_jan - titles_emma
    assert "Shopify 429 with the Bluefin connector" in titles_emma - titles_jan
    assert "Reading a platform log (L2, internal)" not in titles_jan | titles_emma
    # and the partner article keeps its history (draft, then published by its partner admin)
    article = Article.objects.get(title__startswith="Northwind agent offline")
    assert [r.number for r in article.revisions.all()] == [2, 1]
    assert article.revisions.first().author.email == "stefan.hoffmann@northwind.example"
    # and two reports were deflected by an article
    assert Deflection.objects.filter(cause="token_expired").count() == 2
