"""Secrets out of a raw mail before any of it is kept.

`intake()` scrubs the raw bytes first, so the held copy (quarantine, triage), the
`.eml` attached to the ticket, the dedup record's subject and everything parsed from it
hold `[redacted: <kind>]` instead of the values. Two passes:

1. every part sent base64 or quoted-printable whose decoded bytes are text is decoded,
   redacted and encoded again the same way (a secret in an encoded body or attachment is
   not visible in the raw bytes, but it is one decode away);
2. the whole mail is redacted as text (headers, 7bit/8bit bodies), bytes that are not
   UTF-8 passing through unchanged.
"""

from __future__ import annotations

import base64
import email
import email.policy
import io
import quopri
from collections import Counter

from tierdesk.core.redaction import redact, redact_file

# A mail larger than this is scrubbed as text only (it is held as too large anyway).
MIME_PASS_LIMIT = 50 * 1024 * 1024


def _encoded_parts(raw: bytes, found: Counter[str]) -> bytes:
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception:  # an unreadable mail is held as it came; pass 2 still runs
        return raw
    changed = False
    for part in message.walk():
        if part.is_multipart():
            continue
        encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
        if encoding not in ("base64", "quoted-printable"):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or b"\x00" in payload:
            continue  # binary (an image, an archive): not text, nothing to mask
        text, counts = redact(payload.decode("utf-8", "surrogateescape"))
        if not counts:
            continue
        found.update(counts)
        data = text.encode("utf-8", "surrogateescape")
        if encoding == "base64":
            part.set_payload(base64.encodebytes(data).decode("ascii"))
        else:
            part.set_payload(quopri.encodestring(data).decode("ascii"))
        changed = True
    if not changed:
        return raw
    try:
        return message.as_bytes(policy=email.policy.compat32)
    except Exception:
        return raw


def scrub_mail(raw: bytes) -> bytes:
    """The raw mail with every secret masked (see the module)."""
    return scrub_mail_counted(raw)[0]


def scrub_mail_counted(raw: bytes) -> tuple[bytes, dict[str, int]]:
    """The raw mail with every secret masked, and how many of each kind were."""
    found: Counter[str] = Counter()
    if len(raw) <= MIME_PASS_LIMIT:
        raw = _encoded_parts(raw, found)
    out = io.BytesIO()
    found.update(redact_file(io.BytesIO(raw), out))
    return out.getvalue(), dict(found)
