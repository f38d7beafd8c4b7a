"""`tierdesk redact-backfill`: mask the secrets in rows stored before redaction at the door
existed (`tierdesk/logs/backfill.py`, docs/operations.md).

    tierdesk redact-backfill [--dry-run] [--batch N] [--after TICKET_ID]

It prints counts and IDs only, never a value. Safe to run again and to interrupt: a
second run masks nothing new; `--after` resumes the ticket walk past the last ticket a
progress line named."""

from __future__ import annotations

import argparse

# As `tierdesk.logs.backfill.DEFAULT_BATCH`: the parser is built before Django is set up,
# so nothing that imports models is imported here.
DEFAULT_BATCH = 200


def cmd_redact_backfill(args: argparse.Namespace) -> int:
    from tierdesk.logs.backfill import backfill

    if args.batch < 1:
        from tierdesk.cli import CommandFailed

        raise CommandFailed("--batch must be at least 1")

    def progress(report) -> None:
        print(
            f"… through ticket {report.last_ticket_id}: {report.tickets} looked at, "
            f"{report.tickets_masked} with secrets",
            flush=True,
        )

    report = backfill(apply=not args.dry_run, batch=args.batch, after=args.after, progress=progress)
    for line in report.lines():
        print(line)
    if args.dry_run:
        print("dry run: nothing was changed")
    return 0


def add_commands(sub, command) -> None:
    parser = command(
        sub,
        "redact-backfill",
        cmd_redact_backfill,
        "mask secrets in texts, files and mail stored before redaction existed",
    )
    parser.add_argument("--dry-run", action="store_true", help="count only; change nothing")
    parser.add_argument(
        "--batch", type=int, default=DEFAULT_BATCH, help=f"rows per batch ({DEFAULT_BATCH})"
    )
    parser.add_argument(
        "--after", type=int, default=0, metavar="TICKET_ID", help="resume past this ticket"
    )
