"""`tierdesk bench-load --tickets N`: fill a PostgreSQL database of its own with realistic
volumes for the benchmarks (`tierdesk/benchdata/`, `make bench`, bench/README.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tierdesk_bench_10000 \\
        tierdesk migrate && tierdesk bench-load --tickets 10000

It refuses SQLite and any database holding people or tickets it did not write (it empties
the tables it fills); run again, it loads afresh."""

from __future__ import annotations

import argparse
import sys


def cmd_bench_load(args: argparse.Namespace) -> int:
    from tierdesk.benchdata import load
    from tierdesk.benchdata.guard import Refused
    from tierdesk.cli import CommandFailed

    if args.tickets < 1:
        raise CommandFailed("--tickets must be at least 1")
    try:
        summary = load(
            args.tickets, seed=args.seed, progress=lambda line: print(line, file=sys.stderr)
        )
    except Refused as exc:
        raise CommandFailed(str(exc)) from None
    for line in summary.lines():
        print(line)
    return 0


def add_commands(sub, command) -> None:
    parser = command(
        sub,
        "bench-load",
        cmd_bench_load,
        "fill an empty PostgreSQL database with benchmark volumes (COPY)",
    )
    parser.add_argument("--tickets", type=int, required=True, help="how many tickets")
    parser.add_argument("--seed", type=int, default=14, help="the generator's seed (14)")
