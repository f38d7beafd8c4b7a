"""Articles of the knowledge base, their categories and their revisions.

An article is written by services only (`kb/services.py`): every change of its title or
body writes one revision with its author and a unified diff.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tierdesk.core.models import TimeStamped


class Audience(models.TextChoices):
    PUBLIC = "public", _("Public: customers and partners")
    INTERNAL = "internal", _("Internal: vendor staff only")
    PARTNER = "partner", _("One partner: its agents and customers")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Article(TimeStamped):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    partner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kb_articles",
        help_text="The one partner a partner-specific article is for.",
    )
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(audience="partner") & Q(partner__isnull=False))
                | (~Q(audience="partner") & Q(partner__isnull=True)),
                name="kb_partner_iff_partner_audience",
            ),
            models.UniqueConstraint(fields=["slug"], name="kb_article_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    @property
    def ref(self) -> str:
        """The stable part of every URL of the article: id and slug."""
        return f"{self.pk}-{self.slug}"

    def get_absolute_url(self) -> str:
        return reverse("kb-article", args=[self.pk, self.slug])

    def portal_url(self) -> str:
        return reverse("portal:kb-article", args=[self.pk, self.slug])


class Revision(models.Model):
    """One saved state of an article; append-only (services create, nothing updates)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=ArticleStatus.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    diff = models.TextField(blank=True, help_text="Unified diff from the previous revision.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.article} r{self.number}"
