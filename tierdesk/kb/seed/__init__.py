"""The articles every installation starts with: one per obvious cause the triage rules
recognise, each with symptoms, how to confirm and how to fix. Loaded by a data migration
(`kb/migrations/0002_seed_articles.py`) through `load(apps)`, idempotent by slug."""

from __future__ import annotations

from tierdesk.kb.seed.auth import ARTICLES as AUTH_ARTICLES
from tierdesk.kb.seed.network import ARTICLES as NETWORK_ARTICLES

CATEGORIES = [
    ("connections", "Connections and networks", 10),
    ("credentials", "Credentials and tokens", 20),
    ("limits", "Limits and quotas", 30),
    ("support", "Working with support", 90),
]

ARTICLES: list[dict] = [*NETWORK_ARTICLES, *AUTH_ARTICLES]


def load(apps=None) -> int:
    """Create the missing seed categories and articles (published, revision 1). Returns
    how many articles were created. `apps` is a migration's app registry (or None)."""
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    Category = apps.get_model("kb", "Category")
    Article = apps.get_model("kb", "Article")
    Revision = apps.get_model("kb", "Revision")
    from django.utils import timezone

    now = timezone.now()
    categories = {}
    for slug, name, order in CATEGORIES:
        categories[slug], _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "order": order}
        )
    created = 0
    for spec in ARTICLES:
        if Article.objects.filter(slug=spec["slug"]).exists():
            continue
        article = Article.objects.create(
            slug=spec["slug"],
            title=spec["title"],
            summary=spec["summary"],
            body=spec["body"].strip() + "\n",
            category=categories[spec["category"]],
            audience=spec.get("audience", "public"),
            status="published",
            published_at=now,
            created_at=now,
            updated_at=now,
        )
        Revision.objects.create(
            article=article,
            number=1,
            title=article.title,
            body=article.body,
            status=article.status,
            note="Seed article",
            created_at=now,
        )
        created += 1
    return created
