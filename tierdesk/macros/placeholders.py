"""The macros' placeholders: a fixed set, filled by plain substitution (pure).

A template is never evaluated: `{{ name }}` is looked up in a fixed table and replaced
once, in one pass, so a value that itself looks like a placeholder stays text. Values are
Markdown-escaped before they go in, so a customer's name cannot become a link or
emphasis; the reply is then stored and rendered like any message (Markdown without HTML,
sanitised by nh3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# name -> what it is (shown on the macro form and in docs/agents.md)
PLACEHOLDERS: dict[str, str] = {
    "customer.name": "the customer's name",
    "customer.first_name": "the customer's first name",
    "ticket.number": "the ticket's number (e.g. TD-1042)",
    "ticket.title": "the ticket's title",
    "partner.brand": "the brand the customer knows (the partner's, or the vendor's)",
    "agent.name": "your name",
    "agent.first_name": "your first name",
}
KB_HELP = "kb:<article id> — a link to a knowledge-base article the customer may read"

_PATTERN = re.compile(r"\{\{\s*([^{}\s]{1,60})\s*\}\}")
_KB = re.compile(r"^kb:(\d{1,9})$")
# Markdown that could make a value a link, an image, emphasis, code or HTML.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>!#|~])")


@dataclass(frozen=True)
class Found:
    names: frozenset[str]
    articles: frozenset[int]
    unknown: tuple[str, ...]


def scan(template: str) -> Found:
    """The placeholders a template uses, the articles it links and what is unknown."""
    names, articles, unknown = set(), set(), []
    for match in _PATTERN.finditer(template or ""):
        key = match.group(1)
        kb = _KB.match(key)
        if key in PLACEHOLDERS:
            names.add(key)
        elif kb:
            articles.add(int(kb.group(1)))
        elif key not in unknown:
            unknown.append(key)
    return Found(frozenset(names), frozenset(articles), tuple(unknown))


def escape(value: str) -> str:
    """A value as literal Markdown text (one line)."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(value).split()))


def render(
    template: str, values: Mapping[str, str], articles: Mapping[int, tuple[str, str]]
) -> str:
    """`template` with each known placeholder replaced by its escaped value and each
    `{{ kb:<id> }}` by a Markdown link `[title](url)`; anything unknown is left as typed.
    `articles` maps an id to (title, absolute URL) for the articles the reader may see."""

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in PLACEHOLDERS:
            return escape(values.get(key, ""))
        kb = _KB.match(key)
        if kb and int(kb.group(1)) in articles:
            title, url = articles[int(kb.group(1))]
            return f"[{escape(title)}](<{url}>)"
        return match.group(0)

    return _PATTERN.sub(fill, template or "")
