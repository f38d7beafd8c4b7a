"""Shapes of the knowledge-base API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from tierdesk.core.api_support import Text
from tierdesk.kb.models import ArticleStatus, Audience


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
    audience: Audience
    partner_id: int | None
    status: ArticleStatus
    url: str = Field(description="The article's stable page (id and slug).")
    version: int
    updated_at: datetime


class ArticleDetailOut(ArticleOut):
    body: str = Field(description="Markdown source.")
    html: str = Field(description="Rendered and sanitised HTML.")


class ArticlePage(Schema):
    items: list[ArticleOut]


class ArticleIn(Strict):
    title: Text = Field(..., max_length=200)
    body: Text
    summary: Text = ""
    audience: Audience = Audience.PUBLIC
    status: ArticleStatus = ArticleStatus.DRAFT
    category: Text | None = Field(None, description="A category's slug.")
    partner_id: int | None = None


class ArticlePut(ArticleIn):
    version: int | None = None
    note: Text = ""
