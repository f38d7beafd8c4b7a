"""Log lines from a log file, one at a time (pure: no database, no clock).

Recognised, line by line (a file may mix them):

* the platform's bunyan JSON lines (DESIGN.md §6): `time` (ISO 8601, UTC), numeric
  `level` (10 trace … 60 fatal), `msg`, `err.message`, the flow in `ELASTICIO_FLOW_ID`
  (or `tag`), the step in `ELASTICIO_STEP_ID`;
* other common JSON lines: pino (numeric level, epoch-millisecond `time`), logstash/ECS
  (`@timestamp`, `log.level`, `message`), structlog/Python (`timestamp`, `level` or
  `levelname`, `event`/`message`), GCP (`severity`), epoch seconds in `ts`;
* plain text with an ISO 8601 / RFC 3339 time near the start of the line
  (`2026-11-27T09:14:03.120Z`, `2026-11-27 09:14:03,120 +01:00`, `2026-11-27 09:14:03`)
  and a level word (`ERROR`, `warn`, `[INFO]`…). A time without a zone is read in
  `default_zone` — the ticket's zone (see `tierdesk.logs.selectors.ticket_zone`).

A line with no time of its own (a stack frame, a wrapped message) takes the time and
level of the line before it, so the frames of an error stay with it. Memory stays
bounded whatever the file: one line at a time, a line longer than MAX_LINE_BYTES is
read in part and the rest skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

MAX_LINE_BYTES = 64 * 1024
# How log bytes become text, here and in `logs.reading`: a byte that is not UTF-8 is U+FFFD.
ENCODING, ERRORS = "utf-8", "replace"
MAX_MESSAGE = 2000

TRACE, DEBUG, INFO, WARN, ERROR, FATAL = 10, 20, 30, 40, 50, 60
LEVEL_WORDS = {
    "trace": TRACE,
    "debug": DEBUG,
    "fine": DEBUG,
    "info": INFO,
    "notice": INFO,
    "warn": WARN,
    "warning": WARN,
    "error": ERROR,
    "err": ERROR,
    "severe": ERROR,
    "fatal": FATAL,
    "critical": FATAL,
    "crit": FATAL,
    "alert": FATAL,
    "emergency": FATAL,
    "panic": FATAL,
}
_FLOW_ID = re.compile(r"^[0-9a-f]{24}$")
_TEXT_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<clock>\d{2}:\d{2}:\d{2})(?P<frac>[.,]\d{1,9})?"
    r"\s?(?P<zone>Z|z|[+-]\d{2}:?\d{2}|UTC|GMT)?(?![\d:])"
)
_TEXT_LEVEL = re.compile(
    r"(?i)(?<![A-Za-z])(trace|debug|info|notice|warn(?:ing)?|error|err|severe|fatal|critical"
    r"|crit)(?![A-Za-z])"
)
_TEXT_FLOW = re.compile(r"(?i)flow[_ -]?id[\"']?\s*[:=]\s*[\"']?([0-9a-f]{24})\b")
# How far into a plain-text line its time may start (after a host name, a thread…).
TIME_WITHIN = 48


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    offset: int  # byte offset of the line in the file
    time: datetime | None  # aware, UTC
    level: int  # 0 when unknown
    message: str
    flow_id: str = ""
    step: str = ""
    error_text: str = ""  # what a signature is made of: the message and err.message
    continuation: bool = False

    @property
    def is_error(self) -> bool:
        return self.level >= ERROR


def parse(handle: IO[bytes], *, default_zone: str = "UTC") -> Iterator[Line]:
    """Each line of a binary file, parsed (see the module)."""
    zone = _zone(default_zone)
    offset = 0
    number = 0
    previous: Line | None = None
    while True:
        raw = handle.readline(MAX_LINE_BYTES)
        if not raw:
            return
        size = len(raw)
        if not raw.endswith(b"\n") and size == MAX_LINE_BYTES:
            # An overlong line: keep its start, skip to its end without holding it.
            while True:
                rest = handle.readline(MAX_LINE_BYTES)
                size += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
        number += 1
        text = raw.decode(ENCODING, ERRORS).rstrip("\r\n")
        line = parse_line(text, number=number, offset=offset, zone=zone, previous=previous)
        offset += size
        if line is None:
            continue
        previous = line
        yield line


def parse_line(
    text: str, *, number: int, offset: int, zone: ZoneInfo, previous: Line | None
) -> Line | None:
    """One line; None for a blank one."""
    if not text.strip():
        return None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            line = _json_line(data, number=number, offset=offset, zone=zone)
            if line is not None:
                return line
    return _text_line(text, number=number, offset=offset, zone=zone, previous=previous)


# JSON lines ------------------------------------------------------------------------------


def _first(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if "." in key:
            head, _, tail = key.partition(".")
            inner = data.get(head)
            if isinstance(inner, dict) and tail in inner:
                return inner[tail]
        elif key in data:
            return data[key]
    return None


def _json_line(data: dict[str, Any], *, number: int, offset: int, zone: ZoneInfo) -> Line | None:
    time = _json_time(_first(data, "time", "@timestamp", "timestamp", "ts", "date"), zone)
    level = _json_level(_first(data, "level", "log.level", "levelname", "severity", "lvl"))
    message = _first(data, "msg", "message", "event", "@message", "text")
    if time is None and level == 0 and message is None:
        return None
    message = "" if message is None else str(message)
    err = data.get("err") or data.get("error")
    error_message = ""
    if isinstance(err, dict):
        error_message = str(err.get("message") or "")
    elif isinstance(err, str):
        error_message = err
    shown = message
    if error_message and error_message not in message:
        shown = f"{message}: {error_message}" if message else error_message
    flow = str(_first(data, "ELASTICIO_FLOW_ID", "flow_id", "flowId", "tag") or "")
    return Line(
        number=number,
        offset=offset,
        time=time,
        level=level,
        message=shown[:MAX_MESSAGE],
        flow_id=flow if _FLOW_ID.match(flow) else "",
        step=str(_first(data, "ELASTICIO_STEP_ID", "step_id", "stepId") or "")[:64],
        error_text=shown[:MAX_MESSAGE] if level >= ERROR else "",
    )


def _json_time(value: Any, zone: ZoneInfo) -> datetime | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value  # epoch ms (pino) or s
        try:
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
        except OverflowError:
            return None
    if isinstance(value, str):
        match = _TEXT_TIME.match(value.strip())
        if match:
            return _moment(match, zone)
    return None


def _json_level(value: Any) -> int:
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int | float):
        return max(0, min(int(value), FATAL))
    return LEVEL_WORDS.get(str(value).strip().lower(), 0)


# Plain text ------------------------------------------------------------------------------


def _text_line(
    text: str, *, number: int, offset: int, zone: ZoneInfo, previous: Line | None
) -> Line:
    match = _TEXT_TIME.search(text, 0, TIME_WITHIN + 40)
    if match is not None and match.start() > TIME_WITHIN:
        match = None
    flow_match = _TEXT_FLOW.search(text)
    flow = flow_match.group(1) if flow_match else ""
    message = text.strip()[:MAX_MESSAGE]
    if match is None:
        # A continuation (a stack frame): the time and level of the line it belongs to.
        time = previous.time if previous else None
        level = previous.level if previous else 0
        return Line(
            number=number,
            offset=offset,
            time=time,
            level=level,
            message=message,
            flow_id=flow or (previous.flow_id if previous else ""),
            step=previous.step if previous else "",
            continuation=previous is not None,
        )
    level_match = _TEXT_LEVEL.search(text, match.end(), match.end() + 60)
    level = LEVEL_WORDS[level_match.group(1).lower()] if level_match else 0
    return Line(
        number=number,
        offset=offset,
        time=_moment(match, zone),
        level=level,
        message=message,
        flow_id=flow,
        error_text=text[match.end() :].strip()[:MAX_MESSAGE] if level >= ERROR else "",
    )


def _moment(match: re.Match[str], zone: ZoneInfo) -> datetime | None:
    frac = (match["frac"] or "")[1:7].ljust(6, "0") if match["frac"] else "0"
    try:
        naive = datetime.fromisoformat(f"{match['date']}T{match['clock']}").replace(
            microsecond=int(frac)
        )
    except ValueError:
        return None
    try:
        return _in_utc(naive, match["zone"], zone)
    except OverflowError:  # year 1 or 9999 shifted out of range
        return None


def _in_utc(naive: datetime, raw_zone: str | None, zone: ZoneInfo) -> datetime:
    if raw_zone is None:
        # A wall time in the ticket's zone; in the hour a DST change repeats, the first.
        return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if raw_zone in ("Z", "z", "UTC", "GMT"):
        return naive.replace(tzinfo=UTC)
    sign = 1 if raw_zone[0] == "+" else -1
    digits = raw_zone[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (naive - sign * delta).replace(tzinfo=UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")
