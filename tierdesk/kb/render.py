"""An article's text as safe HTML: the same Markdown renderer and sanitiser as messages."""

from __future__ import annotations

from django.utils.safestring import SafeString

from tierdesk.kb.models import Article
from tierdesk.tickets.templatetags.tierdesk_ui import markdown


def render_article(article: Article) -> SafeString:
    # The `markdown` filter renders with html=False and sanitises with nh3 before it marks
    # the result safe: the one place that does (tests/test_asvs_checks.py).
    return markdown(article.body)
