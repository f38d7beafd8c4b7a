"""Fetching from a real IMAP server: Dovecot from Debian's packages, started here with a
configuration in a temporary directory (maildir, a passwd-file user, plaintext login on
127.0.0.1, a free port). Every mail is imported exactly once, also when the fetch dies
halfway; mail is flagged or moved only after its transaction committed; odd mail never
stops the mails after it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.test_mail_support import (
    MTA,
    brand,
    dovecot_binary,
    mail,
    running_dovecot,
    smtp_server,
    trust_mta,
)
from tierdesk import cli
from tierdesk.core.actor import SYSTEM
from tierdesk.mail import imap, inbound, routing
from tierdesk.mail.models import HeldMail, InboundMessage, InboundOutcome, Mailbox
from tierdesk.tickets.access import visible_tickets

pytestmark = pytest.mark.django_db(transaction=True)

BINARY = dovecot_binary()


@pytest.fixture(scope="module")
def dovecot():
    if BINARY is None:
        pytest.skip("no dovecot binary: install Debian's dovecot-imapd (.ci/run does)")
    with running_dovecot(BINARY) as server:
        yield server


@pytest.fixture
def smtp(settings):
    yield from smtp_server(settings)


@pytest.fixture
def world_(world, settings):
    trust_mta(settings)
    return brand(world)


@pytest.fixture
def folder(dovecot, request):
    name = "t-" + request.node.name[-40:].replace("[", "-").replace("]", "")
    return dovecot.new_folder(name)


def mailbox_for(world_, dovecot, folder: str, **extra) -> Mailbox:
    return Mailbox.objects.create(
        organisation=world_.acme,
        name=f"acme-{folder}",
        address="support@acme.example",
        host="127.0.0.1",
        port=dovecot.port,
        use_ssl=False,
        username=dovecot.user,
        password=dovecot.password,
        folder=folder,
        **extra,
    )


def customer_mails(world_, count: int, prefix="Issue") -> list[bytes]:
    email = world_.user("acme_customer").email
    return [mail(email, f"{prefix} {n}", f"Problem number {n}.") for n in range(count)]


def imported_titles() -> list[str]:
    return sorted(visible_tickets(SYSTEM).values_list("title", flat=True))


def test_fetch_imports_every_mail_once_and_flags_it(world_, dovecot, folder, smtp, capsys):
    # given five customer mails in Acme's mailbox
    box = mailbox_for(world_, dovecot, folder)
    for raw in customer_mails(world_, 5):
        dovecot.append(folder, raw)
    # when mail-fetch runs twice
    assert cli.main(["mail-fetch"]) == 0
    assert "5 fetched (5 ticket_created)" in capsys.readouterr().out
    assert cli.main(["mail-fetch"]) == 0
    # then five tickets exist, each mail is flagged, and each customer got one answer
    assert imported_titles() == [f"Issue {n}" for n in range(5)]
    assert all("$TierdeskImported" in f and "\\Seen" in f for f in dovecot.flags(folder).values())
    assert len(smtp.to(world_.user("acme_customer").email)) == 5
    box.refresh_from_db()
    assert box.last_uid == 5 and box.last_error == ""


def test_a_fetch_killed_after_a_commit_and_run_again_imports_each_mail_once(
    world_, dovecot, folder, monkeypatch
):
    # given six mails
    box = mailbox_for(world_, dovecot, folder)
    for raw in customer_mails(world_, 6):
        dovecot.append(folder, raw)
    # when the process dies right after the third mail's transaction committed, before
    # it could flag it (an exception no handler catches stands in for SIGKILL)
    original_mark, marked = imap._Session.mark, []

    class Killed(BaseException):
        pass

    def mark_then_die(self, uid):
        if len(marked) == 2:
            raise Killed
        marked.append(uid)
        original_mark(self, uid)

    monkeypatch.setattr(imap._Session, "mark", mark_then_die)
    with pytest.raises(Killed):
        imap.fetch_all()
    # then three tickets are committed, two mails flagged
    assert len(imported_titles()) == 3
    assert sum("$TierdeskImported" in f for f in dovecot.flags(folder).values()) == 2
    # and when the fetch runs again
    monkeypatch.setattr(imap._Session, "mark", original_mark)
    [result] = imap.fetch_all()
    # then the third is recognised as imported, the rest are imported: each exactly once
    assert result.outcomes == {"duplicate": 1, "ticket_created": 3}
    assert imported_titles() == [f"Issue {n}" for n in range(6)]
    assert InboundMessage.objects.count() == 6
    assert all("$TierdeskImported" in f for f in dovecot.flags(folder).values())
    box.refresh_from_db()
    assert box.last_uid == 6


def test_a_fetch_killed_inside_a_transaction_leaves_nothing_of_that_mail(
    world_, dovecot, folder, monkeypatch
):
    mailbox_for(world_, dovecot, folder)
    for raw in customer_mails(world_, 4):
        dovecot.append(folder, raw)
    original_route, calls = routing.route, []

    class Killed(BaseException):
        pass

    def route_then_die(parsed, raw, log, org, verdict):
        result = original_route(parsed, raw, log, org, verdict)  # the ticket is written…
        calls.append(1)
        if len(calls) == 2:
            raise Killed  # …and the process dies before the commit
        return result

    monkeypatch.setattr(inbound, "route", route_then_die)
    with pytest.raises(Killed):
        imap.fetch_all()
    assert imported_titles() == ["Issue 0"]
    monkeypatch.setattr(inbound, "route", original_route)
    imap.fetch_all()
    assert imported_titles() == [f"Issue {n}" for n in range(4)]


def test_odd_and_failing_mail_never_stops_the_fetch(world_, dovecot, folder, monkeypatch):
    # given good mails around unreadable ones, an odd charset and one that will fail
    box = mailbox_for(world_, dovecot, folder)
    email = world_.user("acme_customer").email
    cp1252 = (
        f"Authentication-Results: {MTA}; dmarc=pass header.from=example.test\r\n"
        f"From: {email}\r\nSubject: Euro\r\nMessage-ID: <cp@x.example>\r\n"
        "Content-Type: text/plain; charset=windows-1252\r\n\r\n"
    ).encode() + "Kosten 5 €".encode("cp1252")
    messages = [
        customer_mails(world_, 1, "First")[0],
        b"Subject: no sender at all\r\n\r\nbody",
        cp1252,
        mail(email, "Explodes", "boom"),
        customer_mails(world_, 1, "Last")[0],
    ]
    for raw in messages:
        dovecot.append(folder, raw)
    # and a fault outside intake's own handling on the fourth mail (say, storage)
    original = imap.intake

    def intake_failing(raw, **kwargs):
        if b"Explodes" in raw:
            raise RuntimeError("storage unavailable")
        return original(raw, **kwargs)

    monkeypatch.setattr(imap, "intake", intake_failing)
    [result] = imap.fetch_all()
    # then every other mail went through: tickets, and the unreadable one held
    assert imported_titles() == ["Euro", "First 0", "Last 0"]
    assert HeldMail.objects.get().detail.startswith("no usable sender")
    assert result.failed_uids == [4]
    # and the failed one stays unflagged, keeping the position below it
    flags = dovecot.flags(folder)
    assert "$TierdeskImported" not in flags[4] and all(
        "$TierdeskImported" in flags[uid] for uid in (1, 2, 3, 5)
    )
    box.refresh_from_db()
    assert box.last_uid == 3
    # and the next fetch imports it once the fault is gone, and nothing twice
    monkeypatch.setattr(imap, "intake", original)
    [again] = imap.fetch_all()
    assert again.outcomes == {"ticket_created": 1}
    assert "Explodes" in imported_titles() and len(imported_titles()) == 4
    ticket = visible_tickets(SYSTEM).get(title="Euro")
    assert ticket.description == "Kosten 5 €"


def test_imported_mail_can_be_moved_to_a_folder(world_, dovecot, folder):
    done = dovecot.new_folder(folder + "-done")
    mailbox_for(world_, dovecot, folder, processed_folder=done)
    for raw in customer_mails(world_, 3):
        dovecot.append(folder, raw)
    [result] = imap.fetch_all()
    assert result.outcomes == {InboundOutcome.TICKET_CREATED: 3}
    assert (dovecot.count(folder), dovecot.count(done)) == (0, 3)


def test_a_wrong_password_is_reported_and_other_mailboxes_still_fetch(world_, dovecot, folder):
    mailbox_for(world_, dovecot, folder + "-bad").__class__.objects.filter(
        name=f"acme-{folder}-bad"
    ).update(password="wrong")
    mailbox_for(world_, dovecot, folder)
    dovecot.append(folder, customer_mails(world_, 1)[0])
    bad, good = imap.fetch_all()
    assert "cannot sign in" in bad.error and "wrong" not in bad.error
    assert good.outcomes == {InboundOutcome.TICKET_CREATED: 1}


def test_a_fetch_process_killed_with_sigkill_and_run_again_imports_each_mail_once(
    world_, dovecot, folder
):
    """The real thing: `tierdesk mail-fetch` in its own process, killed with SIGKILL
    wherever it happens to be once some mails are in, then run again."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("another process cannot reach SQLite's in-memory test database")
    box = mailbox_for(world_, dovecot, folder)
    count = 40
    for raw in customer_mails(world_, count):
        dovecot.append(folder, raw)
    env = {
        **os.environ,
        "DATABASE_URL": _url_of(connection.settings_dict),
        "TIERDESK_MAIL_NOTIFY": "true",
        "TIERDESK_MAIL_AUTHSERV_IDS": MTA,
    }
    command = [
        sys.executable,
        "-c",
        "import sys; from tierdesk.cli import main; sys.exit(main(['mail-fetch']))",
    ]
    # when a fetch is killed after at least ten mails were committed
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while InboundMessage.objects.count() < 10 and time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(process.stderr.read().decode())
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = InboundMessage.objects.count()
    assert 10 <= killed_at < count, "the fetch was not killed halfway"
    # and run again to the end
    done = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    # then every mail is imported exactly once and flagged
    assert imported_titles() == sorted(f"Issue {n}" for n in range(count))
    assert InboundMessage.objects.count() == count
    assert all("$TierdeskImported" in f for f in dovecot.flags(folder).values())
    box.refresh_from_db()
    assert box.last_uid == count


def _url_of(db: dict) -> str:
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
