"""The mail commands of `tierdesk`.

    tierdesk mail-in [--partner NAME]      one RFC 822 mail on standard input (an MTA pipe)
    tierdesk mail-fetch [--mailbox NAME] [--limit N]
    tierdesk mail-reprocess ID … | --all   process held (quarantined) mail again

`mail-in` answers in exit codes an MTA understands (sysexits.h): 0 the mail is stored
(a ticket, a message, a refusal, a duplicate, or held in quarantine or triage); 65 there
was no message on standard input; 75 a temporary failure (the database cannot be
reached, or anything unexpected): the MTA keeps the mail and delivers it again later.
"""

from __future__ import annotations

import argparse
import sys

EX_OK = 0
EX_DATAERR = 65
EX_TEMPFAIL = 75


def _say(text: str, *, err: bool = False) -> None:
    print(text, file=sys.stderr if err else sys.stdout)


def _organisation(name: str | None):
    from tierdesk.accounts.models import Organisation

    if not name:
        return None
    org = Organisation.objects.filter(name__iexact=name.strip()).first()
    if org is None:
        from tierdesk.cli import CommandFailed

        raise CommandFailed(f"no organisation named {name!r}")
    return org


def cmd_mail_in(args: argparse.Namespace) -> int:
    from tierdesk.mail.inbound import TemporaryFailure, intake

    raw = sys.stdin.buffer.read()
    if not raw.strip():
        _say("error: no message on standard input", err=True)
        return EX_DATAERR
    try:
        result = intake(raw, source="stdin", organisation=_organisation(args.partner))
    except TemporaryFailure as exc:
        _say(f"temporary failure, try again later: {exc}", err=True)
        return EX_TEMPFAIL
    except Exception as exc:  # never bounce a mail for our own fault: let the MTA retry
        from tierdesk.cli import CommandFailed

        if isinstance(exc, CommandFailed):
            raise
        _say(f"temporary failure, try again later: {type(exc).__name__}", err=True)
        return EX_TEMPFAIL
    number = f" ticket {result.ticket_number}" if result.ticket_number else ""
    held = f" held mail {result.held_id}" if result.held_id else ""
    _say(f"{result.outcome}{number}{held}" + (f": {result.detail}" if result.detail else ""))
    return EX_OK


def cmd_mail_fetch(args: argparse.Namespace) -> int:
    from tierdesk.mail.imap import fetch_all
    from tierdesk.mail.inbound import TemporaryFailure

    try:
        results = fetch_all(name=args.mailbox, limit=args.limit)
    except TemporaryFailure as exc:
        _say(f"temporary failure, try again later: {exc}", err=True)
        return EX_TEMPFAIL
    if args.mailbox and not results:
        from tierdesk.cli import CommandFailed

        raise CommandFailed(f"no mailbox named {args.mailbox!r}")
    for result in results:
        _say(result.summary(), err=bool(result.error))
    if not results:
        _say("No active mailbox is configured.")
    return 2 if any(r.error for r in results) else EX_OK


def cmd_mail_reprocess(args: argparse.Namespace) -> int:
    from tierdesk.core.actor import SYSTEM
    from tierdesk.mail.models import HeldMail, HeldReason
    from tierdesk.mail.services import held_reprocess

    ids = list(args.ids)
    if args.all:
        open_rows = HeldMail.objects.filter(resolved_at__isnull=True).exclude(
            reason=HeldReason.UNKNOWN_SENDER
        )
        ids += list(open_rows.order_by("pk").values_list("pk", flat=True))
    if not ids:
        _say("Nothing to process (name held mail IDs, or --all).")
        return EX_OK
    still_held = 0
    for held_id in dict.fromkeys(ids):
        result = held_reprocess(actor=SYSTEM, held_id=held_id)
        number = f" ticket {result.ticket_number}" if result.ticket_number else ""
        _say(f"held mail {held_id}: {result.outcome}{number} {result.detail}".rstrip())
        still_held += result.outcome == "held"
    return 2 if still_held else EX_OK


def add_commands(sub, command) -> None:
    """Register the mail commands on the `tierdesk` parser (`command` makes one)."""
    mail_in = command(sub, "mail-in", cmd_mail_in, "take in one mail from standard input")
    mail_in.add_argument(
        "--partner", help="organisation whose address received it (default: from the recipients)"
    )
    fetch = command(sub, "mail-fetch", cmd_mail_fetch, "poll the IMAP mailboxes once")
    fetch.add_argument("--mailbox", help="only this mailbox (by name)")
    fetch.add_argument("--limit", type=int, help="at most this many mails per mailbox")
    again = command(sub, "mail-reprocess", cmd_mail_reprocess, "process held mail again")
    again.add_argument("ids", nargs="*", type=int, metavar="ID")
    again.add_argument(
        "--all", action="store_true", help="every open quarantined mail (triage excluded)"
    )
