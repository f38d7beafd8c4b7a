"""Shapes of the knowledge-base API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from tierdesk.core.api_support import Text, api_enum
from tierdesk.kb import models

ArticleStatus = api_enum("ArticleStatus", models.ArticleStatus, doc="draft or published.")
Audience = api_enum(
    "ArticleAudience",
    models.Audience,
    doc="public: customers and partners; internal: staff only; partner: one partner's people.",
)


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class CategoryOut(Schema):
    slug: str
    name: str


class ArticleOut(Schema):
    id: int
    slug: str
    title: str
    summary: str
    category: CategoryOut | None
    audience: Audience  # type: ignore[valid-type]
    partner_id: int | None
    status: ArticleStatus  # type: ignore[valid-type]
    url: str = Field(description="The article's stable page (id and slug).")
    version: int
    updated_at: datetime


class ArticleDetailOut(ArticleOut):
    body: str = Field(description="Markdown source.")
    html: str = Field(description="Rendered and sanitised HTML.")


class ArticlePage(Schema):
    items: list[ArticleOut]


class ArticleIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Expired OAuth connection: invalid_grant",
                    "summary": "Reconnect the credential when its refresh token expired.",
                    "body": "## Symptoms\n`invalid_grant` in the step log…",
                    "audience": "public",
                    "status": "published",
                    "category": "credentials",
                }
            ]
        },
    )

    title: Text = Field(..., max_length=200)
    body: Text
    summary: Text = ""
    audience: Audience = Audience.PUBLIC  # type: ignore[valid-type, attr-defined]
    status: ArticleStatus = ArticleStatus.DRAFT  # type: ignore[valid-type, attr-defined]
    category: Text | None = Field(None, description="A category's slug.")
    partner_id: int | None = None


class ArticlePut(ArticleIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Expired OAuth connection: invalid_grant",
                    "body": "## Symptoms\n`invalid_grant` in the step log…",
                    "status": "published",
                    "version": 3,
                    "note": "Added the steps for Salesforce.",
                }
            ]
        },
    )

    version: int | None = None
    note: Text = ""
