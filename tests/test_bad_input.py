"""Bad input through the services: an error that names the field and the reason, and
nothing half-written — no ticket, no attachment row, no stored file, no event, no version."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.factories import (
    ACME_CONTRACT,
    PLAIN_LOG,
    complete_fields,
    new_ticket,
    record_reproduction,
    ticket_at,
)
from tierdesk.core.errors import InvalidInput, PayloadTooLarge, TransitionRefused
from tierdesk.tickets import services
from tierdesk.tickets.models import Attachment, AttachmentKind, Ticket, TicketEvent

GOOD_ID = ACME_CONTRACT


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 16), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _later(**delta):
    return lambda: timezone.now() + timedelta(**delta)


def _naive_past():
    return datetime.now() - timedelta(hours=2)  # deliberately without a zone


# (field sent, a value or a callable giving it, the field named, words of the reason)
BAD_FIELDS = [
    pytest.param("contract_id", GOOD_ID[:-1], "contract_id", "not 23", id="id-23-chars"),
    pytest.param("workspace_id", GOOD_ID + "ab", "workspace_id", "not 26", id="id-26-chars"),
    pytest.param("flow_id", "g" * 24, "flow_id", "hexadecimal", id="id-non-hex"),
    pytest.param(
        "platform_url",
        f"https://app.elastic.io/c/{GOOD_ID}/designer/{GOOD_ID}",
        "platform_url",
        "no workspace",
        id="url-flow-without-workspace",
    ),
    pytest.param("occurred_at", _later(hours=1), "occurred_at", "future", id="occurred-future"),
    pytest.param("occurred_at", _naive_past, "occurred_at", "time zone", id="occurred-naive"),
    pytest.param(
        "occurred_at", "2026-11-27T09:14:03", "occurred_at", "time zone", id="occurred-no-offset"
    ),
    pytest.param(
        "occurred_until", _later(minutes=5), "occurred_until", "future", id="window-end-future"
    ),
    pytest.param("needed_by", _later(hours=-1), "needed_by", "past", id="needed-by-past"),
    pytest.param("needed_by", "2026-12-01", "needed_by", "time zone", id="needed-by-date-only"),
    pytest.param("description", "", "description", "must not be empty", id="empty-description"),
    pytest.param("description", "  \n ", "description", "must not be empty", id="blank-desc"),
    pytest.param("description", "a\x00b", "description", "NUL", id="nul-in-description"),
    pytest.param("context", "x\udc80y", "context", "Unicode", id="lone-surrogate"),
    pytest.param(
        "platform_url",
        f"https://app.elastic.io/c/{GOOD_ID}/w/{GOOD_ID}/designer/{GOOD_ID}/v/{'a' * 41}",
        "platform_url",
        "longer than 40",
        id="url-version-too-long",
    ),
    pytest.param("severity", "high", "severity", "not a ticket field", id="unknown-field"),
    pytest.param("priority", "asap", "priority", "must be one of", id="unknown-priority"),
    pytest.param("is_blocker", "yes", "is_blocker", "true, false or null", id="blocker-text"),
]


def resolve(value):
    return value() if callable(value) else value


def assert_invalid(error: InvalidInput, field: str, words: str) -> None:
    assert error.status == 422
    assert set(error.fields) == {field}, error.fields
    assert words in error.fields[field]
    body = error.as_dict()
    assert body["code"] == "invalid" and body["fields"] == error.fields


# ---------------------------------------------------------------------------------------
# ticket_create
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "value", "field", "words"), BAD_FIELDS)
@pytest.mark.parametrize("hand_over", [False, True])
def test_create_with_bad_input_names_the_field_and_writes_nothing(
    world, key, value, field, words, hand_over
):
    # given an otherwise complete ticket with one bad value
    data = complete_fields(**{key: resolve(value)})
    # when it is created (at L1, or straight at L2)
    with pytest.raises(InvalidInput) as refused:
        services.ticket_create(
            actor=world.actor("acme_l1"),
            data=data,
            customer=world.user("acme_customer").email,
            hand_over=hand_over,
        )
    # then the error names the field and why, and no ticket or event exists
    assert_invalid(refused.value, field, words)
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0


def test_create_collects_every_bad_field_at_once(world):
    # given three bad values
    data = complete_fields(contract_id="123", needed_by=_later(days=-1)(), description="")
    # when the ticket is created (as an L1 agent: the L1 checks are not a customer's)
    with pytest.raises(InvalidInput) as refused:
        services.ticket_create(actor=world.actor("acme_l1"), data=data)
    # then all three are named together
    assert set(refused.value.fields) == {"contract_id", "needed_by", "description"}
    assert Ticket.objects.count() == 0


def test_create_for_a_customer_of_another_partner_is_refused(world):
    # given an Acme agent naming Globex's customer
    # when the ticket is created
    with pytest.raises(InvalidInput) as refused:
        services.ticket_create(
            actor=world.actor("acme_l1"),
            data=complete_fields(),
            customer=world.user("globex_customer").email,
        )
    # then the customer field is named, and nothing exists
    assert set(refused.value.fields) == {"customer"}
    assert Ticket.objects.count() == 0


# ---------------------------------------------------------------------------------------
# ticket_update
# ---------------------------------------------------------------------------------------
def state_of(ticket_id: int) -> tuple[dict, int]:
    return (
        Ticket.objects.filter(pk=ticket_id).values().get(),
        TicketEvent.objects.filter(ticket_id=ticket_id).count(),
    )


@pytest.mark.parametrize(("key", "value", "field", "words"), BAD_FIELDS)
def test_update_with_bad_input_names_the_field_and_changes_nothing(world, key, value, field, words):
    # given a ticket at L1 and its current version
    ticket = new_ticket(world)
    before = state_of(ticket.pk)
    # when an agent saves one bad value together with a good one
    with pytest.raises(InvalidInput) as refused:
        services.ticket_update(
            actor=world.actor("acme_l1"),
            ticket_id=ticket.pk,
            changes={"title": "A better title", key: resolve(value)},
            version=ticket.version,
        )
    # then the field is named, and neither change is saved (version and events unchanged)
    assert_invalid(refused.value, field, words)
    assert state_of(ticket.pk) == before


def test_update_of_a_window_end_before_the_stored_start_is_refused(world):
    # given a ticket whose occurred_at is stored
    ticket = new_ticket(world)
    before = state_of(ticket.pk)
    # when only the window's end is sent, earlier than the stored start
    with pytest.raises(InvalidInput) as refused:
        services.ticket_update(
            actor=world.actor("acme_l1"),
            ticket_id=ticket.pk,
            changes={"occurred_until": ticket.occurred_at - timedelta(minutes=1)},
            version=ticket.version,
        )
    # then the end is named and nothing changed
    assert refused.value.fields == {"occurred_until": "is before occurred_at"}
    assert state_of(ticket.pk) == before


def test_a_good_update_does_change_the_ticket(world):
    # given a ticket (the control for the refusals above)
    ticket = new_ticket(world)
    before_row, before_events = state_of(ticket.pk)
    # when a good value is saved
    services.ticket_update(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        changes={"title": "A better title", "flow_id": ""},
        version=ticket.version,
    )
    # then the version moves on and one event names the fields
    row, events = state_of(ticket.pk)
    assert (row["title"], row["flow_id"]) == ("A better title", "")
    assert (row["version"], events) == (before_row["version"] + 1, before_events + 1)
    assert TicketEvent.objects.filter(ticket_id=ticket.pk).last().data == {
        "fields": ["flow_id", "title"],
        "changes": {
            "flow_id": [before_row["flow_id"], ""],
            "title": [before_row["title"], "A better title"],
        },
    }


# ---------------------------------------------------------------------------------------
# attachment_add
# ---------------------------------------------------------------------------------------
def stored_files(tmp_path) -> list:
    root = tmp_path / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(world, ticket, content, filename, kind):
    return services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=content,
        filename=filename,
        kind=kind,
    )


BAD_UPLOADS = [
    pytest.param(png_bytes, "execution.log", "log", "file", "an image", id="png-as-log"),
    pytest.param(png_bytes, "execution.txt", "log", "file", "not a log", id="png-named-txt"),
    pytest.param(
        lambda: PLAIN_LOG, "screen.png", "screenshot", "file", "not an image", id="text-as-shot"
    ),
    pytest.param(
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "screen.svg",
        "screenshot",
        "file",
        "not an image",
        id="svg-as-screenshot",
    ),
    pytest.param(
        lambda: b"%PDF-1.7\n...", "log.txt", "log", "file", "not a text log", id="pdf-as-log"
    ),
    pytest.param(lambda: b"", "empty.log", "log", "file", "is empty", id="empty-file"),
    pytest.param(lambda: PLAIN_LOG, "x.log", "logfile", "kind", "must be one of", id="bad-kind"),
]


@pytest.mark.parametrize(("make", "filename", "kind", "field", "words"), BAD_UPLOADS)
@pytest.mark.parametrize("as_stream", [False, True])
def test_bad_upload_names_the_file_and_stores_nothing(
    world, tmp_path, make, filename, kind, field, words, as_stream
):
    # given a ticket and a file that is not what it claims (as bytes or as a stream)
    ticket = new_ticket(world)
    before = state_of(ticket.pk)
    content = io.BytesIO(make()) if as_stream else make()
    # when it is attached
    with pytest.raises(InvalidInput) as refused:
        upload(world, ticket, content, filename, kind)
    # then the field and the reason are named, and nothing exists: row, file, event
    assert set(refused.value.fields) == {field}
    assert words in refused.value.fields[field]
    assert Attachment.objects.count() == 0
    assert stored_files(tmp_path) == []
    assert state_of(ticket.pk) == before


@pytest.mark.parametrize("as_stream", [False, True])
def test_a_file_over_the_limit_is_refused_naming_the_limit(world, settings, tmp_path, as_stream):
    # given an upload limit of 1 KiB and a text log of 1 KiB and one byte
    settings.TIERDESK_MAX_UPLOAD_BYTES = 1024
    ticket = new_ticket(world)
    before = state_of(ticket.pk)
    content = b"x" * 1025
    # when it is attached
    with pytest.raises(PayloadTooLarge) as refused:
        upload(world, ticket, io.BytesIO(content) if as_stream else content, "big.log", "log")
    # then it is a 413 naming the limit, and nothing was stored
    assert refused.value.status == 413
    assert "1 KiB" in refused.value.message
    assert Attachment.objects.count() == 0
    assert stored_files(tmp_path) == []
    assert state_of(ticket.pk) == before


def test_a_file_at_the_limit_is_accepted_and_stored_once(world, settings, tmp_path):
    # given an upload limit of 1 KiB and a text log of exactly 1 KiB (the control)
    settings.TIERDESK_MAX_UPLOAD_BYTES = 1024
    ticket = new_ticket(world)
    # when it is attached as a log
    attachment = upload(world, ticket, b"y" * 1024, "ok.log", AttachmentKind.LOG)
    # then one row, one stored file and one event exist, typed from the bytes
    assert Attachment.objects.count() == 1
    assert len(stored_files(tmp_path)) == 1
    assert attachment.content_type == "text/plain" and attachment.size == 1024
    assert TicketEvent.objects.filter(ticket_id=ticket.pk, kind="attachment_added").count() == 1


def test_a_real_png_is_a_screenshot(world, tmp_path):
    # given a real PNG (the control for png-as-log)
    ticket = new_ticket(world)
    # when it is attached as a screenshot under a misleading name
    attachment = upload(world, ticket, png_bytes(), "error.log", AttachmentKind.SCREENSHOT)
    # then it is stored as the image its bytes say it is
    assert attachment.content_type == "image/png"
    assert len(stored_files(tmp_path)) == 1


# ---------------------------------------------------------------------------------------
# ticket_act: JSON null for an optional parameter
# ---------------------------------------------------------------------------------------
def test_null_optional_parameters_of_an_action_count_as_absent(world):
    # given a fix awaiting delivery and verification (an API client sends JSON nulls)
    ticket = ticket_at(world, "in_progress@L3")
    l2, l3 = world.actor("l2"), world.actor("l3")
    # when L3 delivers with a null release and null notes, and L2 verifies with null notes
    services.ticket_act(
        actor=l3,
        ticket_id=ticket.pk,
        action="deliver_fix",
        payload={"reference": "HF-7", "release": None, "notes": None},
    )
    services.ticket_act(
        actor=l2, ticket_id=ticket.pk, action="verify_fix", payload={"passed": True, "notes": None}
    )
    # then both happen as if the nulls were not sent
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    fix = ticket.fixes.get()
    assert (fix.release, fix.notes, fix.verification_notes) == ("", "", "")


def test_a_null_override_reason_is_no_override(world):
    # given a complete reproduction
    ticket = ticket_at(world, "in_progress@L2")
    record_reproduction(world, ticket.pk)
    # when L2 escalates sending override_reason: null
    services.ticket_act(
        actor=world.actor("l2"),
        ticket_id=ticket.pk,
        action="escalate",
        payload={"override_reason": None},
    )
    # then it is an ordinary escalation
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (3, "new")
    assert ticket.events.order_by("-pk").first().kind == "escalated"


def test_a_null_verdict_is_a_missing_verdict(world):
    ticket = ticket_at(world, "verifying@L2")
    with pytest.raises(TransitionRefused) as refused:
        services.ticket_act(
            actor=world.actor("l2"),
            ticket_id=ticket.pk,
            action="verify_fix",
            payload={"passed": None},
        )
    assert [m.code for m in refused.value.missing] == ["passed"]


def test_a_message_with_a_nul_character_is_refused_and_nothing_written(world):
    # given a ticket the L1 agent works
    from tierdesk.tickets.models import Message

    ticket = ticket_at(world, "in_progress@L1")
    # when a body carrying a NUL arrives (mail intake, a direct caller)
    with pytest.raises(InvalidInput) as refused:
        services.message_add(actor=world.actor("acme_l1"), ticket_id=ticket.pk, body="a\x00b")
    # then the field is named and no message exists
    assert "body" in refused.value.fields
    assert not Message.objects.filter(ticket=ticket).exists()
