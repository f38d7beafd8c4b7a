"""The shape of a ticket's fields (pure: no database).

`clean_ticket_fields` says, per field, whether a value is well-formed and — when it is
not — names the field and the reason. Business rules (the gates) are tested elsewhere.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tierdesk.tickets.fields import EDITABLE_FIELDS, clean_ticket_fields, parse_datetime
from tierdesk.tickets.models import Ticket

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
C = "5f1a2b3c4d5e6f7081920a1b"
W = "5f1a2b3c4d5e6f7081920a2c"
F = "5f1a2b3c4d5e6f7081920a3d"


def clean(data, *, creating=False):
    return clean_ticket_fields(data, now=NOW, creating=creating)


def minimal(**extra):
    return {"title": "Orders sync fails", "description": "Every run fails.", **extra}


# ---------------------------------------------------------------------------------------
# Unknown fields and required fields
# ---------------------------------------------------------------------------------------
def test_unknown_field_is_an_error_not_ignored():
    # given a misspelt field beside a good one
    # when the fields are cleaned
    _, errors = clean(minimal(descripton="typo"), creating=True)
    # then the misspelt one is named, not silently dropped
    assert errors == {"descripton": "is not a ticket field"}


def test_every_editable_field_is_a_ticket_column():
    # given the fields a person or a partner's tool may send
    # then each lands on a column of the ticket (Ticket(**cleaned) must not fail)
    columns = {f.name for f in Ticket._meta.get_fields()}
    assert set(EDITABLE_FIELDS) <= columns


@pytest.mark.parametrize("missing", ["title", "description"])
@pytest.mark.parametrize("value", [None, "", "   \n"])
def test_title_and_description_are_required_at_create(missing, value):
    # given a new ticket whose title or description is absent or blank
    data = minimal()
    if value is None:
        del data[missing]
    else:
        data[missing] = value
    # when the fields are cleaned for creation
    _, errors = clean(data, creating=True)
    # then exactly that field is named as empty
    assert errors == {missing: "must not be empty"}


def test_an_update_may_leave_title_and_description_out_but_not_blank_them():
    # given an update that does not mention them, and one that blanks the description
    # when both are cleaned
    _, untouched = clean({"priority": "high"})
    _, blanked = clean({"description": "  "})
    # then only the blanking is refused
    assert untouched == {}
    assert blanked == {"description": "must not be empty"}


# ---------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [42, ["a"], {"a": 1}, True])
def test_text_fields_must_be_text(value):
    # given a non-text value in a text field
    # when cleaned
    _, errors = clean({"expected_behaviour": value})
    # then the field is named
    assert errors == {"expected_behaviour": "must be text"}


def test_none_in_a_text_field_clears_it():
    # given None for an optional text
    # when cleaned
    cleaned, errors = clean({"context": None})
    # then it becomes the empty text
    assert errors == {} and cleaned == {"context": ""}


def test_title_is_stripped_and_limited_to_200_characters():
    # given a padded title, and one of 201 characters
    # when cleaned
    cleaned, ok = clean({"title": "  Orders  "})
    _, too_long = clean({"title": "x" * 201})
    _, at_limit = clean({"title": "x" * 200})
    # then the first is stripped, the long one refused with the limit, 200 accepted
    assert ok == {} and cleaned["title"] == "Orders"
    assert too_long == {"title": "is longer than 200 characters"}
    assert at_limit == {}


def test_multiline_texts_keep_their_whitespace():
    # given steps with leading indentation and a trailing newline
    steps = "  1. Start\n  2. Send\n"
    # when cleaned
    cleaned, errors = clean({"steps_to_reproduce": steps})
    # then the text is kept as typed
    assert errors == {} and cleaned["steps_to_reproduce"] == steps


def test_long_texts_are_capped():
    # given a pasted log over the text limit
    # when cleaned
    _, errors = clean({"pasted_log": "x" * 200_001})
    # then it is refused with the limit
    assert errors == {"pasted_log": "is longer than 200000 characters"}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("line one\x00line two", "must not contain NUL characters"),
        ("half a pair \ud800", "is not valid Unicode text"),
    ],
)
def test_text_that_no_database_can_store_is_refused(value, reason):
    # given text with a NUL character or a lone surrogate (both come through JSON escapes)
    # when cleaned
    _, errors = clean({"description": value})
    # then it is refused here rather than failing in PostgreSQL
    assert errors == {"description": reason}


# ---------------------------------------------------------------------------------------
# Platform IDs
# ---------------------------------------------------------------------------------------
def test_ids_are_stripped_and_lower_cased():
    # given IDs pasted in upper case with whitespace
    data = {"contract_id": f" {C.upper()} ", "workspace_id": W.upper(), "flow_id": F}
    # when cleaned
    cleaned, errors = clean(data)
    # then they are in the directory's form
    assert errors == {}
    assert (cleaned["contract_id"], cleaned["workspace_id"], cleaned["flow_id"]) == (C, W, F)


@pytest.mark.parametrize("key", ["contract_id", "workspace_id", "flow_id"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (C[:-1], "must be 24 hexadecimal characters, not 23"),
        (C + "a", "must be 24 hexadecimal characters, not 25"),
        ("g" * 24, "must be 24 hexadecimal characters (0-9, a-f)"),
        (C[:12] + "-" + C[13:], "must be 24 hexadecimal characters (0-9, a-f)"),
    ],
)
def test_malformed_ids_are_named_with_the_reason(key, value, reason):
    # given a malformed ID
    # when cleaned
    cleaned, errors = clean({key: value})
    # then that field is named with the reason, and no value is kept
    assert errors == {key: reason}
    assert key not in cleaned


@pytest.mark.parametrize("value", ["", None, "   "])
def test_an_empty_id_clears_it(value):
    # given an ID field emptied
    # when cleaned
    cleaned, errors = clean({"flow_id": value})
    # then it is cleared, not an error
    assert errors == {} and cleaned == {"flow_id": ""}


def test_an_id_must_be_text():
    # given a number in an ID field
    # when cleaned
    _, errors = clean({"contract_id": 123456789012345678901234})
    # then it is refused
    assert errors == {"contract_id": "must be text"}


def test_a_flow_version_longer_than_its_column_is_refused_from_the_url():
    # given a pasted URL whose version is longer than the 40 characters stored
    url = f"https://app.elastic.io/c/{C}/w/{W}/designer/{F}/v/{'a' * 41}"
    # when cleaned
    cleaned, errors = clean({"platform_url": url})
    # then the URL is named, and none of its IDs is half-taken
    assert set(errors) == {"platform_url"} and "40" in errors["platform_url"]
    assert cleaned == {}


# ---------------------------------------------------------------------------------------
# Moments
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (NOW - timedelta(hours=1), NOW - timedelta(hours=1)),
        ("2026-11-27T10:05:00+01:00", datetime(2026, 11, 27, 9, 5, tzinfo=UTC)),
        ("2026-11-27T09:05:00Z", datetime(2026, 11, 27, 9, 5, tzinfo=UTC)),
        ("2026-11-27T09:05:00z", datetime(2026, 11, 27, 9, 5, tzinfo=UTC)),
        (" 2026-11-27T09:05:00+00:00 ", datetime(2026, 11, 27, 9, 5, tzinfo=UTC)),
        (NOW, NOW),  # "now" is not in the future
    ],
)
def test_occurred_at_accepts_aware_moments(value, expected):
    # given an aware moment in the past (or a string with its offset)
    # when cleaned
    cleaned, errors = clean({"occurred_at": value})
    # then it is that instant
    assert errors == {} and cleaned["occurred_at"] == expected


@pytest.mark.parametrize("key", ["occurred_at", "occurred_until", "needed_by"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (datetime(2026, 11, 27, 9, 0), "needs a time zone (e.g. +01:00 or Z)"),
        ("2026-11-27T09:00:00", "needs a time zone (e.g. +01:00 or Z)"),
        ("2026-11-27", "needs a time zone (e.g. +01:00 or Z)"),
        ("yesterday", "is not a date and time (use ISO 8601, e.g. 2026-11-27T14:05:00+01:00)"),
        (1764230400, "is not a date and time"),
    ],
)
def test_moments_without_a_time_zone_or_unreadable_are_refused(key, value, reason):
    # given a moment without a time zone, or not a moment at all
    # when cleaned
    cleaned, errors = clean({key: value})
    # then the field is named with the reason
    assert errors == {key: reason}
    assert key not in cleaned


@pytest.mark.parametrize("key", ["occurred_at", "occurred_until"])
def test_when_it_happened_may_not_lie_in_the_future(key):
    # given a moment one second ahead
    # when cleaned
    _, errors = clean({key: NOW + timedelta(seconds=1)})
    # then it is refused
    assert errors == {key: "lies in the future"}


@pytest.mark.parametrize("value", [NOW, NOW - timedelta(days=1), "2026-11-27T12:00:00+00:00"])
def test_needed_by_must_lie_ahead(value):
    # given a latest acceptable time now or in the past
    # when cleaned
    _, errors = clean({"needed_by": value})
    # then it is refused as past
    assert errors == {"needed_by": "lies in the past: the latest acceptable time must be ahead"}


def test_needed_by_in_another_zone_is_compared_as_an_instant():
    # given 13:30 at +01:00, i.e. 12:30 UTC, half an hour ahead of now
    ahead = datetime(2026, 11, 27, 13, 30, tzinfo=timezone(timedelta(hours=1)))
    # when cleaned
    cleaned, errors = clean({"needed_by": ahead})
    # then it is accepted
    assert errors == {} and cleaned["needed_by"] == ahead


@pytest.mark.parametrize("key", ["occurred_at", "occurred_until", "needed_by"])
@pytest.mark.parametrize("value", [None, ""])
def test_moments_can_be_cleared(key, value):
    # given a moment emptied
    # when cleaned
    cleaned, errors = clean({key: value})
    # then it is None
    assert errors == {} and cleaned == {key: None}


def test_a_window_may_not_end_before_it_starts():
    # given a window whose end lies before its start
    data = {"occurred_at": NOW - timedelta(hours=1), "occurred_until": NOW - timedelta(hours=2)}
    # when cleaned
    _, errors = clean(data)
    # then the end is named
    assert errors == {"occurred_until": "is before occurred_at"}


def test_a_window_in_order_is_kept():
    # given a window of one hour
    start, end = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    # when cleaned
    cleaned, errors = clean({"occurred_at": start, "occurred_until": end})
    # then both ends are kept
    assert errors == {} and (cleaned["occurred_at"], cleaned["occurred_until"]) == (start, end)


def test_parse_datetime_keeps_the_offset():
    # given a string at +02:00
    # when parsed
    moment = parse_datetime("2026-06-01T08:00:00+02:00")
    # then the offset is kept (and the instant is 06:00 UTC)
    assert moment.utcoffset() == timedelta(hours=2)
    assert moment == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------
# Choices and flags
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["always", "sometimes", "once", ""])
def test_reproducibility_accepts_its_choices(value):
    cleaned, errors = clean({"reproducibility": value})
    assert errors == {} and cleaned == {"reproducibility": value}


@pytest.mark.parametrize("value", ["often", "ALWAYS", 1])
def test_reproducibility_refuses_other_values(value):
    # given a value outside always / sometimes / once
    # when cleaned
    _, errors = clean({"reproducibility": value})
    # then the choices are listed
    assert errors == {"reproducibility": "must be one of always, sometimes, once"}


@pytest.mark.parametrize("value", ["low", "normal", "high", "urgent"])
def test_priority_accepts_its_choices(value):
    cleaned, errors = clean({"priority": value})
    assert errors == {} and cleaned == {"priority": value}


@pytest.mark.parametrize("value", ["critical", None, ""])
def test_priority_refuses_other_values(value):
    _, errors = clean({"priority": value})
    assert errors == {"priority": "must be one of low, normal, high, urgent"}


@pytest.mark.parametrize("value", [True, False, None])
def test_is_blocker_is_yes_no_or_unanswered(value):
    cleaned, errors = clean({"is_blocker": value})
    assert errors == {} and cleaned == {"is_blocker": value}


@pytest.mark.parametrize("value", ["yes", 1, 0, "false"])
def test_is_blocker_refuses_anything_else(value):
    # given a truthy-looking value that is not a boolean
    # when cleaned
    _, errors = clean({"is_blocker": value})
    # then it is refused rather than guessed
    assert errors == {"is_blocker": "must be true, false or null"}


@pytest.mark.parametrize("value", [True, False])
def test_incident_is_a_boolean(value):
    cleaned, errors = clean({"incident": value})
    assert errors == {} and cleaned == {"incident": value}


@pytest.mark.parametrize("value", [None, "true", 1])
def test_incident_refuses_anything_else(value):
    _, errors = clean({"incident": value})
    assert errors == {"incident": "must be true or false"}


def test_every_error_is_reported_at_once():
    # given several malformed fields together
    data = {
        "contract_id": "abc",
        "occurred_at": NOW + timedelta(days=1),
        "needed_by": NOW - timedelta(days=1),
        "priority": "asap",
        "colour": "red",
    }
    # when cleaned
    _, errors = clean(data)
    # then each is named, not just the first
    assert set(errors) == {"contract_id", "occurred_at", "needed_by", "priority", "colour"}
