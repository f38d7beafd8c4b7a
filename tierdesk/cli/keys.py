"""The `tierdesk secrets` commands: keys of the secrets stored at rest (`core.crypto`).

    tierdesk secrets generate-key     print a new key for TIERDESK_SECRET_KEYS
    tierdesk secrets rotate           re-encrypt every stored secret with the first key

Rotation (docs/operations.md): put the new key first in `TIERDESK_SECRET_KEYS` on every
host, keep the old one after it, restart, run `tierdesk secrets rotate`, then drop the
old key and restart again.
"""

from __future__ import annotations

import argparse
import sys


def cmd_secrets_generate_key(args: argparse.Namespace) -> int:
    from tierdesk.core.crypto import generate_key

    print(generate_key())
    return 0


def cmd_secrets_rotate(args: argparse.Namespace) -> int:
    from tierdesk.core import crypto

    if not crypto.configured_keys():
        print(
            "note: TIERDESK_SECRET_KEYS is not set; secrets stay encrypted with the key "
            "derived from SECRET_KEY.",
            file=sys.stderr,
        )
    try:
        counts = crypto.rotate_all()
    except crypto.SecretUnreadable as exc:
        from tierdesk.cli import CommandFailed

        raise CommandFailed(str(exc)) from None
    for label, count in counts.items():
        print(f"{label}: {count} re-encrypted with the first key.")
    return 0


def add_commands(sub, command) -> None:
    secrets = sub.add_parser("secrets", help="keys of secrets at rest").add_subparsers(
        dest="secrets_command", required=True, metavar="ACTION"
    )
    command(secrets, "generate-key", cmd_secrets_generate_key, "print a new Fernet key")
    command(secrets, "rotate", cmd_secrets_rotate, "re-encrypt stored secrets with the first key")
