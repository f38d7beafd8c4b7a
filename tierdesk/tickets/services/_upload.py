"""An upload on its way into storage: read once, in chunks, never whole.

Text (a log, JSON, a mail) is streamed through the redactor, so what is stored — and
what its SHA-256 and size describe — is the masked text; the unmasked bytes only ever
pass through memory a chunk at a time. Other files are copied as they are. What is to be
stored is then streamed to the virus scanner (`core.antivirus`), the one place every
surface's files pass (web, portal, API, mail, chat handover, connectors): an infected file,
or any file while the scanner cannot be asked, is refused before anything is stored."""

from __future__ import annotations

import hashlib
import io
import tempfile
from dataclasses import dataclass
from typing import IO

from django.core.files import File

from tierdesk.core import antivirus
from tierdesk.core.errors import InvalidInput, PayloadTooLarge
from tierdesk.core.redaction import CHUNK, redact_file
from tierdesk.tickets.sniff import is_text_type, sniff_content_type

SNIFF_BYTES = 8192
# Up to this size the redacted copy stays in memory; beyond it, in a temporary file.
SPOOL_BYTES = 1024 * 1024


@dataclass
class Upload:
    file: File
    content_type: str
    size: int
    sha256: str
    redactions: dict[str, int]


def size_text(size: int) -> str:
    """A byte count as people read it: 25 MiB, 1.5 MiB, 512 KiB, 100 bytes."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


class _Limited(io.RawIOBase):
    """Reads `head` again, then the rest of `source`; refuses past `limit` bytes."""

    def __init__(self, head: bytes, source: IO[bytes], limit: int):
        self._head, self._source, self._limit, self._seen = head, source, limit, len(head)

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = self._head, b""
            return data
        data = self._source.read(size if size and size > 0 else CHUNK) or b""
        self._seen += len(data)
        if self._seen > self._limit:
            raise PayloadTooLarge(f"The file is larger than {size_text(self._limit)}.")
        return data


class _Hashing(io.RawIOBase):
    def __init__(self, target: IO[bytes]):
        self.target, self.digest, self.size = target, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.digest.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


def prepare(file: IO[bytes] | bytes, *, limit: int) -> Upload:
    """Sniff, redact (text) and spool an upload. Raises PayloadTooLarge past `limit`
    bytes and InvalidInput for an empty file."""
    source: IO[bytes] = io.BytesIO(bytes(file)) if isinstance(file, bytes | bytearray) else file
    head = source.read(SNIFF_BYTES) or b""
    if len(head) > limit:
        raise PayloadTooLarge(f"The file is larger than {size_text(limit)}.")
    if not head:
        raise InvalidInput({"file": "is empty"})
    content_type = sniff_content_type(head)
    reader = _Limited(head, source, limit)
    # Closed by the caller's File once stored (or by the collector on a refusal).
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    target = _Hashing(spool)
    redactions: dict[str, int] = {}
    if is_text_type(content_type) or content_type == "image/svg+xml":
        redactions = redact_file(reader, target)
    else:
        while data := reader.read(CHUNK):
            target.write(data)
    spool.seek(0)
    digest = target.digest.hexdigest()
    try:
        antivirus.check_file(spool, size=target.size, sha256=digest)
    except BaseException:
        spool.close()
        raise
    return Upload(
        file=File(spool, name="upload"),
        content_type=content_type,
        size=target.size,
        sha256=digest,
        redactions=redactions,
    )
