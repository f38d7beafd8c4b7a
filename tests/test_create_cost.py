"""What creating a ticket costs (workload W1 of docs/performance.md): the exact SQL of
`POST /api/v1/tickets` with a bearer token and a typical complete body, and of the
`ticket_create` service; that it does not grow with the tickets, policies and calendars
there are; one committed transaction per create; and that the per-process cache of what
the SLA clocks count on sees every change of it.

The tests run outside a wrapping transaction (as production does: no savepoints of a
test's own) and reload the migrations' data after themselves. On a failure the message
lists every statement with the code it came from."""

from __future__ import annotations

import json
import traceback
from datetime import time, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import F

from tests.factories import complete_fields
from tierdesk.accounts.services import organisation_create, token_create
from tierdesk.sla.models import Calendar, Clock, ClockKind, Policy, TeamCalendar, WorkingHours
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

API = "/api/v1"
# Where each statement of the API's create comes from (tests/test_create_cost.py shows
# them on a failure; docs/performance.md, "W1", says what each is for).
API_STATEMENTS = 24
SERVICE_STATEMENTS = 20
H = timedelta(hours=1)


def api_body() -> dict:
    fields = complete_fields()
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}
    body["l1_checks"] = {
        "connectivity": body.pop("check_connectivity"),
        "credentials": body.pop("check_credentials"),
    }
    body["customer"] = "acme_customer@example.test"
    return body


class Statements:
    """Every statement run on the connection, with the project's code that ran it, and
    the transactions that wrote (an atomic block's commit, or a write in autocommit)."""

    def __init__(self):
        self.rows: list[tuple[str, list[str]]] = []
        self.commits = 0
        self._wrote = False

    def __call__(self, execute, sql, params, many, context):
        frames = [
            f"{f.filename.rsplit('/tierdesk/', 1)[-1]}:{f.lineno} {f.name}"
            for f in traceback.extract_stack()[:-1]
            if "/tierdesk/" in f.filename
        ]
        self.rows.append((sql, frames[-3:]))
        if sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            if connection.get_autocommit():
                self.commits += 1
            else:
                self._wrote = True
        return execute(sql, params, many, context)

    def __len__(self) -> int:
        """The statements, the transaction's start aside (SQLite's BEGIN is a query in
        Django's eyes; psycopg sends PostgreSQL's without one)."""
        return len([sql for sql in self.sql() if not sql.startswith("BEGIN")])

    def committed(self) -> None:
        self.commits += int(self._wrote)
        self._wrote = False

    def sql(self) -> list[str]:
        return [sql for sql, _ in self.rows]

    def __str__(self) -> str:
        lines = [f"{len(self.rows)} statements:"]
        for n, (sql, frames) in enumerate(self.rows, 1):
            lines.append(f"{n:2d}. {sql[:150]}")
            lines += [f"      {frame}" for frame in frames]
        return "\n".join(lines)


class counting:
    """`with counting() as statements:` — what ran on the connection meanwhile."""

    def __enter__(self) -> Statements:
        self.statements = Statements()
        self.wrapper = connection.execute_wrapper(self.statements)
        self.wrapper.__enter__()
        self.commit = connection.commit
        statements, commit = self.statements, self.commit

        def counted_commit():
            statements.committed()
            return commit()

        connection.commit = counted_commit
        return self.statements

    def __exit__(self, *exc):
        del connection.commit
        self.wrapper.__exit__(*exc)


@pytest.fixture
def api(world):
    from django.test import Client

    _, token = token_create(email=world.user("acme_l1").email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post_ticket(api):
    payload = json.dumps(api_body())
    return api.post(f"{API}/tickets", payload, content_type="application/json")


def create_through_api(api) -> tuple[Statements, dict]:
    assert post_ticket(api).status_code == 201  # the first request of the process warms up
    with counting() as statements:
        answer = post_ticket(api)
    assert answer.status_code == 201, answer.content
    return statements, answer.json()


def create_through_service(world) -> Statements:
    actor = world.actor("acme_l1")
    customer = world.user("acme_customer").email
    services.ticket_create(actor=actor, data=complete_fields(), customer=customer)
    with counting() as statements:
        services.ticket_create(actor=actor, data=complete_fields(), customer=customer)
    return statements


def test_show_create_statements(world, api):
    statements, _ = create_through_api(api)
    print("\nPOST /api/v1/tickets:", statements, sep="\n")
    print("\nticket_create:", create_through_service(world), sep="\n")


def test_api_create_costs_exactly_its_statements_and_one_commit(world, api):
    # when a partner's tool opens a ticket with a complete body
    statements, answer = create_through_api(api)
    # then it costs exactly these statements, in one committed transaction
    assert len(statements) == API_STATEMENTS, statements
    assert statements.commits == 1, statements
    # and the ticket is numbered, inserted once and not written again
    inserts = [s for s in statements.sql() if s.startswith('INSERT INTO "tickets_ticket"')]
    updates = [s for s in statements.sql() if s.startswith('UPDATE "tickets_ticket"')]
    assert len(inserts) == 1 and not updates, statements
    # and the answer is the ticket as created, with its clocks
    ticket = Ticket.objects.get(pk=answer["id"])
    assert (answer["number"], answer["version"]) == (ticket.number, ticket.version)
    assert answer["sla"]["next_deadline"] is not None
    assert {c["kind"] for c in answer["sla"]["clocks"]} == set(
        Clock.objects.filter(ticket=ticket).values_list("kind", flat=True)
    )


def test_service_create_costs_exactly_its_statements(world):
    statements = create_through_service(world)
    assert len(statements) == SERVICE_STATEMENTS, statements
    assert statements.commits == 1, statements


def _more_tickets_policies_and_calendars(world, n: int) -> None:
    """`n` more tickets, calendars (with hours), team calendars of other partners."""
    actor = world.actor("acme_l1")
    for _ in range(n):
        services.ticket_create(actor=actor, data=complete_fields())
    for i in range(n):
        calendar = Calendar.objects.create(code=f"extra-{i}", name=f"Extra {i}")
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=d, start=time(8), end=time(17))
            for d in range(5)
        )
        partner = organisation_create(name=f"Partner {i}", kind="partner")
        TeamCalendar.objects.create(level=1, partner=partner, calendar=calendar)
    # every policy of another plan on one of the new calendars
    for n_policy, policy in enumerate(Policy.objects.exclude(plan="premium")):
        policy.calendar = Calendar.objects.get(code=f"extra-{n_policy % n}")
        policy.save()


def test_the_cost_does_not_grow_with_tickets_policies_or_calendars(world, api):
    few_api, _ = create_through_api(api)
    few_service = create_through_service(world)
    _more_tickets_policies_and_calendars(world, 50)
    many_api, _ = create_through_api(api)
    many_service = create_through_service(world)
    assert len(many_api) == len(few_api), many_api
    assert len(many_service) == len(few_service), many_service


def test_the_clocks_count_on_every_change_of_policies_and_calendars(world, api):
    """The terms are cached per process while the database's revision stays the same:
    every kind of write moves it — here bulk SQL that sends no signal."""

    def new() -> dict:
        answer = post_ticket(api)
        assert answer.status_code == 201
        return {(c["kind"], c["level"]): c for c in answer.json()["sla"]["clocks"]}

    def resolution_target(clocks) -> float:
        clock = clocks[(ClockKind.RESOLUTION, None)]
        return clock["used_seconds"] + clock["remaining_seconds"]

    first = new()
    # a bulk update of the policy: the next ticket counts on its new target
    Policy.objects.filter(plan="premium", priority="normal", incident=False).update(
        resolution=F("resolution") + 5 * H
    )
    assert resolution_target(new()) > resolution_target(first)
    # a new team calendar of Acme's L1: the next ticket's first response counts on it
    lab = Calendar.objects.create(code="acme-l1", name="Acme L1", always_open=True)
    TeamCalendar.objects.create(level=1, partner=world.acme, calendar=lab)
    assert new()[(ClockKind.FIRST_RESPONSE, 1)]["calendar"] == "Acme L1"
    # a bulk rename of the calendar: the next answer shows the new name
    Calendar.objects.filter(pk=lab.pk).update(name="Acme first line")
    assert new()[(ClockKind.FIRST_RESPONSE, 1)]["calendar"] == "Acme first line"


def test_every_table_of_the_terms_has_its_trigger():
    """SQLite drops a table's triggers when a migration rebuilds it: each table of the
    terms must still bump the revision."""
    from tierdesk.sla.models import ManualDay, TermsRevision

    def revision() -> int:
        return TermsRevision.objects.get(pk=1).revision

    # a revision a rolled-back write left behind is not reached again by the next one
    seen = set()
    for _ in range(3):
        with pytest.raises(RuntimeError), transaction.atomic():
            Policy.objects.filter(plan="basic").update(resolution=F("resolution"))
            seen.add(revision())
            raise RuntimeError("roll back")
    assert len(seen) == 3

    calendar = Calendar.objects.order_by("pk").first()
    writes = [
        lambda: Calendar.objects.filter(pk=calendar.pk).update(name=calendar.name),
        lambda: WorkingHours.objects.create(
            calendar=calendar, weekday=6, start=time(10), end=time(11)
        ),
        lambda: ManualDay.objects.create(calendar=calendar, month=2, day=3),
        lambda: TeamCalendar.objects.create(level=2, calendar=calendar),
        lambda: Policy.objects.filter(plan="basic").update(resolution=F("resolution")),
    ]
    for write in writes:
        before = revision()
        write()
        assert revision() != before
