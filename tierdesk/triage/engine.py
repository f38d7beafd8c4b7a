"""The diagnosis engine: pure functions from texts and rules to findings.

A rule's patterns are matched line by line; a line that also matches one of the rule's
excludes is no evidence (a negation, or another cause's wording). A bunyan JSON log line
is matched on its `msg` and `err.message`, and that text is the evidence. Each cause is
reported once, with the most confident rule's first evidence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_LINES = 20_000
MAX_LINE = 4_000
EVIDENCE_CHARS = 400


@dataclass(frozen=True)
class RuleSpec:
    code: str
    cause: str
    patterns: tuple[re.Pattern, ...]
    excludes: tuple[re.Pattern, ...] = ()
    confidence: float = 0.8
    article_id: int | None = None
    version: int = 1

    def matches(self, line: str) -> bool:
        return any(p.search(line) for p in self.patterns) and not any(
            x.search(line) for x in self.excludes
        )


@dataclass(frozen=True)
class Source:
    """A text to diagnose and where it came from (`description`, `log`, `attachment:x.log`…).
    `numbered`: evidence from it names its line number (logs and attachments)."""

    name: str
    text: str
    numbered: bool = False


@dataclass
class Finding:
    cause: str
    confidence: float
    rule: str
    evidence: dict[str, Any]
    article_id: int | None = None
    # Room for a known problem record matching the same text (none yet).
    problem: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def compile_rule(rule: Any) -> RuleSpec:
    """A RuleSpec from anything with the Rule model's fields."""

    def compiled(text: str) -> tuple[re.Pattern, ...]:
        return tuple(re.compile(p, re.IGNORECASE) for p in _lines(text or ""))

    return RuleSpec(
        code=rule.code,
        cause=rule.cause,
        patterns=compiled(rule.patterns),
        excludes=compiled(rule.excludes),
        confidence=float(rule.confidence),
        article_id=getattr(rule, "article_id", None),
        version=getattr(rule, "version", 1),
    )


def readable(line: str) -> str:
    """The text of a line worth matching: a bunyan JSON line's msg and err.message."""
    if not line.startswith("{"):
        return line
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict):
        return line
    parts = [str(record.get("msg") or "")]
    err = record.get("err")
    if isinstance(err, dict) and err.get("message"):
        message = str(err["message"])
        if message not in parts[0]:
            parts.append(message)
    text = " — ".join(p for p in parts if p)
    return text or line


def diagnose(sources: list[Source], rules: list[RuleSpec]) -> list[Finding]:
    """Findings, most confident first; at most one per cause."""
    best: dict[str, Finding] = {}
    for source in sources:
        for number, raw in enumerate((source.text or "").splitlines()[:MAX_LINES], start=1):
            raw = raw.strip()
            if not raw:
                continue
            text = readable(raw[:MAX_LINE])
            for rule in rules:
                if not rule.matches(text):
                    continue
                current = best.get(rule.cause)
                if current is not None and current.confidence >= rule.confidence:
                    continue
                evidence: dict[str, Any] = {"text": text[:EVIDENCE_CHARS], "source": source.name}
                if source.numbered:
                    evidence["line"] = number
                best[rule.cause] = Finding(
                    cause=rule.cause,
                    confidence=rule.confidence,
                    rule=rule.code,
                    evidence=evidence,
                    article_id=rule.article_id,
                )
    return sorted(best.values(), key=lambda f: (-f.confidence, f.cause))
