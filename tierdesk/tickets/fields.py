"""The shape of a ticket's fields: parse and check what a person or a partner's tool sends.

Pure (no database): `now` is passed in. Business rules — who may, in which state, the
handover gate — live in `workflow` and the services; this only says whether each value is
well-formed, and names the field and the reason when it is not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tierdesk.directory.platform import (
    PlatformRef,
    PlatformUrlError,
    check_platform_id,
    normalise_platform_id,
    parse_platform_url,
)
from tierdesk.tickets.models import Priority, Reproducibility

TEXT_FIELDS = (
    "title",
    "no_flow_reason",
    "description",
    "expected_behaviour",
    "actual_behaviour",
    "steps_to_reproduce",
    "context",
    "blocker_impact",
    "check_connectivity",
    "check_credentials",
    "pasted_log",
    "no_logs_reason",
    "flow_version",
)
ID_FIELDS = ("contract_id", "workspace_id", "flow_id")
PAST_TIMES = ("occurred_at", "occurred_until")
EDITABLE_FIELDS = (
    *TEXT_FIELDS,
    *ID_FIELDS,
    *PAST_TIMES,
    "needed_by",
    "reproducibility",
    "is_blocker",
    "priority",
    "incident",
)
REQUIRED_AT_CREATE = ("title", "description")
# One-line fields end up in mail headers (the subject): no line breaks, no control
# characters (C0, DEL, C1, the Unicode line and paragraph separators).
ONE_LINE = ("title", "flow_version")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The L1 agent's notes on how connectivity and credentials were ruled out.
CHECK_FIELDS = ("check_connectivity", "check_credentials")
# Set by support only: a customer who sends one is refused (422 naming it), never
# silently stored or dropped. Level, status and assignee are no ticket fields at all.
STAFF_ONLY_FIELDS = ("priority", "incident", *CHECK_FIELDS)
STAFF_ONLY = "is set by support, not by the customer"
MAX_LENGTH = {"title": 200, "flow_version": 40}
MAX_TEXT = 200_000


def parse_datetime(value: Any) -> datetime:
    """An aware datetime from a datetime or an ISO 8601 / RFC 3339 string.
    Raises ValueError with the reason."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                "is not a date and time (use ISO 8601, e.g. 2026-11-27T14:05:00+01:00)"
            ) from None
    else:
        raise ValueError("is not a date and time")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("needs a time zone (e.g. +01:00 or Z)")
    return parsed


def _text_problem(value: str) -> str | None:
    """Why a string cannot be stored as text (PostgreSQL refuses both), or None."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text"
    return None


def clean_ticket_fields(
    data: Mapping[str, Any], *, now: datetime, creating: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """Returns (cleaned values, errors by field). Unknown keys are errors, not ignored:
    a misspelt field must not silently lose what was sent."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    known = set(EDITABLE_FIELDS) | {"platform_url"}
    for key in data:
        if key not in known:
            errors[key] = "is not a ticket field"

    for key in TEXT_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[key] = "must be text"
            continue
        value = value.strip() if key in ("title", "flow_version") else value
        limit = MAX_LENGTH.get(key, MAX_TEXT)
        if len(value) > limit:
            errors[key] = f"is longer than {limit} characters"
            continue
        problem = _text_problem(value)
        if not problem and key in ONE_LINE and CONTROL.search(value):
            problem = "must be one line, without line breaks or control characters"
        if problem:
            errors[key] = problem
            continue
        cleaned[key] = value
    if creating:
        for key in REQUIRED_AT_CREATE:
            if not str(cleaned.get(key, "")).strip() and key not in errors:
                errors[key] = "must not be empty"
    else:
        for key in REQUIRED_AT_CREATE:
            if key in cleaned and not cleaned[key].strip():
                errors[key] = "must not be empty"

    if data.get("platform_url"):
        ref: PlatformRef | None = None
        try:
            ref = parse_platform_url(str(data["platform_url"]))
        except PlatformUrlError as exc:
            errors["platform_url"] = str(exc)
        if ref is not None and len(ref.flow_version) > MAX_LENGTH["flow_version"]:
            # The column holds 40 characters; PostgreSQL would refuse a longer one.
            errors["platform_url"] = (
                f"names a flow version longer than {MAX_LENGTH['flow_version']} characters"
            )
            ref = None
        if ref is not None:
            for key, value in (
                ("contract_id", ref.contract_id),
                ("workspace_id", ref.workspace_id),
                ("flow_id", ref.flow_id),
                ("flow_version", ref.flow_version),
            ):
                if value:
                    cleaned[key] = value
    for key in ID_FIELDS:
        if key not in data or (data.get("platform_url") and key in cleaned):
            continue
        value = data[key] or ""
        if not isinstance(value, str):
            errors[key] = "must be text"
            continue
        value = normalise_platform_id(value)
        if value:
            problem = check_platform_id(value)
            if problem:
                errors[key] = problem
                continue
        cleaned[key] = value

    for key in (*PAST_TIMES, "needed_by"):
        if key not in data:
            continue
        if data[key] in (None, ""):
            cleaned[key] = None
            continue
        try:
            moment = parse_datetime(data[key])
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if key in PAST_TIMES and moment > now:
            errors[key] = "lies in the future"
        elif key == "needed_by" and moment <= now:
            errors[key] = "lies in the past: the latest acceptable time must be ahead"
        else:
            cleaned[key] = moment
    start, end = cleaned.get("occurred_at"), cleaned.get("occurred_until")
    if start and end and end < start and "occurred_until" not in errors:
        errors["occurred_until"] = "is before occurred_at"

    if "reproducibility" in data:
        value = data["reproducibility"] or ""
        if value not in ("", *Reproducibility.values):
            errors["reproducibility"] = "must be one of " + ", ".join(Reproducibility.values)
        else:
            cleaned["reproducibility"] = value
    if "priority" in data:
        if data["priority"] not in Priority.values:
            errors["priority"] = "must be one of " + ", ".join(Priority.values)
        else:
            cleaned["priority"] = data["priority"]
    if "is_blocker" in data:
        if data["is_blocker"] is not None and not isinstance(data["is_blocker"], bool):
            errors["is_blocker"] = "must be true, false or null"
        else:
            cleaned["is_blocker"] = data["is_blocker"]
    if "incident" in data:
        if not isinstance(data["incident"], bool):
            errors["incident"] = "must be true or false"
        else:
            cleaned["incident"] = data["incident"]
    return cleaned, errors


def staff_only_errors(data: Mapping[str, Any]) -> dict[str, str]:
    """The staff-only fields a customer sent, each with the reason it is refused."""
    return {key: STAFF_ONLY for key in STAFF_ONLY_FIELDS if key in data}
