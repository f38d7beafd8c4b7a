"""The log line format: one event, one line (ASVS 7.3.1, no log injection)."""

from __future__ import annotations

import json
import logging
import re
import time

# C0 and C1 control characters and DEL; tab too, so a field boundary cannot be faked.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """`text` with every control character written as a visible escape (`\\n`, `\\x1b`)."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class OneLineFormatter(logging.Formatter):
    """A message (with whatever a caller or an attacker put into it) is written on one
    line: a CR/LF in an email address, a subject or a header cannot forge a second log
    entry. A traceback that follows the message keeps its own lines. Times are UTC
    (`2026-03-01T09:30:00.123Z`), whatever the host's or the display time zone (ASVS 7.3.4)."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: `time` (UTC), `level`, `logger`, `message`, `request_id`
    and `task_id` (null outside a request or a task), `process`, and `exception` with its
    traceback when there is one. JSON escapes every control character, so a value cannot
    start a line of its own (ASVS 7.3.1); secrets a message or a traceback might carry (a
    bearer token, a password in a URL, an API key) are masked by the redaction that
    guards stored text (`core.redaction`), so they never reach the log."""

    converter = time.gmtime
    default_time_format = OneLineFormatter.default_time_format
    default_msec_format = OneLineFormatter.default_msec_format
    # Record attributes worth keeping when a caller passed them (`extra=`, Django's own).
    EXTRA = ("status_code", "worker_id")

    def format(self, record: logging.LogRecord) -> str:
        from tierdesk.core.redaction import redact_text

        entry: dict[str, object] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_text(record.getMessage()),
            "request_id": getattr(record, "request_id", None),
            "task_id": getattr(record, "task_id", None),
            "process": record.process,
        }
        for name in self.EXTRA:
            value = getattr(record, name, None)
            if isinstance(value, str | int):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = redact_text(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact_text(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact_text(self.formatStack(record.stack_info))
        # ASCII only: C1 controls and U+2028 could otherwise break a line for some readers.
        return json.dumps(entry, default=str)


def logging_config(*, log_format: str, level: str) -> dict:
    """Django's LOGGING: one JSON object per line with the request or task id, or `plain`
    one-line text; Authlib never logs at debug (it would print the PKCE verifier)."""
    formatter = "plain" if log_format.strip() == "plain" else "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "tierdesk.core.logcontext.ContextFilter"}},
        "formatters": {
            "plain": {
                "()": "tierdesk.core.logformat.OneLineFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            },
            "json": {"()": "tierdesk.core.logformat.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level or "INFO"},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "authlib": {"level": "WARNING"},
        },
    }
