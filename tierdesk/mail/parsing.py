"""Reading an inbound mail: MIME, charsets, the quoted previous mail, and whether it was
written by a person. Pure: bytes in, a `ParsedMail` out (or `Unparseable`).

Charsets are tried as declared, then as UTF-8, then as Windows-1252 (which maps every
byte but five), so a wrong or unknown declared charset still gives text; a declared
Latin-1 whose bytes are valid multi-byte UTF-8 is read as UTF-8 (the usual mislabel).
Broken base64 yields what can be decoded. Nothing here raises for a bad part: a mail is
`Unparseable` only when it has no sender address to answer or no content at all.
"""

from __future__ import annotations

import binascii
import email
import email.header
import email.message
import email.utils
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Put at the top of every mail we send; everything from it down is the quoted history.
REPLY_MARKER = "##- Please type your reply above this line -##"
LOOP_HEADER = "X-Tierdesk-Loop"
OWN_MAIL = "our own mail came back"

MSGID = re.compile(r"<([^<>\s\x00-\x1f\x7f]+)>")
ADDRESS = re.compile(r"[^@\s<>\x00-\x1f\x7f]+@[^@\s<>\x00-\x1f\x7f]+\.[^@\s<>\x00-\x1f\x7f]+")
SUBJECT_NUMBER = re.compile(r"\[([A-Za-z0-9_-]{1,12})#(\d{1,10})\]")
_LATIN = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252"}
_QUOTE_HEADS = (
    re.compile(r"^\s*On\b.{0,200}\bwrote:\s*$", re.I),
    re.compile(r"^\s*Am\b.{0,200}\bschrieb\b.{0,200}:\s*$", re.I),
    re.compile(r"^\s*Le\b.{0,200}\ba écrit\s*:\s*$", re.I),
    re.compile(r"^\s*-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine)", re.I),
    re.compile(r"^\s*-{2,}\s*Forwarded message", re.I),
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Von|De)\s*:\*?\s", re.I)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Datum|Subject|Betreff|To|An)\s*:", re.I)


class Unparseable(Exception):
    """The mail cannot become a ticket whatever is configured: no sender, no content."""


@dataclass(frozen=True)
class Part:
    filename: str
    content: bytes
    content_type: str


@dataclass
class ParsedMail:
    message_id: str
    from_email: str
    from_name: str
    subject: str
    body: str  # the new text, quoted history trimmed
    full_body: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    attachments: list[Part] = field(default_factory=list)
    returned_ids: list[str] = field(default_factory=list)  # of mail a report sends back
    automatic: str = ""  # why this is an automatic mail (bounce, auto-reply), or ""
    no_reply: str = ""  # why it must not be answered automatically, or ""

    @property
    def thread_ids(self) -> list[str]:
        """Referenced Message-IDs, the most specific first; for a bounce or a report also
        the Message-ID of the mail it returns."""
        returned = self.returned_ids if self.automatic else []
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references), *returned]))

    def subject_number(self) -> int | None:
        match = SUBJECT_NUMBER.search(self.subject)
        return int(match[2]) if match else None


# Text ---------------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes as text: the declared charset, UTF-8, then Windows-1252 (see the module)."""
    declared = (charset or "").strip().strip('"').lower()
    if declared in _LATIN and not data.isascii():
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for candidate in (declared, "utf-8", "windows-1252"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("windows-1252", errors="replace")


def decode_header_value(value: object) -> str:
    """An RFC 2047 (or raw 8-bit) header as text, whatever its charsets."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):  # raw 8-bit bytes, kept as unknown-8bit
        chunks = email.header.decode_header(value)
        return "".join(
            decode_bytes(c, None if cs in (None, "unknown-8bit") else cs)
            if isinstance(c, bytes)
            else c
            for c, cs in chunks
        ).strip()
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # raw 8-bit bytes in the header
        return decode_bytes(text.encode("ascii", "surrogateescape"), None)
    try:
        chunks = email.header.decode_header(text)
    except Exception:  # a malformed encoded word: keep the header as written
        return text
    out = []
    for chunk, charset in chunks:
        out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _header(msg: email.message.Message, name: str) -> str:
    try:
        return decode_header_value(msg.get(name))
    except Exception:
        return ""


class _HtmlText(HTMLParser):
    """Visible text of an HTML body; quoted history (blockquote, gmail_quote) left out."""

    BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag == "blockquote" or "gmail_quote" in classes:
            self.quote += 1
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip and not self.quote:
            self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(parser.out)
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def trim_quoted(text: str) -> str:
    """The new part of a reply: cut at our reply marker, at a reply header ("On … wrote:",
    "Am … schrieb …:", "-----Original Message-----", an Outlook From:/Sent: block), drop
    the quoted lines and the signature that end the mail. Never returns empty when there
    was text: a mail that is all quote is kept whole."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        bare = line.lstrip("> ").rstrip()
        if "Please type your reply above this line" in bare:
            cut = index
            break
        if any(head.match(line) for head in _QUOTE_HEADS):
            cut = index
            break
        # "On Mon, 3 Nov 2026 at 10:00, Someone <a@b>" / "wrote:" on the next line
        if index + 1 < len(lines) and re.match(r"^\s*On\b", line, re.I):
            if re.match(r"^\s*.{0,80}\bwrote:\s*$", lines[index + 1], re.I):
                cut = index
                break
        if _OUTLOOK_FROM.match(line):
            following = lines[index + 1 : index + 5]
            if sum(bool(_OUTLOOK_NEXT.match(nxt)) for nxt in following) >= 2:
                cut = index
                if index and set(lines[index - 1].strip()) <= {"_", "-"} and lines[index - 1]:
                    cut = index - 1
                break
    kept = lines[:cut]
    if "-- " in kept:  # the signature delimiter
        kept = kept[: kept.index("-- ")]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()


# Automatic mail -----------------------------------------------------------------------


def classify(msg: email.message.Message, from_email: str) -> tuple[str, str]:
    """(why the mail is automatic, why it must not be answered): empty when not."""
    automatic = ""
    return_path = (msg.get("Return-Path") or "").strip()
    auto_submitted = (msg.get("Auto-Submitted") or "").strip().lower()
    precedence = (msg.get("Precedence") or "").strip().lower()
    local = from_email.split("@", 1)[0]
    if msg.get(LOOP_HEADER):
        automatic = OWN_MAIL
    elif return_path == "<>":
        automatic = "null sender (Return-Path: <>)"
    elif msg.get_content_type() == "multipart/report":
        automatic = "delivery or read report"
    elif local in ("mailer-daemon", "postmaster"):
        automatic = f"system sender ({local})"
    elif auto_submitted and auto_submitted != "no":
        automatic = f"Auto-Submitted: {auto_submitted}"
    elif msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("X-Autoresponder"):
        automatic = "X-Autoreply"
    elif precedence == "auto_reply":
        automatic = "Precedence: auto_reply"
    if automatic:
        return automatic, automatic
    no_reply = ""
    suppress = (msg.get("X-Auto-Response-Suppress") or "").lower()
    if precedence in ("bulk", "junk", "list"):
        no_reply = f"Precedence: {precedence}"
    elif msg.get("List-Id") or msg.get("List-Unsubscribe") or msg.get("List-Post"):
        no_reply = "mailing list"
    elif any(word in suppress for word in ("all", "autoreply", "oof")):
        no_reply = f"X-Auto-Response-Suppress: {suppress}"
    elif local in ("noreply", "no-reply", "donotreply", "do-not-reply"):
        no_reply = "no-reply sender"
    return "", no_reply


# The message --------------------------------------------------------------------------


def _is_attachment(part: email.message.Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    return disposition == "attachment" or bool(part.get_filename() or part.get_param("name"))


def _lenient_base64(text: str) -> bytes:
    """What can be decoded of damaged base64: stray characters dropped, the incomplete
    last group cut off."""
    clean = re.sub(r"[^A-Za-z0-9+/]", "", text)
    clean = clean[: len(clean) - len(clean) % 4]
    try:
        return binascii.a2b_base64(clean)
    except (binascii.Error, ValueError):
        return b""


def _payload(part: email.message.Message) -> bytes:
    raw = part.get_payload()
    cte = (part.get("Content-Transfer-Encoding") or "").strip().lower()
    if cte == "base64" and isinstance(raw, str):
        # Line breaks are part of base64 in mail (76 characters a line): strict decoding
        # takes the characters between them, padding included.
        encoded = re.sub(r"[ \t\r\n]+", "", raw).encode("ascii", "surrogateescape")
        try:
            return binascii.a2b_base64(encoded, strict_mode=True)
        except (binascii.Error, ValueError):
            return _lenient_base64(raw)
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _text_of(part: email.message.Message) -> str:
    return decode_bytes(_payload(part), part.get_content_charset())


def _filename(part: email.message.Message, index: int) -> str:
    name = part.get_filename() or part.get_param("name") or ""
    if isinstance(name, tuple):  # an RFC 2231 value email could not decode
        name = name[2]
    name = decode_header_value(name).replace("/", "_").replace("\\", "_").strip()
    if not name:
        subtype = part.get_content_subtype() or "bin"
        name = f"attachment-{index}.{'eml' if subtype == 'rfc822' else subtype}"
    return name[-200:]


def _leaves(msg: email.message.Message):
    """Every part, but not inside an attached message (it stays one .eml attachment)."""
    yield msg
    if msg.is_multipart() and msg.get_content_type() != "message/rfc822":
        for sub in msg.get_payload():
            yield from _leaves(sub)


def _walk(msg: email.message.Message) -> tuple[str, str, list[Part]]:
    plain: list[str] = []
    html: list[str] = []
    parts: list[Part] = []
    for index, part in enumerate(_leaves(msg)):
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and inner else _payload(part)
            parts.append(Part(_filename(part, index), data, ctype))
            continue
        if part.is_multipart():
            continue
        if ctype.startswith("multipart/"):  # no boundary: its body is plain text
            plain.append(_text_of(part))
            continue
        if msg.get_content_type() == "multipart/report" and ctype != "text/plain":
            continue
        if _is_attachment(part) or not ctype.startswith("text/"):
            data = _payload(part)
            if data:
                parts.append(Part(_filename(part, index), data, ctype))
        elif ctype == "text/html":
            html.append(_text_of(part))
        else:
            plain.append(_text_of(part))
    return "\n\n".join(t for t in plain if t.strip()), "\n\n".join(html), parts


def parse(raw: bytes) -> ParsedMail:
    """Read one RFC 822 message. Raises Unparseable when it has no usable sender address
    or no content (both needed to open a ticket and to answer)."""
    if not raw or not raw.strip():
        raise Unparseable("the message is empty")
    try:
        msg = email.message_from_bytes(raw)
    except Exception as exc:  # the parser is lenient; this is truly broken input
        raise Unparseable(f"not an RFC 822 message ({type(exc).__name__})") from None
    pairs = email.utils.getaddresses([_header(msg, "From")])
    from_name, from_email = pairs[0] if pairs else ("", "")
    from_email = from_email.strip().lower()
    if not ADDRESS.fullmatch(from_email) or len(from_email) > 320:
        raise Unparseable("no usable sender address in From")
    message_ids = MSGID.findall(msg.get("Message-ID") or "")
    recipients = [
        address.lower()
        for _, address in email.utils.getaddresses(
            [_header(msg, h) for h in ("To", "Cc", "Delivered-To", "X-Original-To")]
        )
        if "@" in address
    ]
    try:
        plain, html, attachments = _walk(msg)
    except Exception as exc:
        raise Unparseable(f"the MIME structure cannot be read ({type(exc).__name__})") from None
    full = plain if plain.strip() else html_to_text(html) if html.strip() else ""
    if not full.strip() and not attachments:
        raise Unparseable("the message has neither text nor attachments")
    automatic, no_reply = classify(msg, from_email)
    returned = _returned_ids(msg) if automatic else []
    return ParsedMail(
        message_id=message_ids[0] if message_ids else "",
        from_email=from_email,
        from_name=decode_header_value(from_name),
        subject=_header(msg, "Subject")[:300],
        body=trim_quoted(full) if full.strip() else "",
        full_body=full,
        in_reply_to=MSGID.findall(msg.get("In-Reply-To") or ""),
        references=MSGID.findall(msg.get("References") or ""),
        recipients=list(dict.fromkeys(recipients)),
        attachments=attachments,
        returned_ids=returned,
        automatic=automatic,
        no_reply=no_reply,
    )


def _returned_ids(msg: email.message.Message) -> list[str]:
    """Message-IDs of the mail a bounce or report returns (an attached message, or its
    headers as text/rfc822-headers)."""
    found: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                found += MSGID.findall(inner[0].get("Message-ID") or "")
        elif ctype == "text/rfc822-headers":
            text = _text_of(part)
            header = re.search(r"^Message-ID:\s*(<[^>]+>)", text, re.I | re.M)
            found += MSGID.findall(header[1]) if header else []
    return found


def strip_large_parts(raw: bytes, limit: int) -> bytes:
    """The message with every part larger than `limit` bytes replaced by a note, for
    keeping an original that would not fit the attachment limit."""
    msg = email.message_from_bytes(raw)
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload()
        if isinstance(payload, str) and len(payload) > limit:
            name = part.get_filename() or part.get_content_type()
            for header in ("Content-Transfer-Encoding", "Content-Type", "Content-Disposition"):
                del part[header]
            part["Content-Type"] = "text/plain; charset=utf-8"
            part.set_payload(f"[{name}: {len(payload)} bytes removed, over the size limit]")
    return msg.as_bytes()
