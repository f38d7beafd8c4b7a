"""Error signatures (pure): an error message with what varies between occurrences —
numbers, IDs, times, hosts, addresses, paths, quoted values — replaced by placeholders,
so the same failure on another day, flow or record gives the same signature."""

from __future__ import annotations

import hashlib
import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\[redacted: [a-z_]+\]"), "<secret>"),
    (re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.I), "<url>"),
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "<email>"),
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
        ),
        "<time>",
    ),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.I), "<id>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<host>"),
    (
        re.compile(
            r"\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|de|example|internal|local|cloud|app)\b", re.I
        ),
        "<host>",
    ),
    (re.compile(r"(?:/[\w.@%+-]+){2,}/?|\b[A-Za-z]:\\[^\s]+"), "<path>"),
    (re.compile(r"(['\"])(?:(?!\1).){1,200}\1"), "<value>"),
    (re.compile(r"\b\d+(?:[.,]\d+)?\b"), "<n>"),
    (re.compile(r"\s+"), " "),
)
MAX_SIGNATURE_TEXT = 300


def normalise(message: str) -> str:
    text = message.strip()
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return text.strip()[:MAX_SIGNATURE_TEXT]


def signature(message: str) -> tuple[str, str]:
    """(a digest of the normalised message: 40 hex digits, the normalised message)."""
    text = normalise(message)
    return hashlib.sha256(text.lower().encode()).hexdigest()[:40], text
