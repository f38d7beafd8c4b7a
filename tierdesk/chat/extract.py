"""Pick handover items out of a chat transcript. Pure: the lines and `now` are passed in.

What a conversation reliably carries: platform URLs (contract, workspace and flow IDs in
one), IDs named with their kind ("flow 65a1…"), moments ("2026-12-07 09:15", "today at
9:15", "at 09:15"), and error lines pasted from a log or a screen. The first thing the
customer wrote is the description. Anything the agent typed into the draft wins over what
is found here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from tierdesk.directory.platform import PlatformUrlError, parse_platform_url

_URL = re.compile(r"[^\s<>\"']*/c/[0-9a-fA-F]{24}[^\s<>\"']*")
_NAMED_ID = re.compile(r"\b(contract|workspace|flow)(?:\s+id)?[\s:#=]+([0-9a-fA-F]{24})\b", re.I)
_ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)(Z|[+-]\d{2}:?\d{2})?\b")
_CLOCK = re.compile(r"\b(today|yesterday)?\s*(?:at|around|um|gegen)\s+(\d{1,2})[:.](\d{2})\b", re.I)
_ERROR = re.compile(
    r"\b(error|exception|failed|failure|fatal|traceback|refused|timed? ?out|denied|"
    r"unauthori[sz]ed|forbidden|status(?: code)? [45]\d\d|HTTP [45]\d\d|[45]\d\d [A-Z][a-z]+)\b",
    re.I,
)
MAX_ERROR_LINES = 40


@dataclass(frozen=True)
class Line:
    """One public line of the transcript: who wrote it and what."""

    from_customer: bool
    body: str


def _platform_ids(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _URL.finditer(text):
        try:
            ref = parse_platform_url(match.group(0).rstrip(".,;)"))
        except PlatformUrlError:
            continue
        for key in ("contract_id", "workspace_id", "flow_id"):
            value = getattr(ref, key)
            if value:
                found[key] = value
    for kind, value in _NAMED_ID.findall(text):
        found.setdefault(f"{kind.lower()}_id", value.lower())
    return found


def _moment(text: str, *, now: datetime, tz: tzinfo) -> datetime | None:
    """The last moment named in the text that is not in the future."""
    best = None
    for day, clock, offset in _ISO.findall(text):
        raw = f"{day}T{clock if clock.count(':') == 2 else clock + ':00'}"
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            continue
        if offset:
            off = offset if ":" in offset or offset == "Z" else offset[:3] + ":" + offset[3:]
            moment = datetime.fromisoformat(raw + ("+00:00" if off == "Z" else off))
        else:
            moment = moment.replace(tzinfo=tz)
        if moment <= now:
            best = moment
    for day, hour, minute in _CLOCK.findall(text):
        if int(hour) > 23 or int(minute) > 59:
            continue
        local = now.astimezone(tz)
        moment = local.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
        if day.lower() == "yesterday":
            moment -= timedelta(days=1)
        if moment <= now:
            best = moment
    return best


def error_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if _ERROR.search(line)]


def extract(lines: Iterable[Line], *, now: datetime, tz: tzinfo) -> dict[str, object]:
    """Ticket fields (as the ticket form takes them) found in the transcript."""
    found: dict[str, object] = {}
    errors: list[str] = []
    occurred: datetime | None = None
    first_customer = ""
    for line in lines:
        found.update(_platform_ids(line.body))
        if line.from_customer:
            first_customer = first_customer or line.body.strip()
            moment = _moment(line.body, now=now, tz=tz)
            if moment is not None:
                occurred = moment
        for error in error_lines(line.body):
            if error not in errors:
                errors.append(error)
    if first_customer:
        found["title"] = first_customer.splitlines()[0][:120]
        found["description"] = first_customer
    if occurred is not None:
        found["occurred_at"] = occurred.isoformat()
    if errors:
        errors = errors[:MAX_ERROR_LINES]
        found["pasted_log"] = "\n".join(errors)
        found["actual_behaviour"] = errors[0]
    return found
