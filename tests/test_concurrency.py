"""Two people acting on one ticket at the same moment.

On PostgreSQL the race is real: two separate OS processes, each with its own database
connection to the test database, are released together from a file barrier and call the
service inside a transaction that keeps the row lock a little, so the second one really
waits on the first. Exactly one wins; the other gets a clear 409 and nothing is lost.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.factories import new_ticket
from tierdesk.accounts.models import Role
from tierdesk.accounts.services import user_create
from tierdesk.core.errors import StaleVersion, WrongState
from tierdesk.tickets import services
from tierdesk.tickets.models import EventKind, Status, Ticket

ROOT = Path(__file__).resolve().parent.parent
HOLD_SECONDS = 0.8  # how long the winner keeps its transaction (and the row lock) open

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a real race needs two processes on one server database; run with "
    "DATABASE_URL=postgres://… (SQLite's test database is in this process's memory)",
)

# Runs in each child process: django.setup(), sign in as one person, then for every
# round: say ready, wait for "go", call the service in a transaction held open a little,
# and report what happened (with wall-clock times, to show the calls overlapped).
CHILD = r"""
import json, os, sys, time
import django
django.setup()
from django.db import connection, transaction
from tierdesk.accounts.models import User
from tierdesk.core.actor import actor_for
from tierdesk.core.errors import DomainError
from tierdesk.tickets import services

spec = json.loads(sys.argv[1])
sync = spec["sync_dir"]
actor = actor_for(User.objects.get(pk=spec["user_id"]))
connection.ensure_connection()
results = []
for n, job in enumerate(spec["jobs"]):
    open(os.path.join(sync, f"ready-{n}-{spec['name']}"), "w").close()
    go = os.path.join(sync, f"go-{n}")
    deadline = time.monotonic() + 30
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            sys.exit("never released")
        time.sleep(0.001)
    started = time.time()
    try:
        with transaction.atomic():
            if job["mode"] == "take":
                services.ticket_take(actor=actor, ticket_id=job["ticket_id"])
            else:
                services.ticket_update(
                    actor=actor, ticket_id=job["ticket_id"],
                    changes={"title": job["title"]}, version=job["version"],
                )
            time.sleep(spec["hold"])
            held_until = time.time()  # the commit, and the lock's release, come after
        result = {"ok": True, "held_until": held_until}
    except DomainError as exc:
        result = {"ok": False, "type": type(exc).__name__, "code": exc.code,
                  "status": exc.status, "message": exc.message}
    result.update(started=started, finished=time.time(), name=spec["name"])
    results.append(result)
print(json.dumps(results))
"""


def _database_url() -> str:
    """The URL of the test database this test runs against (settings read DATABASE_URL)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(s['NAME'], safe='')}"


def _child_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tierdesk.settings",
        "DATABASE_URL": database_url,
        "TIERDESK_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT),
    }


def race(
    tmp_path: Path,
    players: dict[str, int],
    jobs_by_player: dict[str, list[dict]],
    *,
    database_url: str | None = None,
):
    """Start one process per player, release them together for each round, and return
    {player: [result per round]}."""
    env = _child_env(tmp_path, database_url or _database_url())
    sync = tmp_path / "sync"
    sync.mkdir()
    rounds = len(next(iter(jobs_by_player.values())))
    procs = {
        name: subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                json.dumps(
                    {
                        "name": name,
                        "user_id": user_id,
                        "sync_dir": str(sync),
                        "hold": HOLD_SECONDS,
                        "jobs": jobs_by_player[name],
                    }
                ),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, user_id in players.items()
    }
    try:
        for n in range(rounds):
            deadline = time.monotonic() + 60
            while not all((sync / f"ready-{n}-{name}").exists() for name in players):
                dead = [name for name, p in procs.items() if p.poll() is not None]
                assert not dead, {name: procs[name].communicate() for name in dead}
                assert time.monotonic() < deadline, "the processes never got ready"
                time.sleep(0.005)
            (sync / f"go-{n}").touch()  # both are waiting: release them at once
        outputs = {name: p.communicate(timeout=60) for name, p in procs.items()}
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
    for name, p in procs.items():
        assert p.returncode == 0, outputs[name][1]
    return {name: json.loads(out.strip().splitlines()[-1]) for name, (out, _err) in outputs.items()}


@pytest.fixture
def second_acme_agent(world):
    world.users["acme_l1b"] = user_create(
        email="acme_l1b@example.test", organisation=world.acme, role=Role.L1_AGENT
    )
    return world.users["acme_l1b"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_processes_take_one_ticket_exactly_one_wins(world, second_acme_agent, tmp_path):
    # given three new@L1 tickets and two Acme L1 agents, each in their own OS process
    tickets = [new_ticket(world, "acme") for _ in range(3)]
    players = {"a": world.user("acme_l1").pk, "b": second_acme_agent.pk}
    jobs = [{"mode": "take", "ticket_id": t.pk} for t in tickets]
    # when both take the same ticket at the same moment, round after round
    results = race(tmp_path, players, {"a": jobs, "b": jobs})
    for n, ticket in enumerate(tickets):
        a, b = results["a"][n], results["b"][n]
        # then exactly one of them wins
        assert sorted([a["ok"], b["ok"]]) == [False, True], (a, b)
        winner, loser = (a, b) if a["ok"] else (b, a)
        # and the other gets a clear conflict: it started while the winner held the lock
        # and only finished once the winner let go (it really waited on the row lock)
        assert (loser["type"], loser["code"], loser["status"]) == (
            "WrongState",
            "wrong_state",
            409,
        )
        assert loser["message"] == "Cannot take a ticket that is in_progress@L1."
        assert loser["started"] < winner["held_until"] <= loser["finished"]
        # and the ticket records one take, by the winner
        ticket.refresh_from_db()
        assert ticket.status == Status.IN_PROGRESS
        assert ticket.assignee_id == players[winner["name"]]
        assert ticket.version == 2
        taken = ticket.events.filter(kind=EventKind.TAKEN)
        assert taken.count() == 1
        assert taken.get().actor_id == players[winner["name"]]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_processes_update_the_same_version_one_is_stale(world, second_acme_agent, tmp_path):
    # given a ticket both agents loaded at the same version
    ticket = new_ticket(world, "acme")
    version = ticket.version
    players = {"a": world.user("acme_l1").pk, "b": second_acme_agent.pk}
    jobs = {
        name: [{"mode": "update", "ticket_id": ticket.pk, "version": version, "title": title}]
        for name, title in (("a", "Title from A"), ("b", "Title from B"))
    }
    # when both save their edit at the same moment
    results = race(tmp_path, players, jobs)
    a, b = results["a"][0], results["b"][0]
    # then one wins and the other is told its copy is stale
    assert sorted([a["ok"], b["ok"]]) == [False, True], (a, b)
    winner, loser = (a, b) if a["ok"] else (b, a)
    assert (loser["type"], loser["code"], loser["status"]) == (
        "StaleVersion",
        "stale_version",
        409,
    )
    assert "changed since you loaded it" in loser["message"]
    assert loser["started"] < winner["held_until"] <= loser["finished"]
    # and nothing of the winner's edit is overwritten
    ticket.refresh_from_db()
    assert ticket.title == f"Title from {winner['name'].upper()}"
    assert ticket.version == version + 1
    assert ticket.events.filter(kind=EventKind.UPDATED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_stale_version_is_refused_and_overwrites_nothing(world):
    # given a ticket two agents loaded at version 1, and the first one saved an edit
    ticket = new_ticket(world, "acme")
    loaded = ticket.version
    services.ticket_update(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        changes={"title": "First"},
        version=loaded,
    )
    # when the second saves its edit (and tries a move) against the version it loaded
    with pytest.raises(StaleVersion):
        services.ticket_update(
            actor=world.actor("acme_admin"),
            ticket_id=ticket.pk,
            changes={"title": "Second"},
            version=loaded,
        )
    with pytest.raises(StaleVersion):
        services.ticket_take(actor=world.actor("acme_admin"), ticket_id=ticket.pk, version=loaded)
    # then the first edit stands and the ticket did not move
    ticket.refresh_from_db()
    assert (ticket.title, ticket.version, ticket.status) == ("First", loaded + 1, Status.NEW)
    assert ticket.assignee_id is None


# Builds a fresh SQLite file database the way production runs it (WAL, IMMEDIATE
# transactions, a busy timeout) with two agents and new tickets; prints their ids.
SQLITE_SETUP = r"""
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.factories import complete_fields
from tierdesk.accounts.services import organisation_create, user_create
from tierdesk.core.actor import actor_for
from tierdesk.tickets import services
acme = organisation_create(name="Acme", kind="partner")
people = [user_create(email=f"{n}@example.test", organisation=acme, role="l1_agent")
          for n in ("a", "b")]
user_create(email="customer@example.test", organisation=acme, role="customer")
tickets = [
    services.ticket_create(
        actor=actor_for(people[0]), data=complete_fields(), customer="customer@example.test"
    ).pk
    for _ in range(3)
]
print(json.dumps({"a": people[0].pk, "b": people[1].pk, "tickets": tickets}))
"""


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the SQLite file variant runs with the SQLite suite; PostgreSQL races above",
)
def test_two_processes_on_an_sqlite_file_take_one_ticket_exactly_one_wins(tmp_path):
    # given a production-configured SQLite file (not the in-memory test database) with
    # three new tickets and two agents
    db_file = tmp_path / "race.sqlite3"
    url = f"sqlite:///{db_file}"
    setup = subprocess.run(
        [sys.executable, "-c", SQLITE_SETUP],
        cwd=ROOT,
        env=_child_env(tmp_path, url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr
    ids = json.loads(setup.stdout.strip().splitlines()[-1])
    jobs = [{"mode": "take", "ticket_id": pk} for pk in ids["tickets"]]
    # when both agents, each in its own process, take the same ticket at once
    results = race(
        tmp_path, {"a": ids["a"], "b": ids["b"]}, {"a": jobs, "b": jobs}, database_url=url
    )
    with sqlite3.connect(db_file) as db:
        for n, ticket_id in enumerate(ids["tickets"]):
            a, b = results["a"][n], results["b"][n]
            # then the IMMEDIATE transactions queue: one wins, the other finds it taken
            assert sorted([a["ok"], b["ok"]]) == [False, True], (a, b)
            winner, loser = (a, b) if a["ok"] else (b, a)
            assert (loser["type"], loser["status"]) == ("WrongState", 409), loser
            assert loser["started"] < winner["held_until"] <= loser["finished"]
            status, assignee = db.execute(
                "SELECT status, assignee_id FROM tickets_ticket WHERE id = ?", (ticket_id,)
            ).fetchone()
            assert (status, assignee) == ("in_progress", ids[winner["name"]])
            (taken,) = db.execute(
                "SELECT count(*) FROM tickets_ticketevent WHERE ticket_id = ? AND kind = ?",
                (ticket_id, EventKind.TAKEN.value),
            ).fetchone()
            assert taken == 1


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the thread variant is for SQLite; PostgreSQL races real processes above",
)
@pytest.mark.django_db(transaction=True)
def test_threads_on_sqlite_take_one_ticket_exactly_one_wins(world, second_acme_agent):
    if connection.is_in_memory_db():
        pytest.skip(
            "the SQLite test database is in memory with a shared cache: its table locks "
            "fail at once ('database table is locked') instead of waiting, so threads "
            "cannot race reliably; the PostgreSQL test races two processes"
        )
    # given a new ticket and two agents, each in a thread with its own connection
    ticket = new_ticket(world, "acme")
    people = [world.user("acme_l1"), second_acme_agent]
    barrier = threading.Barrier(len(people))
    outcomes: dict[int, object] = {}

    def take(user):
        from django.db import connection as thread_connection
        from django.db import transaction

        from tierdesk.core.actor import actor_for

        try:
            actor = actor_for(user)
            barrier.wait(timeout=10)
            with transaction.atomic():  # IMMEDIATE: takes the write lock at BEGIN
                services.ticket_take(actor=actor, ticket_id=ticket.pk)
                time.sleep(0.3)
            outcomes[user.pk] = "won"
        except Exception as exc:
            outcomes[user.pk] = exc
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in people]
    # when both take it at once
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # then one wins and the other finds it taken
    won = [pk for pk, outcome in outcomes.items() if outcome == "won"]
    lost = [o for o in outcomes.values() if o != "won"]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], WrongState)
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.assignee_id == won[0]
    assert fresh.events.filter(kind=EventKind.TAKEN).count() == 1
