"""Secret redaction at the door: every text and text file is passed through here before
it is stored, so the unmasked value is never stored, logged, mailed or sent in a webhook.

A secret is replaced by `[redacted: <kind>]`, keeping what it was. Pure and streaming:
`Redactor.feed()` takes text in chunks of any size and keeps only a bounded tail
(`CARRY` characters) back, so a secret split across two chunks — or across lines, like a
PEM block or a pretty-printed `"password":\n "…"` — is still caught, and a 50 MB log
never sits in memory whole.

What is recognised (kind: shape):

* `private_key`: a PEM block `-----BEGIN … PRIVATE KEY----- … -----END … PRIVATE KEY-----`,
  also with `\\n` escapes inside a JSON string;
* `url_credentials`: the password in `scheme://user:password@host`, also URL-encoded
  (`https%3A%2F%2Fuser%3Apassword%40host`);
* `bearer`: `Bearer <token>` (an `Authorization` header, `Bearer%20…`, `Bearer+…`);
* `basic`: `Basic <base64 of user:password>` (prose such as "Basic configuration" is not);
* `aws_access_key`: `AKIA…`/`ASIA…` access key IDs (20 characters); `aws_secret_key`:
  the value of `aws_secret_access_key` and similar keys;
* `platform_api_key`: the integration platform's API keys, `ipk_live_` or `ipk_test_`
  and 32 to 128 letters and digits;
* `tierdesk_token`: Tierdesk's own API tokens, `td_`, 8 hex digits, `_`, 43 URL-safe
  characters;
* `jwt`: a JSON Web Token `eyJ….eyJ….…`;
* `client_secret`, `secret`, `password`, `api_key`, `token`: the value of a key ending in
  that word (`password`, `passwd`, `pwd`, `DB_PASSWORD`, `apikey`, `x-api-key`,
  `access_token`, `client_secret`…) in text (`key: value`, `key=value`), JSON
  (`"key": "value"`, also escaped inside a JSON string), form and query strings
  (`key=value&…`) and URL-encoded query strings (`key%3Dvalue%26…`). `null`, `true` and
  `false` are left alone.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import IO

MASK = "[redacted: {}]"
_MASK_START = "[redacted:"

# The longest secret we look for (a PEM private key of 8192 bits is ~6.5 KB) and the
# tail kept back between chunks: a match never spans more than CARRY characters.
MAX_VALUE = 2048
MAX_PEM = 16000
CARRY = MAX_PEM + 4096
CHUNK = 256 * 1024
# Scan once this much more than the tail has arrived: small chunks cost no rescans.
STEP = 16 * 1024

Sub = Callable[[re.Match[str]], str | None]

# -- the patterns, applied in this order -----------------------------------------------

_PEM = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"
    r"(?:[\s\S]{0,16000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----"  # MAX_PEM
    r"|[A-Za-z0-9+/=\s\\:,.-]{0,16000})"
)
_URL_CREDENTIALS = re.compile(
    r"(?i)\b([a-z][a-z0-9+.-]{1,20}://[^\s/:@\"'<>]{1,256}:)([^\s/@\"'<>]{1,256})(@)"
)
_URL_CREDENTIALS_ENCODED = re.compile(
    r"(?i)\b([a-z][a-z0-9+.-]{1,20}%3A%2F%2F(?:(?!%3A|%40|%2F)[^\s/:@&\"'<>]){1,256}%3A)"
    r"((?:(?!%40|%2F)[^\s/@&\"'<>]){1,256})(%40)"
)
_BEARER = re.compile(r"(?i)\b(bearer(?:\s+|%20|\+))(?!\[redacted)([A-Za-z0-9\-._~+/]{8,}=*)")
_BASIC = re.compile(r"(?i)\b(basic(?:\s+|%20|\+))([A-Za-z0-9+/]{8,}={0,2})")
_AWS_ACCESS_KEY = re.compile(
    r"(?<![A-Za-z0-9])((?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA)[A-Z0-9]{16})(?![A-Za-z0-9])"
)
_PLATFORM_KEY = re.compile(
    r"(?<![A-Za-z0-9_])(ipk_(?:live|test)_[A-Za-z0-9]{32,128})(?![A-Za-z0-9])"
)
_TIERDESK_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_])(td_[0-9a-f]{8}_[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])"
)
_JWT = re.compile(r"(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)")
# key (ending in a secret word) · optional closing quote · separator · value
_KEY_VALUE = re.compile(
    r"(?i)(?P<key>(?:client[_-]?secret|secret[_-]?access[_-]?key|secret"
    r"|passw(?:or)?d|pwd|api[_-]?key|access[_-]?key|token))"
    r"(?:"
    # URL-encoded inside a query string: key%3Dvalue%26next…
    r"(?P<esep>(?:%22)?%3[DdAa](?:%22)?)(?P<v5>(?:(?!%2[26Cc]|%22)[^\s&\"'<>]){1,2048})"
    r"|(?P<sep>(?:\\?[\"'])?\s*[:=]\s*)"
    r"(?:"
    r"(?P<eq>\\\")(?P<v1>(?:[^\"\\\n]|\\\\){1,2048}?)\\\""  # escaped JSON inside a string
    r"|(?P<dq>\")(?P<v2>(?:[^\"\\\n]|\\.){1,2048})\""
    r"|(?P<sq>')(?P<v3>[^'\n]{1,2048})'"
    # bare: up to white space, a delimiter or the next `&name=` of a form
    r"|(?P<v4>(?:(?!&[\w.\[\]-]*=|\\\")[^\s,;\"'<>(){}\[\]]){1,2048})"
    r"))"  # values up to MAX_VALUE characters
)


def _kind_of_key(key: str) -> str:
    k = key.lower().replace("-", "_")
    if "client_secret" in k or "clientsecret" in k:
        return "client_secret"
    if "secret" in k and ("aws" in k or "access_key" in k or "accesskey" in k):
        return "aws_secret_key"
    if "secret" in k:
        return "secret"
    if "passw" in k or k.endswith("pwd"):
        return "password"
    if "key" in k:
        return "api_key"
    return "token"


def _masked_group(group: int, kind: str) -> Sub:
    """Replace one group of the match, keep the rest (the key, `Bearer `, the `@`)."""

    def sub(m: re.Match[str]) -> str | None:
        start, end = m.span(group)
        whole_start = m.start()
        text = m.group(0)
        return text[: start - whole_start] + MASK.format(kind) + text[end - whole_start :]

    return sub


def _whole(kind: str) -> Sub:
    return lambda m: MASK.format(kind)


def _basic(m: re.Match[str]) -> str | None:
    # "Basic configuration" is prose: only base64 of `user:password` is a credential.
    value = m.group(2)
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    if b":" not in decoded:
        return None
    return m.group(1) + MASK.format("basic")


_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _full_key(m: re.Match[str]) -> str:
    """The whole key the secret word ends (`DB_PASSWORD`, `x-api-key`), read backwards:
    cheaper than a regex prefix tried at every position."""
    start = m.start()
    begin = start
    while begin > 0 and start - begin < 40 and m.string[begin - 1] in _KEY_CHARS:
        begin -= 1
    return m.string[begin:start] + m["key"]


def _key_value(m: re.Match[str]) -> str | None:
    value = next(v for v in (m["v1"], m["v2"], m["v3"], m["v4"], m["v5"]) if v is not None)
    if value.startswith(_MASK_START) or value.lower() in ("null", "true", "false", "none"):
        return None
    kind = _kind_of_key(_full_key(m))
    quote = m["eq"] or m["dq"] or m["sq"] or ""
    return f"{m['key']}{m['esep'] or m['sep']}{quote}{MASK.format(kind)}{quote}"


def _kinded(kind: str, group: int = 0) -> tuple[str, Sub]:
    return kind, (_whole(kind) if group == 0 else _masked_group(group, kind))


RULES: tuple[tuple[re.Pattern[str], str, Sub], ...] = (
    (_PEM, "private_key", _whole("private_key")),
    (_URL_CREDENTIALS, "url_credentials", _masked_group(2, "url_credentials")),
    (_URL_CREDENTIALS_ENCODED, "url_credentials", _masked_group(2, "url_credentials")),
    (_BEARER, "bearer", _masked_group(2, "bearer")),
    (_BASIC, "basic", _basic),
    (_AWS_ACCESS_KEY, "aws_access_key", _whole("aws_access_key")),
    (_PLATFORM_KEY, "platform_api_key", _whole("platform_api_key")),
    (_TIERDESK_TOKEN, "tierdesk_token", _whole("tierdesk_token")),
    (_JWT, "jwt", _whole("jwt")),
    (_KEY_VALUE, "", _key_value),
)
KINDS = (
    "private_key",
    "url_credentials",
    "bearer",
    "basic",
    "aws_access_key",
    "aws_secret_key",
    "platform_api_key",
    "tierdesk_token",
    "jwt",
    "client_secret",
    "secret",
    "password",
    "api_key",
    "token",
)


def _apply(text: str, counts: Counter[str]) -> str:
    for pattern, kind, sub in RULES:

        def replace(m: re.Match[str], kind=kind, sub=sub) -> str:
            out = sub(m)
            if out is None:
                return m.group(0)
            if kind:
                counts[kind] += 1
            else:
                counts[_kind_of_key(_full_key(m))] += 1
            return out

        text = pattern.sub(replace, text)
    return text


def redact(text: str) -> tuple[str, dict[str, int]]:
    """The text with every secret masked, and how many of each kind were masked."""
    counts: Counter[str] = Counter()
    return _apply(text, counts), dict(counts)


def redact_text(text: str) -> str:
    """Only the masked text (for fields, messages, subjects)."""
    if not text:
        return text
    return redact(text)[0]


class Redactor:
    """Streaming redaction: `feed()` chunks, then `finish()`; `counts` says what was masked.
    Holds back at most CARRY characters (plus a match reaching into them)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._buffer = ""

    def feed(self, chunk: str) -> str:
        self._buffer += chunk
        if len(self._buffer) < CARRY + STEP:
            return ""
        cut = self._safe_cut(self._buffer, len(self._buffer) - CARRY)
        head, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return _apply(head, self.counts)

    def finish(self) -> str:
        head, self._buffer = self._buffer, ""
        return _apply(head, self.counts)

    @staticmethod
    def _safe_cut(buffer: str, cut: int) -> int:
        """Move the cut back before any match that reaches across it, so that every
        secret is redacted whole, in one piece."""
        moved = True
        while moved and cut > 0:
            moved = False
            for pattern, _kind, _sub in RULES:
                window = (max(0, cut - CARRY), min(len(buffer), cut + CARRY))
                for m in pattern.finditer(buffer, *window):
                    if m.start() >= cut:
                        break
                    if m.end() > cut:
                        cut, moved = m.start(), True
                        break
        # Prefer to cut after a line end, so a line is never split between two scans.
        newline = buffer.rfind("\n", max(0, cut - 4096), cut)
        return newline + 1 if newline >= 0 else cut

    def stream(self, chunks: Iterable[str]) -> Iterator[str]:
        for chunk in chunks:
            out = self.feed(chunk)
            if out:
                yield out
        out = self.finish()
        if out:
            yield out


def redact_file(source: IO[bytes], target: IO[bytes], *, chunk_size: int = CHUNK) -> dict[str, int]:
    """Copy a text file from `source` to `target` with every secret masked, chunk by chunk.
    Bytes that are not UTF-8 pass through unchanged (surrogate escapes). Returns the
    counts per kind."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    redactor = Redactor()
    while True:
        data = source.read(chunk_size)
        final = not data
        text = decoder.decode(data or b"", final=final)
        out = redactor.feed(text) if text else ""
        if final:
            out += redactor.finish()
        if out:
            target.write(out.encode("utf-8", "surrogateescape"))
        if final:
            return dict(redactor.counts)


def redact_fields(values: dict[str, object]) -> dict[str, object]:
    """Every text value of a mapping of fields masked (ticket fields, pasted logs)."""
    return {k: redact_text(v) if isinstance(v, str) else v for k, v in values.items()}


def redact_value(value: object, counts: Counter[str]) -> object:
    """A JSON value (a snapshot, an event's data) with every string in it masked, keys
    kept; what was masked is added to `counts`."""
    if isinstance(value, str):
        return _apply(value, counts)
    if isinstance(value, list):
        return [redact_value(v, counts) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v, counts) for k, v in value.items()}
    return value
