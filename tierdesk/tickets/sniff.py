"""What a file really is, from its bytes — never from the client's claim or its name."""

from __future__ import annotations

import json
import re

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
)
# An SVG document: an optional prolog (XML declaration, comments, a doctype), then <svg.
# Each part can match in one way only, so a hostile sample cannot make it backtrack.
_SVG_START = re.compile(
    r"(?:\s|<\?xml[^>]*>|<!--(?:[^-]|-(?!->))*-->|<!DOCTYPE[^>\[]*(?:\[[^\]]*\])?\s*>)*"
    r"<svg[\s>/]"
)
# The sizes of the DIB header that follows a bitmap's 14-byte file header.
_BMP_DIB_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})


def sniff_content_type(head: bytes) -> str:
    """The content type of a file from its first bytes (give at least 8 KiB)."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if _is_bmp(head):
        return "image/bmp"
    if _is_text(head):
        return _text_kind(head)
    return "application/octet-stream"


def _is_bmp(head: bytes) -> bool:
    # "BM" alone also starts ordinary text ("BMW dealer sync failed…"): a bitmap has a
    # DIB header of a known size at offset 14.
    return (
        head[:2] == b"BM"
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES
    )


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off at the end of the sample is still text; any
        # other undecodable byte (even among the last few) is not.
        if exc.reason != "unexpected end of data" or exc.end != len(head):
            return False
    return True


def _text_kind(head: bytes) -> str:
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff").lstrip()
    if (
        text.startswith("<svg")
        or _SVG_START.match(text[:4096])
        or ("<svg" in text[:500] and text.startswith("<?xml"))
    ):
        return "image/svg+xml"
    lines = [line for line in text.splitlines()[:5] if line.strip()]
    if lines and all(_is_json_object(line) for line in lines[:-1] or lines):
        return "application/x-ndjson" if len(lines) > 1 else "application/json"
    return "text/plain"


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def is_text_type(content_type: str) -> bool:
    return content_type.startswith("text/") or content_type in (
        "application/json",
        "application/x-ndjson",
    )


def is_image_type(content_type: str) -> bool:
    # SVG is an image but scriptable: never accepted as a screenshot.
    return content_type.startswith("image/") and content_type != "image/svg+xml"
