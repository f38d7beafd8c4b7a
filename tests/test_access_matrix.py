"""Who sees what (DESIGN.md §4), as a matrix of roles × tickets × reads, writes and pages.

The expected visibility below is written out by hand from DESIGN.md §4, not derived from
`access.py`: partner staff see their own partner's tickets; customers their own tickets
only (not those of another customer of the same partner); L2, leads and admins every
ticket; L3 the tickets that were escalated to it. Anything an actor cannot see answers
exactly like something that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings

from tests.factories import PLAIN_LOG, World, build_world, complete_fields, ticket_at
from tierdesk.accounts.models import Role
from tierdesk.accounts.services import user_create
from tierdesk.core.errors import NotFound
from tierdesk.tickets import access, services
from tierdesk.tickets.models import (
    Attachment,
    AttachmentKind,
    Fix,
    Handover,
    Message,
    Reproduction,
    Ticket,
    TicketEvent,
)
from tierdesk.tickets.services import ACTION_SERVICES

# ---------------------------------------------------------------------------------------
# The tickets of the matrix: two partners and the vendor's direct customers, in several
# states, one never escalated and several escalated to L3.
# ---------------------------------------------------------------------------------------
# key -> (partner, state, customer)
TICKETS: dict[str, tuple[str, str, str]] = {
    "A1": ("acme", "new@L1", "acme_customer"),
    "A2": ("acme", "in_progress@L2", "acme_customer"),  # at L2, never escalated
    "A3": ("acme", "in_progress@L3", "acme_customer"),  # escalated
    "A4": ("acme", "new@L1", "acme_customer2"),  # the second Acme customer's
    "G1": ("globex", "waiting@L1", "globex_customer"),
    "G2": ("globex", "resolved@L2", "globex_customer"),  # never escalated
    "G3": ("globex", "new@L3", "globex_customer"),  # escalated, not yet taken
    "V1": ("vendor", "new@L2", "direct_customer"),
    "V2": ("vendor", "verifying@L2", "direct_customer"),  # escalated, back at L2
}
ALL = frozenset(TICKETS)
ACME = frozenset({"A1", "A2", "A3", "A4"})
GLOBEX = frozenset({"G1", "G2", "G3"})
VENDOR = frozenset({"V1", "V2"})

# DESIGN.md §4, written out per role.
EXPECTED: dict[str, frozenset[str]] = {
    "acme_customer": frozenset({"A1", "A2", "A3"}),
    "acme_customer2": frozenset({"A4"}),
    "acme_l1": ACME,
    "acme_admin": ACME,
    "globex_customer": GLOBEX,
    "globex_l1": GLOBEX,
    "globex_admin": GLOBEX,
    "direct_customer": VENDOR,
    "vendor_l1": VENDOR,  # the vendor runs L1 for its direct customers only
    "l2": ALL,
    "lead": ALL,
    "admin": ALL,
    "l3": frozenset({"A3", "G3", "V2"}),  # escalated to L3 (also once back at L2)
}
ROLES = tuple(EXPECTED)
pytestmark = pytest.mark.django_db
CUSTOMERS = frozenset(k for k in ROLES if "customer" in k)


def internal_note_text(key: str) -> str:
    return f"INTERNAL-NOTE-{key}: suspect the partner proxy config"


def public_reply_text(key: str) -> str:
    return f"PUBLIC-REPLY-{key}: we are looking into it"


@dataclass
class Matrix:
    world: World
    tickets: dict[str, Ticket]
    internal_attachments: dict[str, Attachment]
    public_attachments: dict[str, Attachment]
    customer_attachment: Attachment  # uploaded by the customer on A1

    def actor(self, role: str):
        return self.world.actor(role)

    def missing_ticket_id(self) -> int:
        return max(t.pk for t in self.tickets.values()) + 10_000

    def missing_attachment_id(self) -> int:
        return max(a.pk for a in self.all_attachments()) + 10_000

    def missing_number(self) -> int:
        return max(t.number for t in self.tickets.values()) + 10_000

    def all_attachments(self) -> list[Attachment]:
        return [
            *self.internal_attachments.values(),
            *self.public_attachments.values(),
            self.customer_attachment,
        ]

    def key_of(self, ticket_id: int) -> str:
        return next(k for k, t in self.tickets.items() if t.pk == ticket_id)


def build_matrix(world: World) -> Matrix:
    world.users["acme_customer2"] = user_create(
        email="acme_customer2@example.test",
        organisation=world.acme,
        role=Role.CUSTOMER,
        full_name="Second Acme Customer",
    )
    tickets: dict[str, Ticket] = {}
    for key, (partner, state, customer) in TICKETS.items():
        if customer == "acme_customer2":
            tickets[key] = services.ticket_create(
                actor=world.actor("acme_l1"),
                data=complete_fields("acme", title="Second customer's ticket"),
                customer=world.user(customer).email,
            )
        else:
            tickets[key] = ticket_at(world, state, partner=partner)
    staff = world.actor("l2")  # L2 sees every ticket: it writes the conversation
    internal, public = {}, {}
    for key, ticket in tickets.items():
        services.message_add(actor=staff, ticket_id=ticket.pk, body=public_reply_text(key))
        services.message_add(
            actor=staff, ticket_id=ticket.pk, body=internal_note_text(key), internal=True
        )
        internal[key] = services.attachment_add(
            actor=staff,
            ticket_id=ticket.pk,
            file=PLAIN_LOG,
            filename=f"internal-analysis-{key}.log",
            kind=AttachmentKind.LOG,
        )
        public[key] = services.attachment_add(
            actor=staff,
            ticket_id=ticket.pk,
            file=PLAIN_LOG + key.encode(),
            filename=f"public-{key}.log",
            kind=AttachmentKind.LOG,
            internal=False,
        )
    customer_attachment = services.attachment_add(
        actor=world.actor("acme_customer"),
        ticket_id=tickets["A1"].pk,
        file=b"customer's own log line\n",
        filename="from-customer.log",
        kind=AttachmentKind.LOG,
    )
    for ticket in tickets.values():
        ticket.refresh_from_db()
    return Matrix(world, tickets, internal, public, customer_attachment)


def _storages_at(location: Path) -> dict:
    return {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
    }


@pytest.fixture(scope="module")
def _matrix_files(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("matrix-attachments")


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, _matrix_files) -> Matrix:
    """Built once for the module, inside a transaction rolled back at its end; each test
    runs in a savepoint of its own (the module's django_db mark), so writes a test makes
    are undone before the next one."""
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES=_storages_at(_matrix_files)),
        transaction.atomic(),
    ):
        yield build_matrix(build_world())
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _attachments_of_the_matrix(settings, _matrix_files):
    # tests/conftest.py gives each test an empty attachment folder; the matrix's files
    # live in the module's folder
    settings.STORAGES = _storages_at(_matrix_files)


def not_found_message(call) -> tuple[type, str, str, int]:
    """The exception type, message, code and status a call raises (it must raise)."""
    try:
        call()
    except Exception as exc:
        return (type(exc), str(exc), getattr(exc, "code", ""), getattr(exc, "status", 0))
    return (type(None), "no exception", "", 0)


def test_matrix_tickets_are_in_the_states_they_claim(matrix):
    # given the matrix (built through the services)
    # then each ticket is in its state, and the ones escalated are the ones L3 should see
    for key, (_partner, state, _customer) in TICKETS.items():
        ticket = Ticket.objects.get(pk=matrix.tickets[key].pk)
        status, level = state.split("@L")
        status = {"waiting": "waiting_on_customer"}.get(status, status)
        assert (ticket.status, ticket.level) == (status, int(level)), key
        assert (ticket.escalated_at is not None) == (key in EXPECTED["l3"]), key
    assert matrix.tickets["A4"].customer == matrix.world.user("acme_customer2")


# ---------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------
def test_visible_tickets_match_design_for_every_role(matrix):
    # given every role and the tickets of two partners and the vendor
    wrong = {}
    for role in ROLES:
        # when the role lists the tickets it can see
        seen = {
            matrix.key_of(pk)
            for pk in access.visible_tickets(matrix.actor(role)).values_list("pk", flat=True)
        }
        # then it is exactly what DESIGN.md §4 says
        if seen != EXPECTED[role]:
            wrong[role] = {
                "extra": sorted(seen - EXPECTED[role]),
                "missing": sorted(EXPECTED[role] - seen),
            }
    assert wrong == {}


def test_get_ticket_answers_not_yours_exactly_like_missing(matrix):
    leaks = []
    for role in ROLES:
        actor = matrix.actor(role)
        # given the answer to a ticket id that does not exist
        missing = not_found_message(
            lambda a=actor: access.get_ticket(a, matrix.missing_ticket_id())
        )
        missing_number = not_found_message(
            lambda a=actor: access.get_ticket_by_number(a, matrix.missing_number())
        )
        assert missing[0] is NotFound and missing[3] == 404
        assert missing_number == missing
        for key, ticket in matrix.tickets.items():
            if key in EXPECTED[role]:
                # when the role fetches a ticket it may see, then it gets it (also locked)
                assert access.get_ticket(actor, ticket.pk).pk == ticket.pk
                assert access.get_ticket_by_number(actor, ticket.number).pk == ticket.pk
                with transaction.atomic():
                    assert access.get_ticket(actor, ticket.pk, for_update=True).pk == ticket.pk
                continue
            # when it fetches one it may not see (by id, by number, for update)
            answers = [
                not_found_message(lambda a=actor, t=ticket: access.get_ticket(a, t.pk)),
                not_found_message(
                    lambda a=actor, t=ticket: access.get_ticket_by_number(a, t.number)
                ),
            ]
            with transaction.atomic():
                answers.append(
                    not_found_message(
                        lambda a=actor, t=ticket: access.get_ticket(a, t.pk, for_update=True)
                    )
                )
            # then the answer is indistinguishable from a missing ticket
            if any(answer != missing for answer in answers):
                leaks.append((role, key, answers))
    assert leaks == []


def test_get_ticket_with_malformed_ids_is_not_found(matrix):
    # given tickets, and ids that are not numbers at all
    for bad_id in (0, -1, "1 OR 1=1", "", None, "abc", 2**70):
        # when anyone asks for one, then it is simply not found
        for role in ("acme_customer", "l2"):
            with pytest.raises(NotFound, match=r"^Ticket not found\.$"):
                access.get_ticket(matrix.actor(role), bad_id)


def test_customers_never_see_internal_notes_staff_see_both(matrix):
    wrong = []
    for role in ROLES:
        actor = matrix.actor(role)
        for key in EXPECTED[role]:
            ticket = access.get_ticket(actor, matrix.tickets[key].pk)
            # when the role reads the conversation of a ticket it sees
            bodies = list(access.visible_messages(actor, ticket).values_list("body", flat=True))
            internal = list(
                access.visible_messages(actor, ticket)
                .filter(internal=True)
                .values_list("pk", flat=True)
            )
            # then customers get the public reply and no internal note; staff get both
            has_public = public_reply_text(key) in bodies
            has_note = internal_note_text(key) in bodies
            expected = (True, False) if role in CUSTOMERS else (True, True)
            if (has_public, has_note) != expected or (role in CUSTOMERS and internal):
                wrong.append((role, key, has_public, has_note))
    assert wrong == []


def test_customers_never_see_internal_attachments(matrix):
    wrong = []
    for role in ROLES:
        actor = matrix.actor(role)
        missing = not_found_message(
            lambda a=actor: access.get_attachment(a, matrix.missing_attachment_id())
        )
        assert missing[:2] == (NotFound, "Attachment not found.")
        for key, ticket in matrix.tickets.items():
            internal = matrix.internal_attachments[key]
            public = matrix.public_attachments[key]
            own = [matrix.customer_attachment] if key == "A1" else []
            if key in EXPECTED[role]:
                # when the role lists a visible ticket's attachments
                listed = set(access.visible_attachments(actor, ticket).values_list("pk", flat=True))
                # then customers get public ones (their own uploads included), staff all
                want = {public.pk, *(a.pk for a in own)}
                if role not in CUSTOMERS:
                    want |= set(ticket.attachments.values_list("pk", flat=True))
                if listed != want:
                    wrong.append((role, key, "listed", sorted(listed), sorted(want)))
                gettable = [public, *own] + ([] if role in CUSTOMERS else [internal])
                hidden = [internal] if role in CUSTOMERS else []
            else:
                gettable, hidden = [], [internal, public, *own]
            for attachment in gettable:
                if access.get_attachment(actor, attachment.pk).pk != attachment.pk:
                    wrong.append((role, key, "get", attachment.filename))
            for attachment in hidden:
                # then an attachment it may not see answers like a missing one
                answer = not_found_message(
                    lambda a=actor, x=attachment: access.get_attachment(a, x.pk)
                )
                if answer != missing:
                    wrong.append((role, key, "hidden", attachment.filename, answer))
    assert wrong == []


def test_customers_see_no_events_staff_see_the_whole_trail(matrix):
    wrong = []
    for role in ROLES:
        actor = matrix.actor(role)
        for key in EXPECTED[role]:
            ticket = access.get_ticket(actor, matrix.tickets[key].pk)
            # when the role reads the audit trail
            seen = access.visible_events(actor, ticket).count()
            # then customers see none of it, staff every event of the ticket
            want = 0 if role in CUSTOMERS else ticket.events.count()
            if seen != want or ticket.events.count() < 3:
                wrong.append((role, key, seen, want))
    assert wrong == []


# ---------------------------------------------------------------------------------------
# Writes: an actor who cannot see a ticket learns nothing and changes nothing
# ---------------------------------------------------------------------------------------
# A well-formed payload for every action, so that only access can refuse.
ACTION_PAYLOADS: dict[str, dict] = {
    "take": {},
    "ask_customer": {"message": "Which order number?"},
    "customer_reply": {"message": "Order 4711."},
    "resolve": {"resolution": "Renewed the API key.", "cause": "credentials"},
    "hand_over": {},
    "bounce": {"items": ["logs"], "note": "Attach the execution log."},
    "escalate": {"override_reason": "The customer's production is down."},
    "return_to_l2": {"reason": "Not a platform defect."},
    "deliver_fix": {"reference": "HF-2026-999", "release": "1.2.3", "notes": "Patched."},
    "verify_fix": {"passed": True, "notes": "Order 4711 syncs."},
    "reopen": {"reason": "It fails again."},
    "close": {"confirmed": True},
}

OTHER_WRITES = {
    "message_add": lambda actor, tid, version: services.message_add(
        actor=actor, ticket_id=tid, body="Hello from outside."
    ),
    "message_add_internal": lambda actor, tid, version: services.message_add(
        actor=actor, ticket_id=tid, body="Sneaky note.", internal=True
    ),
    "attachment_add": lambda actor, tid, version: services.attachment_add(
        actor=actor, ticket_id=tid, file=PLAIN_LOG, filename="x.log", kind=AttachmentKind.LOG
    ),
    "ticket_update": lambda actor, tid, version: services.ticket_update(
        actor=actor, ticket_id=tid, changes={"title": "Taken over"}, version=version
    ),
    "ticket_assign": lambda actor, tid, version: services.ticket_assign(
        actor=actor, ticket_id=tid, assignee_id=actor.user_id, reason="mine", version=version
    ),
    "ticket_unassign": lambda actor, tid, version: services.ticket_assign(
        actor=actor, ticket_id=tid, assignee_id=None, version=version
    ),
    "reproduction_record": lambda actor, tid, version: services.reproduction_record(
        actor=actor,
        ticket_id=tid,
        reproduced=True,
        steps="s",
        environment="e",
        observed="o",
        analysis="a",
    ),
}


def every_write():
    """(name, call(actor, ticket_id, version), versions to try) for every write on an
    existing ticket. Where a version is taken, a stale one is tried too: StaleVersion
    would leak existence as surely as Forbidden."""
    for action, (service, _keys) in ACTION_SERVICES.items():
        payload = ACTION_PAYLOADS[action]
        yield (
            action,
            lambda actor, tid, version, s=service, p=payload: s(
                actor=actor, ticket_id=tid, version=version, **p
            ),
            (None, "stale"),
        )
        yield (
            f"ticket_act:{action}",
            lambda actor, tid, version, a=action, p=payload: services.ticket_act(
                actor=actor, ticket_id=tid, action=a, payload=p, version=version
            ),
            ("stale",),
        )
    for name, write in OTHER_WRITES.items():
        versioned = name in ("ticket_update", "ticket_assign", "ticket_unassign")
        yield name, write, ((None, "stale") if versioned else (None,))


def snapshot(ticket_id: int) -> dict:
    """Everything a write could change about a ticket."""
    return {
        "row": Ticket.objects.filter(pk=ticket_id).values().get(),
        "messages": list(Message.objects.filter(ticket_id=ticket_id).values_list("pk", flat=True)),
        "attachments": list(
            Attachment.objects.filter(ticket_id=ticket_id).values_list("pk", flat=True)
        ),
        "events": list(
            TicketEvent.objects.filter(ticket_id=ticket_id).values_list("pk", flat=True)
        ),
        "handovers": list(Handover.objects.filter(ticket_id=ticket_id).values()),
        "reproductions": Reproduction.objects.filter(ticket_id=ticket_id).count(),
        "fixes": list(Fix.objects.filter(ticket_id=ticket_id).values()),
    }


def stored_files() -> list[str]:
    storage = Attachment._meta.get_field("file").storage
    found = []

    def walk(path: str) -> None:
        dirs, files = storage.listdir(path) if storage.exists(path) else ([], [])
        found.extend(f"{path}/{name}" for name in files)
        for name in dirs:
            walk(f"{path}/{name}" if path else name)

    walk("")
    return sorted(found)


def test_every_payload_is_written_for_every_action():
    # a new action in ACTION_SERVICES must get a payload here, so it is tested below
    assert set(ACTION_PAYLOADS) == set(ACTION_SERVICES)


def test_every_write_on_a_ticket_one_cannot_see_is_not_found_and_changes_nothing(matrix):
    # given a snapshot of every ticket and of the stored files
    before = {key: snapshot(t.pk) for key, t in matrix.tickets.items()}
    files_before = stored_files()
    leaks = []
    calls = 0
    for role in ROLES:
        actor = matrix.actor(role)
        invisible = [k for k in TICKETS if k not in EXPECTED[role]]
        for name, write, versions in every_write():
            # the answer for a ticket that does not exist
            missing = not_found_message(
                lambda w=write, a=actor: w(a, matrix.missing_ticket_id(), None)
            )
            if missing[:2] != (NotFound, "Ticket not found."):
                leaks.append((role, name, "missing id", missing))
            for key in invisible:
                ticket = matrix.tickets[key]
                # when the role tries the write (with and without a stale version)
                for version in versions:
                    version = ticket.version + 5 if version == "stale" else version
                    calls += 1
                    answer = not_found_message(
                        lambda w=write, a=actor, t=ticket, v=version: w(a, t.pk, v)
                    )
                    # then it is exactly the missing-ticket answer: never Forbidden,
                    # WrongState, StaleVersion or a gate refusal
                    if answer != missing:
                        leaks.append((role, name, key, version, answer))
    assert calls > 1000
    assert leaks == []
    # and nothing changed: not a field, message, attachment, event or stored file
    after = {key: snapshot(t.pk) for key, t in matrix.tickets.items()}
    assert after == before
    assert stored_files() == files_before


def test_a_visible_ticket_does_accept_writes_so_the_refusals_above_mean_something(matrix):
    # given a ticket the Acme L1 agent sees, in a state it may act on
    ticket = Ticket.objects.get(pk=matrix.tickets["A1"].pk)
    actor = matrix.actor("acme_l1")
    # when it takes it and writes a note
    services.ACTION_SERVICES["take"][0](actor=actor, ticket_id=ticket.pk, version=ticket.version)
    OTHER_WRITES["message_add_internal"](actor, ticket.pk, None)
    # then both took effect
    ticket.refresh_from_db()
    assert ticket.status == "in_progress" and ticket.assignee == matrix.world.user("acme_l1")
    assert ticket.messages.filter(body="Sneaky note.", internal=True).exists()


def test_a_customer_cannot_act_on_the_other_customer_ticket_of_the_same_partner(matrix):
    # given the second Acme customer's ticket waiting for nobody in particular
    ticket = matrix.tickets["A4"]
    actor = matrix.actor("acme_customer")
    before = snapshot(ticket.pk)
    # when the first Acme customer writes on it, replies, or closes it
    for write in (
        lambda: services.message_add(actor=actor, ticket_id=ticket.pk, body="Mine now"),
        lambda: services.ticket_update(
            actor=actor, ticket_id=ticket.pk, changes={"title": "x"}, version=None
        ),
        lambda: services.ticket_close(actor=actor, ticket_id=ticket.pk, confirmed=True),
    ):
        # then it does not exist for them
        with pytest.raises(NotFound, match=r"^Ticket not found\.$"):
            write()
    assert snapshot(ticket.pk) == before


# ---------------------------------------------------------------------------------------
# HTML pages
# ---------------------------------------------------------------------------------------
def _get(client, url):
    """(status, body). A streamed body is read to its end, which also closes it (the test
    client then keeps the database connection open; a second close() would not)."""
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    # Each page's CSP nonce is fresh, and the portal's sign-out form carries a CSRF token
    # masked anew each time; the rest of the page is what must be alike.
    body = re.sub(rb'nonce="[^"]*"', b'nonce=""', body)
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", body)
    return response.status_code, body


def page_of(role: str, number: int) -> str:
    """Customers read tickets in their portal (the console sends them there)."""
    return f"/portal/tickets/{number}/" if role in CUSTOMERS else f"/tickets/{number}/"


def file_of(role: str, attachment_id: int) -> str:
    return (
        f"/portal/files/{attachment_id}/" if role in CUSTOMERS else f"/attachments/{attachment_id}/"
    )


def test_ticket_pages_answer_404_for_not_yours_and_missing_alike(matrix, client):
    wrong = []
    for role in ROLES:
        client.force_login(matrix.world.user(role))
        # given the page for a ticket number that does not exist
        missing_status, missing_body = _get(client, page_of(role, matrix.missing_number()))
        assert missing_status == 404
        for key, ticket in matrix.tickets.items():
            # when the role opens the ticket's page
            status, body = _get(client, page_of(role, ticket.number))
            # then it is 200 when visible, otherwise the very same 404 as a missing one
            if key in EXPECTED[role]:
                if status != 200 or public_reply_text(key).encode() not in body:
                    wrong.append((role, key, status))
            elif (status, body) != (missing_status, missing_body):
                wrong.append((role, key, status))
        client.logout()
    assert wrong == []


def test_internal_notes_never_reach_a_customer_page(matrix, client):
    for role in ROLES:
        client.force_login(matrix.world.user(role))
        for key in EXPECTED[role]:
            # when a role opens a visible ticket's page
            status, body = _get(client, page_of(role, matrix.tickets[key].number))
            assert status == 200
            note = internal_note_text(key).encode()
            internal_file = matrix.internal_attachments[key].filename.encode()
            if role in CUSTOMERS:
                # then a customer's page holds neither the note nor internal files
                assert note not in body, (role, key)
                assert internal_file not in body, (role, key)
            else:
                # and staff do see them (so the check above can fail)
                assert note in body, (role, key)
                assert internal_file in body, (role, key)
        client.logout()


def test_attachment_downloads_answer_404_for_not_yours_and_missing_alike(matrix, client):
    wrong = []
    for role in ROLES:
        client.force_login(matrix.world.user(role))
        missing_status, missing_body = _get(client, file_of(role, matrix.missing_attachment_id()))
        assert missing_status == 404
        for attachment in matrix.all_attachments():
            key = matrix.key_of(attachment.ticket_id)
            visible = key in EXPECTED[role] and not (role in CUSTOMERS and attachment.internal)
            # when the role downloads the attachment
            status, body = _get(client, file_of(role, attachment.pk))
            # then it gets the bytes when visible, the missing answer otherwise
            if visible:
                stored = attachment.file.open("rb").read()
                attachment.file.close()
                if status != 200 or body != stored:
                    wrong.append((role, attachment.filename, status))
            elif (status, body) != (missing_status, missing_body):
                wrong.append((role, attachment.filename, status))
        client.logout()
    assert wrong == []
