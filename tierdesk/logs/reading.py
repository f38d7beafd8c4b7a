"""Reading a stored text attachment (a log), the one way every app does it.

The bytes are read from the attachment's storage in binary and decoded as UTF-8, a byte
that is not UTF-8 becoming U+FFFD — never the whole file at once: `open_log` gives the
binary handle to stream (the log locator reads it line by line), `log_head` the text of
its first bytes (triage scans that much), cut at a character boundary. A file that is
missing from storage reads as empty for `log_head`; `open_log` lets the `OSError` through
for the caller that must record the failure (`logs.services.log_parse`)."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from tierdesk.logs.parsing import ENCODING, ERRORS
from tierdesk.tickets.models import Attachment


@contextmanager
def open_log(attachment: Attachment) -> Iterator[IO[bytes]]:
    """The stored file, opened for reading in binary; closed on leaving."""
    with attachment.file.open("rb") as handle:
        yield handle


def log_head(attachment: Attachment, limit: int) -> str:
    """The text of the first `limit` bytes (a character cut by the limit is left out);
    "" when the file cannot be read."""
    decoder = codecs.getincrementaldecoder(ENCODING)(errors=ERRORS)
    try:
        with open_log(attachment) as handle:
            return decoder.decode(handle.read(limit))
    except OSError:
        return ""
