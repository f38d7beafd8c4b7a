"""An article's text as safe HTML: the same Markdown renderer and sanitiser as messages."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from tierdesk.kb.models import Article
from tierdesk.tickets.templatetags.tierdesk_ui import render_markdown


def render_article(article: Article) -> SafeString:
    return mark_safe(render_markdown(article.body))  # noqa: S308 - markdown-it html=False + nh3
