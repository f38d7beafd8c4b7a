"""Mail is authenticated before it is trusted: the trusted MTA's Authentication-Results
(or a DKIM signature checked here, with a locally generated key) decides whether a mail
comes from its From address; unauthenticated mail from a registered address is held for
review; staff write a note by mail only through the reply address signed for them and
that ticket; a forged In-Reply-To alone threads nothing."""

from __future__ import annotations

import base64
import re
import subprocess

import pytest

from tests.factories import new_ticket
from tests.test_mail_support import MTA, brand, mail, reply_to, smtp_server
from tierdesk.core.actor import SYSTEM
from tierdesk.mail import inbound
from tierdesk.mail.authentication import signed_address, signed_ticket, verify
from tierdesk.mail.models import HeldMail, HeldReason, InboundMessage, InboundOutcome
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import visible_messages, visible_tickets
from tierdesk.tickets.models import Status

FROM = "ann@client.example"


@pytest.fixture
def smtp(settings):
    yield from smtp_server(settings)


@pytest.fixture
def world_(world):
    return brand(world)


def customer(world_) -> str:
    return world_.user("acme_customer").email


def with_header(raw: bytes, header: str) -> bytes:
    return f"{header}\r\n".encode() + raw


# The verdict, pure ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("results", "verified"),
    [
        (f"{MTA}; dmarc=pass header.from=client.example", True),
        (f"{MTA}; dkim=pass header.d=client.example", True),
        (f"{MTA}; dkim=pass header.d=mail.client.example", True),  # aligned subdomain
        (f"{MTA}; spf=pass smtp.mailfrom=bounce@client.example", True),
        (f"{MTA}; dkim=pass header.d=bulkmailer.example", False),  # not aligned
        (f"{MTA}; spf=pass smtp.mailfrom=x@elsewhere.example", False),
        (f"{MTA}; dkim=pass header.d=client.example; dmarc=fail header.from=client.example", False),
        (
            f"{MTA}; dkim=fail header.d=client.example; spf=softfail smtp.mailfrom=client.example",
            False,
        ),
        (f"{MTA}; none", False),
        ("mx.attacker.example; dmarc=pass header.from=client.example", False),  # not trusted
    ],
)
def test_only_a_trusted_mtas_aligned_pass_authenticates(results, verified):
    raw = with_header(mail(FROM, "x", auth=None), f"Authentication-Results: {results}")
    assert verify(raw, FROM, trusted=[MTA]).verified is bool(verified)


def test_the_trusted_mtas_own_header_counts_not_a_forged_one_below_it():
    # given a sender who wrote a passing header with our MTA's id into the mail itself
    forged = with_header(
        mail(FROM, "x", auth=None),
        f"Authentication-Results: {MTA}; dmarc=pass header.from=client.example",
    )
    # when our MTA adds its own verdict on top
    raw = with_header(
        forged, f"Authentication-Results: {MTA}; dmarc=fail header.from=client.example"
    )
    # then its verdict is the one read
    verdict = verify(raw, FROM, trusted=[MTA])
    assert not verdict.verified and "dmarc=fail" in verdict.how
    # and without any trusted MTA configured nothing is verified
    assert not verify(forged, FROM, trusted=[]).verified


def test_reply_addresses_are_signed_per_ticket_and_person():
    address = signed_address("support@acme.example", ticket_id=12, user_id=34)
    assert re.fullmatch(r"support\+t12\.u34\.[0-9a-f]{20}@acme\.example", address)
    assert signed_ticket(["other@x.example", address.upper()], user_id=34) == 12
    # another person, a changed ticket or a changed signature: nothing
    assert signed_ticket([address], user_id=35) is None
    assert signed_ticket([address.replace("+t12.", "+t13.")], user_id=34) is None
    last = address[address.index("@") - 1]
    tampered = address.replace(f"{last}@", f"{'0' if last != '0' else '1'}@")
    assert signed_ticket([tampered], user_id=34) is None


# Through intake -------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db(transaction=True)


@pytestmark_db
@pytest.mark.parametrize(
    "forgery",
    ["fails DMARC", "no Authentication-Results", "an untrusted MTA says pass"],
)
def test_a_forged_reply_from_a_customer_is_held_and_threads_nothing(world_, smtp, forgery):
    # given a ticket L1 asked the customer about, and the question as it arrived
    ticket = new_ticket(world_)
    l1 = world_.actor("acme_l1")
    tickets.ticket_take(actor=l1, ticket_id=ticket.pk)
    tickets.ticket_ask_customer(actor=l1, ticket_id=ticket.pk, message="Which order failed?")
    question = smtp.to(customer(world_))[-1]
    before = visible_messages(SYSTEM, ticket).count()
    # when someone else answers it "as the customer" with its real In-Reply-To
    if forgery == "fails DMARC":
        raw = reply_to(question, customer(world_), "Close it, all fine.", auth="fail")
    elif forgery == "no Authentication-Results":
        raw = reply_to(question, customer(world_), "Close it, all fine.", auth=None)
    else:
        raw = with_header(
            reply_to(question, customer(world_), "Close it, all fine.", auth=None),
            "Authentication-Results: mx.attacker.example; dmarc=pass header.from=example.test",
        )
    result = inbound.intake(raw, source="test")
    # then it is held for review with the reason; the ticket did not move
    assert result.outcome == inbound.HELD
    held = HeldMail.objects.get(pk=result.held_id)
    assert held.reason == HeldReason.UNVERIFIED and "not verified" in held.detail
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_CUSTOMER
    assert visible_messages(SYSTEM, ticket).count() == before
    assert not InboundMessage.objects.filter(ticket=ticket).exists()


@pytestmark_db
def test_an_unauthenticated_new_mail_opens_no_ticket_until_a_person_accepts_it(
    world_, smtp, client
):
    # given a mail from the customer's address that the MTA could not authenticate
    raw = mail(customer(world_), "Please delete our flows", auth="fail")
    result = inbound.intake(raw, source="test")
    # then no ticket, no answer: held for review
    assert result.outcome == inbound.HELD and not visible_tickets(SYSTEM).exists()
    assert smtp.to(customer(world_)) == []
    # and the same mail again is not held twice
    assert inbound.intake(raw, source="test").held_id == result.held_id
    # when an admin checked with the customer and accepts it in the admin
    client.force_login(world_.user("admin"))
    page = client.get("/admin/mail/heldmail/?reason__exact=unverified")
    assert b"Review: sender not authenticated" in page.content
    response = client.post(
        "/admin/mail/heldmail/",
        {"action": "accept_sender", "_selected_action": [result.held_id]},
        follow=True,
    )
    # then the ticket opens as for any customer, and the log says who vouched
    assert b"accepted and processed" in response.content
    [ticket] = visible_tickets(SYSTEM)
    assert ticket.customer_id == world_.user("acme_customer").pk
    log = InboundMessage.objects.get(ticket=ticket)
    assert log.verified and "accepted by a person" in log.authentication
    assert HeldMail.objects.get(pk=result.held_id).resolved_at is not None


@pytestmark_db
def test_staff_mail_becomes_a_note_only_through_the_address_signed_for_them(world_, smtp):
    # given L1's ticket on which the customer replied, and the notice L1 got about it
    ticket = new_ticket(world_)
    l1, l2 = world_.user("acme_l1"), world_.user("l2")
    tickets.ticket_take(actor=world_.actor("acme_l1"), ticket_id=ticket.pk)
    tickets.message_add(actor=world_.actor("acme_customer"), ticket_id=ticket.pk, body="Any news?")
    [notice] = smtp.to(l1.email)
    signed = notice["Reply-To"].addresses[0].addr_spec
    assert signed.startswith(f"support+t{ticket.pk}.u{l1.pk}.")
    to_customer = smtp.to(customer(world_))[-1]

    def notes() -> int:
        return visible_messages(SYSTEM, ticket).filter(internal=True).count()

    # when mails that name the ticket arrive from L1 without that address: the subject
    # number, a genuine In-Reply-To of the customer's mail, a tampered signature
    by_number = mail(l1.email, f"Re: [ACME#{ticket.number}] x", "Reset the token.")
    by_reference = reply_to(to_customer, l1.email, "Reset the token.")
    tampered = reply_to(notice, l1.email, "Reset the token.").replace(
        signed.encode(), signed[:-15].encode() + b"0000@acme.example"
    )
    # and with it, but not authenticated, or from someone else
    unauthenticated = reply_to(notice, l1.email, "Reset the token.", auth="fail")
    someone_else = reply_to(notice, l2.email, "Reset the token.")
    results = [
        inbound.intake(raw, source="t")
        for raw in (by_number, by_reference, tampered, unauthenticated, someone_else)
    ]
    # then none of them is a note: each is held with its reason
    assert notes() == 0
    assert all(r.outcome == inbound.HELD for r in results)
    reasons = [HeldMail.objects.get(pk=r.held_id).reason for r in results]
    assert reasons[:3] == [HeldReason.UNSIGNED] * 3
    assert reasons[3] == HeldReason.UNVERIFIED
    assert reasons[4] == HeldReason.UNSIGNED
    # and the genuine answer, authenticated, to the signed address is the note
    genuine = inbound.intake(reply_to(notice, l1.email, "Token reset."), source="t")
    assert (genuine.outcome, genuine.ticket_number) == (InboundOutcome.NOTE_ADDED, ticket.number)
    assert notes() == 1 and visible_messages(SYSTEM, ticket).last().author_id == l1.pk
    # and the customer's own mail carries no signed address
    assert "+t" not in str(to_customer["Reply-To"] or "")


@pytestmark_db
def test_a_reference_to_someone_elses_mail_threads_nothing(world_, smtp):
    from tierdesk.accounts.services import user_create

    # given a ticket Acme's customer opened by mail, and a colleague at Acme
    first = mail(customer(world_), "Orders flow fails", message_id="<opened@client.example>")
    opened = inbound.intake(first, source="t")
    colleague = user_create(email="bob@example.test", organisation=world_.acme, role="customer")
    # when the colleague "replies" to that mail by its Message-ID
    raw = mail(
        colleague.email,
        "Re: Orders flow fails",
        "Cancel it.",
        headers={"In-Reply-To": "<opened@client.example>"},
    )
    result = inbound.intake(raw, source="t")
    # then it opens a ticket of their own; the first one is untouched
    assert result.outcome == InboundOutcome.TICKET_CREATED
    assert result.ticket_number != opened.ticket_number
    ticket = visible_tickets(SYSTEM).get(number=opened.ticket_number)
    assert visible_messages(SYSTEM, ticket).count() == 0


# Direct DKIM, with a locally generated key ----------------------------------------------


@pytest.fixture(scope="module")
def dkim_key(tmp_path_factory) -> tuple[bytes, bytes]:
    """(private key PEM, the DNS TXT record of its public key)."""
    folder = tmp_path_factory.mktemp("dkim")
    key = folder / "key.pem"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
         "-out", str(key)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    public = subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return key.read_bytes(), b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def dkim_signed(raw: bytes, key: bytes, domain: str = "example.test") -> bytes:
    import dkim

    signature = dkim.sign(
        raw,
        b"td",
        domain.encode(),
        key,
        include_headers=[b"from", b"to", b"subject", b"message-id", b"date"],
    )
    return signature + raw


def dns_for(record: bytes, domain: str = "example.test"):
    def lookup(name, timeout=5):
        return record if name == f"td._domainkey.{domain}.".encode() else None

    return lookup


def test_a_dkim_signature_is_checked_with_an_injected_dns(dkim_key):
    key, record = dkim_key
    raw = dkim_signed(mail("ann@example.test", "Signed", auth=None), key)
    dns = dns_for(record)
    assert verify(raw, "ann@example.test", check_dkim=True, dnsfunc=dns).verified
    # a changed body, another From domain, or a signature without its key: not verified
    changed = raw.replace(b"fails since", b"works since")
    assert not verify(changed, "ann@example.test", check_dkim=True, dnsfunc=dns).verified
    assert not verify(raw, "ann@other.example", check_dkim=True, dnsfunc=dns).verified
    assert not verify(
        raw, "ann@example.test", check_dkim=True, dnsfunc=lambda *a, **k: None
    ).verified


@pytestmark_db
def test_intake_checks_dkim_itself_when_configured(world_, settings, monkeypatch, dkim_key):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.TIERDESK_MAIL_AUTHSERV_IDS = []
    settings.TIERDESK_MAIL_DKIM_VERIFY = True
    key, record = dkim_key
    monkeypatch.setattr(inbound, "DNS_TXT", dns_for(record))
    genuine = dkim_signed(mail(customer(world_), "Signed request", auth=None), key)
    forged = dkim_signed(mail(customer(world_), "Forged request", auth=None), key).replace(
        b"fails since", b"is broken since"
    )
    assert inbound.intake(genuine, source="t").outcome == InboundOutcome.TICKET_CREATED
    assert inbound.intake(forged, source="t").outcome == inbound.HELD
    assert InboundMessage.objects.get().authentication.startswith("dkim=pass")


@pytestmark_db
def test_registering_a_triaged_sender_vouches_for_their_unauthenticated_mail(
    world_, smtp, settings
):
    from tierdesk.mail.services import held_register_sender

    # given an unknown sender's mail the MTA could not authenticate, held for triage
    settings.TIERDESK_MAIL_UNKNOWN_SENDERS = "triage"
    raw = mail("newcomer@acme-customer.example", "Please help", auth=None)
    held = inbound.intake(raw, source="t")
    assert HeldMail.objects.get(pk=held.held_id).reason == HeldReason.UNKNOWN_SENDER
    # when an admin registers the sender for it
    opened = held_register_sender(actor=world_.actor("admin"), held_id=held.held_id)
    # then the ticket opens: the admin vouched for this mail
    assert opened.outcome == InboundOutcome.TICKET_CREATED
    assert InboundMessage.objects.get().authentication.startswith("accepted by a person")


def test_the_deployment_check_warns_when_no_mail_can_be_authenticated(settings):
    from tierdesk.mail.checks import check_inbound_authentication

    settings.TIERDESK_MAIL_AUTHSERV_IDS, settings.TIERDESK_MAIL_DKIM_VERIFY = [], False
    assert [w.id for w in check_inbound_authentication()] == ["tierdesk.mail.W001"]
    settings.TIERDESK_MAIL_AUTHSERV_IDS = [MTA]
    assert check_inbound_authentication() == []
