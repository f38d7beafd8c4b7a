"""The `tierdesk` command: run the service, the worker, provisioning and checks.

Every write goes through a service (`accounts.services`, `directory.services`); a refusal
(`DomainError`) prints `error: <message>` and each field's reason to stderr and exits 2.
Services are atomic, so a refused command leaves nothing half-written.

    tierdesk serve [--dev] [--migrate] [--asgi]
                                           gunicorn (production), runserver (--dev), or
                                           uvicorn (--asgi: with the chat's WebSockets)
    tierdesk worker [--batch]              the background task worker (django-tasks-db)
    tierdesk migrate                       apply database migrations
    tierdesk demo [--reset]                load the demo data (idempotent)
    tierdesk check [--deploy]              system checks (HSTS, CSP, lockout), migrations, docs
    tierdesk org add NAME --kind vendor|partner
    tierdesk user add EMAIL --org NAME --role ROLE [--password …] [--contract ID …]
    tierdesk token create EMAIL | token revoke ID
    tierdesk directory import FILE         JSON or CSV, idempotent
    tierdesk docs                          write docs/process.md
    tierdesk mail-in [--partner NAME]      take in one mail from stdin (an MTA pipe)
    tierdesk mail-fetch [--mailbox NAME]   poll the IMAP mailboxes once
    tierdesk mail-reprocess ID …           process held mail again (see tierdesk/cli/mail.py)
    tierdesk calendar day|hours|replan     change an SLA calendar (see tierdesk/cli/calendar.py)
    tierdesk secrets rotate                re-encrypt stored secrets with the first key
    tierdesk redact-backfill [--dry-run]   mask secrets stored before redaction (cli/redact.py)
    tierdesk sbom [--output FILE]          the software bill of materials (CycloneDX JSON)
    tierdesk bench-load --tickets N        benchmark volumes into an empty PostgreSQL database
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

# The repository checkout the package runs from (an editable install); docs/ lives here.
REPO_DIR = Path(__file__).resolve().parent.parent.parent
PROCESS_DOC = REPO_DIR / "docs" / "process.md"
DEFAULT_BIND = "127.0.0.1:8000"


class CommandFailed(Exception):
    """A problem outside the domain (a missing file, a failed check): exit 2."""


def _out(text: str) -> None:
    print(text, file=sys.stdout)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


# Running: `tierdesk serve` and `tierdesk worker` (cli/serve.py)
from tierdesk.cli.serve import cmd_serve, cmd_worker  # noqa: E402


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    try:
        from tierdesk.demo import load_demo
    except ImportError as exc:
        raise CommandFailed(f"the demo data module is not available ({exc})") from None
    _out(load_demo(reset=args.reset))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Django's system checks, pending model changes, and a stale docs/process.md."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    problems: list[str] = []
    try:
        call_command("check", deploy=args.deploy, fail_level="ERROR")
    except SystemCheckError as exc:
        problems.append(f"system checks failed:\n{exc}")
    try:
        call_command("makemigrations", check=True, dry_run=True, verbosity=1)
    except SystemExit as exc:
        if exc.code:
            problems.append("models have changes without a migration (run makemigrations)")
    if PROCESS_DOC.parent.is_dir():
        from tierdesk.tickets.process_doc import render_process_markdown

        current = PROCESS_DOC.read_text() if PROCESS_DOC.exists() else ""
        if current != render_process_markdown():
            problems.append(f"{PROCESS_DOC} is stale: run `tierdesk docs`")
    for problem in problems:
        _err(f"error: {problem}")
    if problems:
        return 2
    _out("All checks passed.")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from tierdesk.tickets.process_doc import render_process_markdown

    path = Path(args.output) if args.output else PROCESS_DOC
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_process_markdown()
    if path.exists() and path.read_text() == text:
        _out(f"{path} is up to date.")
    else:
        path.write_text(text)
        _out(f"Wrote {path}.")
    return 0


# ---------------------------------------------------------------------------------------
# Provisioning
# ---------------------------------------------------------------------------------------
def cmd_org_add(args: argparse.Namespace) -> int:
    from tierdesk.accounts.services import organisation_create

    org = organisation_create(
        name=args.name,
        kind=args.kind,
        display_name=args.display_name or "",
        sender_email=args.sender_email or "",
        sender_name=args.sender_name or "",
    )
    _out(f"Created {org.kind} organisation {org.name!r} (id {org.pk}).")
    return 0


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise CommandFailed("--password-stdin read an empty password")
        return line
    return args.password


def cmd_user_add(args: argparse.Namespace) -> int:
    from tierdesk.accounts.services import user_create

    password = _password(args)
    contracts = [c.strip().lower() for c in args.contract or [] if c.strip()]
    user = user_create(
        email=args.email,
        organisation=args.org,
        role=args.role,
        password=password,
        full_name=args.name or "",
        contract_ids=contracts or None,
    )
    membership = user.membership
    _out(
        f"Created {user.email} ({membership.get_role_display()} at "
        f"{membership.organisation.name}, id {user.pk})."
    )
    if not password:
        _err(
            "note: no password was given, so this person cannot sign in with one yet; "
            "set it with `manage.py changepassword` or the admin."
        )
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from django.apps import apps
    from django.db import transaction

    from tierdesk.accounts.services import token_create
    from tierdesk.core import clock

    expires_at = clock.now() + timedelta(days=args.days) if args.days else None
    with transaction.atomic():  # the token and the mail telling its person, or neither
        record, token = token_create(
            email=args.email,
            name=args.name or "",
            scopes=args.scope or None,
            expires_at=expires_at,
            allowed_networks=args.network or None,
        )
        if apps.is_installed("tierdesk.identity"):
            from tierdesk.identity.notices import Change, tell_factor_change

            tell_factor_change(record.user, Change.TOKEN_CREATED, token=record)
    # The token alone on stdout, so `TOKEN=$(tierdesk token create …)` works.
    _out(token)
    _err(
        f"Token {record.pk} ({record.prefix}…) for {record.user.email}. "
        "It is shown only this once; revoke it with `tierdesk token revoke "
        f"{record.pk}`."
    )
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from tierdesk.accounts.services import token_revoke

    record = token_revoke(token_id=args.id)
    _out(f"Token {record.pk} ({record.prefix}…) of {record.user.email} is revoked.")
    return 0


def _sniff_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix[1:]
    return "json" if text.lstrip()[:1] in ("{", "[") else "csv"


def cmd_directory_import(args: argparse.Namespace) -> int:
    from tierdesk.directory.services import directory_import, parse_directory

    path = Path(args.file)
    try:
        # utf-8-sig: spreadsheets often start a CSV export with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandFailed(f"cannot read {path}: {exc}") from None
    fmt = args.format or _sniff_format(path, text)
    result = directory_import(docs=parse_directory(text, fmt=fmt))
    _out(f"Imported {path.name}: {result.summary()}.")
    return 0


# ---------------------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------------------
def _command(sub, name: str, func: Callable[[argparse.Namespace], int], help: str):
    parser = sub.add_parser(name, help=help, description=help)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tierdesk",
        description="Tierdesk: the three-level support desk. Configuration comes from the "
        "environment (see tierdesk/settings.py).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = _command(sub, "serve", cmd_serve, "serve the web application")
    serve.add_argument("--dev", action="store_true", help="Django's runserver with DEBUG on")
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.add_argument(
        "--asgi", action="store_true", help="uvicorn with the chat's WebSockets (tierdesk.asgi)"
    )
    serve.add_argument("--bind", help=f"host:port (default $TIERDESK_BIND or {DEFAULT_BIND})")

    worker = _command(sub, "worker", cmd_worker, "run the background task worker")
    worker.add_argument("--batch", action="store_true", help="run what is queued, then exit")
    worker.add_argument("--queues", default="*", help="comma-separated queues (default: all)")
    worker.add_argument("--max-tasks", type=int, help="exit after this many tasks")
    worker.add_argument(
        "--no-beat", action="store_true", help="do not enqueue the periodic sweeps from here"
    )

    _command(sub, "migrate", cmd_migrate, "apply database migrations")

    demo = _command(sub, "demo", cmd_demo, "load the demo data (safe to re-run)")
    demo.add_argument("--reset", action="store_true", help="delete the demo data first")

    check = _command(sub, "check", cmd_check, "system checks, migrations, process doc")
    check.add_argument("--deploy", action="store_true", help="include deployment checks")

    docs = _command(sub, "docs", cmd_docs, "write docs/process.md from the workflow table")
    docs.add_argument("--output", help=f"where to write (default {PROCESS_DOC})")

    org = sub.add_parser("org", help="organisations").add_subparsers(
        dest="org_command", required=True, metavar="ACTION"
    )
    org_add = _command(org, "add", cmd_org_add, "add the vendor or a partner")
    org_add.add_argument("name")
    org_add.add_argument("--kind", required=True, help="vendor or partner")
    org_add.add_argument("--display-name", help="brand name shown to customers")
    org_add.add_argument("--sender-email", help="From: address of the brand's mail")
    org_add.add_argument("--sender-name", help="From: name of the brand's mail")

    user = sub.add_parser("user", help="people").add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    user_add = _command(user, "add", cmd_user_add, "add a person with one role")
    user_add.add_argument("email")
    user_add.add_argument("--org", required=True, help="organisation name")
    user_add.add_argument(
        "--role",
        required=True,
        help="customer, l1_agent, partner_admin, l2_agent, support_lead, l3_engineer or admin",
    )
    secret = user_add.add_mutually_exclusive_group()
    secret.add_argument("--password", help="initial password (visible in the process list)")
    secret.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    user_add.add_argument("--name", help="full name")
    user_add.add_argument(
        "--contract", action="append", metavar="ID", help="a customer's contract (repeatable)"
    )

    token = sub.add_parser("token", help="API tokens").add_subparsers(
        dest="token_command", required=True, metavar="ACTION"
    )
    token_new = _command(token, "create", cmd_token_create, "create an API token (shown once)")
    token_new.add_argument("email")
    token_new.add_argument("--name", help="what the token is for")
    token_new.add_argument(
        "--scope",
        action="append",
        choices=["read", "write", "admin"],
        help="what it may do (repeat; default: all three)",
    )
    token_new.add_argument("--days", type=int, help="expire after this many days")
    token_new.add_argument(
        "--network", action="append", help="a CIDR network it may be used from (repeat)"
    )
    token_rev = _command(token, "revoke", cmd_token_revoke, "revoke an API token")
    token_rev.add_argument("id", type=int)

    directory = sub.add_parser("directory", help="the platform directory").add_subparsers(
        dest="directory_command", required=True, metavar="ACTION"
    )
    imp = _command(
        directory,
        "import",
        cmd_directory_import,
        "import contracts, workspaces, flows from JSON or CSV (idempotent)",
    )
    imp.add_argument("file")
    imp.add_argument("--format", choices=("json", "csv"), help="default: from the file")

    from tierdesk.cli import bench, calendar, keys, mail, redact, sbom

    mail.add_commands(sub, _command)
    calendar.add_commands(sub, _command)
    keys.add_commands(sub, _command)
    sbom.add_commands(sub, _command)
    redact.add_commands(sub, _command)
    bench.add_commands(sub, _command)
    return parser


def _report(exc) -> None:
    _err(f"error: {exc.message}")
    for name, reason in (getattr(exc, "fields", None) or {}).items():
        _err(f"  {name}: {reason}")
    for item in getattr(exc, "missing", None) or []:
        _err(f"  {item.code}: {item.message}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tierdesk` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already printed
        return exc.code if isinstance(exc.code, int) else 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    if getattr(args, "dev", False):
        os.environ["DEBUG"] = "true"
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from tierdesk.core.errors import DomainError

    try:
        return args.func(args)
    except DomainError as exc:
        _report(exc)
        return 2
    except CommandFailed as exc:
        _err(f"error: {exc}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
