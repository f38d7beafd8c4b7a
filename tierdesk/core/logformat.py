"""The log line format: one event, one line (ASVS 7.3.1, no log injection)."""

from __future__ import annotations

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
