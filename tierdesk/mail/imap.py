"""Polling the organisations' IMAP mailboxes (`tierdesk mail-fetch`, and the worker's
`mail.fetch` job): imaplib from the standard library, UID-based.

For each active mailbox: SELECT the folder; if UIDVALIDITY changed, start over from UID
0; then, in UID order, for every message above `last_uid` not flagged imported: fetch it
without touching \\Seen (BODY.PEEK), run `inbound.intake()` — which commits the ticket,
message or held row before it returns — and only then flag it `\\Seen $TierdeskImported`
(or move it to `processed_folder`) and advance `last_uid`.

A process killed anywhere leaves each mail either not committed (fetched again next time)
or committed but not flagged (fetched again, found a duplicate by intake, flagged): every
mail is imported exactly once. A mail that intake holds is flagged like any other (it is
stored); one that fails beyond that stays unflagged and keeps `last_uid` below it, but the
mails after it are still fetched. Only an unreachable database stops the run.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from tierdesk.core import clock
from tierdesk.mail.inbound import TemporaryFailure, intake
from tierdesk.mail.models import Mailbox

logger = logging.getLogger(__name__)

IMPORTED = "$TierdeskImported"


class ImapFailure(Exception):
    """The server refused or the connection failed; the mailbox is tried next time."""


@dataclass
class FetchResult:
    mailbox: str
    fetched: int = 0
    outcomes: Counter = field(default_factory=Counter)
    failed_uids: list[int] = field(default_factory=list)
    error: str = ""

    def summary(self) -> str:
        done = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items()))
        text = f"{self.mailbox}: {self.fetched} fetched" + (f" ({done})" if done else "")
        if self.failed_uids:
            text += f"; failed UIDs {self.failed_uids}"
        return text + (f"; error: {self.error}" if self.error else "")


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(response: tuple, what: str):
    typ, data = response
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("ascii", "replace")
        raise ImapFailure(f"{what}: {typ} {detail}"[:300])
    return data


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = settings.TIERDESK_MAIL_IMAP_TIMEOUT
    try:
        if mailbox.use_ssl:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                mailbox.host,
                mailbox.port,
                ssl_context=ssl.create_default_context(),
                timeout=timeout,
            )
        else:
            conn = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
            if mailbox.starttls:
                conn.starttls(ssl.create_default_context())
        conn.login(mailbox.username, mailbox.password)
    except (OSError, imaplib.IMAP4.error) as exc:
        # imaplib's messages name the server's answer, never the password.
        raise ImapFailure(f"cannot sign in to {mailbox.host}:{mailbox.port}: {exc}") from None
    return conn


def _raw_of(data: list) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


class _Session:
    def __init__(self, conn: imaplib.IMAP4, mailbox: Mailbox):
        self.conn, self.mailbox = conn, mailbox
        self.keywords = True
        self.expunge = False

    def select(self) -> int:
        _ok(self.conn.select(_quote(self.mailbox.folder)), f"SELECT {self.mailbox.folder}")
        validity = self.conn.response("UIDVALIDITY")[1]
        flags = self.conn.response("PERMANENTFLAGS")[1]
        self.keywords = bool(flags and flags[0] and b"\\*" in flags[0])
        return int(validity[0]) if validity and validity[0] else 0

    def new_uids(self, after: int) -> list[int]:
        query = f"UID {after + 1}:*" + (f" UNKEYWORD {IMPORTED}" if self.keywords else "")
        data = _ok(self.conn.uid("SEARCH", None, query), "UID SEARCH")
        # "n:*" always matches the last message, even below n: filter here.
        return sorted(uid for uid in map(int, (data[0] or b"").split()) if uid > after)

    def fetch(self, uid: int) -> bytes | None:
        return _raw_of(_ok(self.conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), "UID FETCH"))

    def mark(self, uid: int) -> None:
        target = self.mailbox.processed_folder
        if target:
            capabilities = self.conn.capabilities
            if "MOVE" in capabilities:
                _ok(self.conn.uid("MOVE", str(uid), _quote(target)), "UID MOVE")
                return
            _ok(self.conn.uid("COPY", str(uid), _quote(target)), "UID COPY")
            _ok(self.conn.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)"), "UID STORE")
            self.expunge = True
            return
        flags = f"(\\Seen {IMPORTED})" if self.keywords else "(\\Seen)"
        _ok(self.conn.uid("STORE", str(uid), "+FLAGS", flags), "UID STORE")


def _advance(mailbox: Mailbox, uid: int) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uid).update(last_uid=uid)
    mailbox.last_uid = max(mailbox.last_uid, uid)


def fetch_mailbox(mailbox: Mailbox, *, limit: int | None = None) -> FetchResult:
    """Import the new mail of one mailbox (see the module). Raises ImapFailure when the
    server cannot be used and TemporaryFailure when the database is away."""
    if connection.in_atomic_block:
        raise RuntimeError("mail-fetch marks mail only after commit: call it outside a transaction")
    result = FetchResult(mailbox.name)
    conn = connect(mailbox)
    session = _Session(conn, mailbox)
    try:
        validity = session.select()
        if mailbox.uidvalidity != validity:
            mailbox.uidvalidity, mailbox.last_uid = validity, 0
            Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=validity, last_uid=0)
        blocked = False  # a mail that failed keeps last_uid below it
        for uid in session.new_uids(mailbox.last_uid)[:limit]:
            raw = session.fetch(uid)
            if raw is None:  # expunged meanwhile
                continue
            try:
                outcome = intake(
                    raw, source=f"imap:{mailbox.name}"[:100], organisation=mailbox.organisation
                )
            except TemporaryFailure:
                raise
            except Exception as exc:
                logger.exception("mailbox %s UID %s failed; left for the next fetch", mailbox, uid)
                result.failed_uids.append(uid)
                result.error = f"UID {uid}: {type(exc).__name__}"
                blocked = True
                continue
            result.fetched += 1
            result.outcomes[outcome.outcome] += 1
            # Committed: only now is the mail marked, then the position moved on.
            session.mark(uid)
            if not blocked:
                _advance(mailbox, uid)
        if session.expunge:
            _ok(conn.expunge(), "EXPUNGE")
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapFailure(f"{mailbox.host}: {type(exc).__name__}: {exc}"[:300]) from None
    finally:
        with contextlib.suppress(Exception):  # the connection may be gone already
            conn.logout()
    return result


def fetch_all(*, name: str | None = None, limit: int | None = None) -> list[FetchResult]:
    """Fetch every active mailbox (or the one named); one mailbox failing does not stop
    the others. Records each mailbox's last fetch and error."""
    boxes = Mailbox.objects.filter(active=True).select_related("organisation").order_by("pk")
    if name:
        boxes = Mailbox.objects.filter(name=name).select_related("organisation")
    results = []
    for mailbox in boxes:
        try:
            result = fetch_mailbox(mailbox, limit=limit)
        except ImapFailure as exc:
            result = FetchResult(mailbox.name, error=str(exc))
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_fetch_at=clock.now(), last_error=re.sub(r"\s+", " ", result.error)[:300]
        )
        results.append(result)
    return results
