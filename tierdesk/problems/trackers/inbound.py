"""Reading the trackers' webhooks: who sent it (the signature), which issue, which status.

- Jira (an admin webhook with a secret): `X-Hub-Signature: sha256=<hex HMAC-SHA256 of
  the raw body>`; the issue is `issue.key`, its status `issue.fields.status.name`; a
  released fix version (`issue.fields.fixVersions[].released`) also reads `released`.
- GitHub (`issues` events): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw
  body>`; the issue is `repository.full_name` + `issue.number`; its status `issue.state`
  (`reopened` for that action) and `label:<name>` for each label.

Each delivery has an id that the tracker keeps when it retries: GitHub's
`X-GitHub-Delivery` (a GUID), Jira's `X-Atlassian-Webhook-Identifier`; without one, the
SHA-256 of the body (Jira's bodies carry the event's `timestamp`). It is recorded once, so
a replayed delivery changes nothing.

A status name is mapped to a problem status by the tracker's `status_map` (keys compared
case-insensitively) over the defaults below.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from tierdesk.problems.models import ProblemStatus, Tracker, TrackerKind

SIGNATURE_HEADER = {TrackerKind.JIRA: "X-Hub-Signature", TrackerKind.GITHUB: "X-Hub-Signature-256"}
DELIVERY_HEADER = {
    TrackerKind.JIRA: "X-Atlassian-Webhook-Identifier",
    TrackerKind.GITHUB: "X-GitHub-Delivery",
}
DELIVERY_ID_MAX = 200

DEFAULT_MAPS: dict[str, dict[str, str]] = {
    TrackerKind.JIRA: {
        "to do": ProblemStatus.INVESTIGATING,
        "in progress": ProblemStatus.FIX_IN_PROGRESS,
        "in review": ProblemStatus.FIX_IN_PROGRESS,
        "done": ProblemStatus.FIX_DELIVERED,
        "released": ProblemStatus.RELEASED,
        "closed": ProblemStatus.CLOSED,
    },
    TrackerKind.GITHUB: {
        "reopened": ProblemStatus.FIX_IN_PROGRESS,
        "closed": ProblemStatus.FIX_DELIVERED,
        "label:released": ProblemStatus.RELEASED,
    },
}


@dataclass(frozen=True)
class TrackerUpdate:
    """What a webhook says about one issue: its key and the status names it carries, most
    significant last (a label after the state)."""

    key: str
    shown_status: str
    names: tuple[str, ...] = field(default_factory=tuple)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(tracker: Tracker, body: bytes, header: str | None) -> bool:
    """Constant-time comparison; a tracker without a secret accepts nothing."""
    if not tracker.webhook_secret or not header:
        return False
    return hmac.compare_digest(sign(tracker.webhook_secret, body), header.strip())


def delivery_id(header: str | None, body: bytes) -> str:
    """The delivery's id: the tracker's own (printable, at most 200 characters), else
    `sha256:<hex of the body>`."""
    given = (header or "").strip()
    if given and len(given) <= DELIVERY_ID_MAX and given.isprintable():
        return given
    return "sha256:" + hashlib.sha256(body).hexdigest()


def jira_update(payload: dict[str, Any]) -> TrackerUpdate | None:
    issue = payload.get("issue")
    if not isinstance(issue, dict) or not isinstance(issue.get("key"), str):
        return None
    fields = issue.get("fields") if isinstance(issue.get("fields"), dict) else {}
    status = fields.get("status") if isinstance(fields.get("status"), dict) else {}
    name = str(status.get("name") or "")
    names = [name] if name else []
    versions = fields.get("fixVersions") if isinstance(fields.get("fixVersions"), list) else []
    if any(isinstance(v, dict) and v.get("released") is True for v in versions):
        names.append("released")
    return TrackerUpdate(key=issue["key"], shown_status=name, names=tuple(names))


def github_repository(payload: dict[str, Any]) -> str:
    repository = payload.get("repository")
    return str(repository.get("full_name") or "") if isinstance(repository, dict) else ""


def github_update(payload: dict[str, Any]) -> TrackerUpdate | None:
    issue = payload.get("issue")
    if not isinstance(issue, dict) or not isinstance(issue.get("number"), int):
        return None
    state = str(issue.get("state") or "")
    names = ["reopened" if payload.get("action") == "reopened" else state]
    labels = issue.get("labels") if isinstance(issue.get("labels"), list) else []
    names += [
        f"label:{label['name']}"
        for label in labels
        if isinstance(label, dict) and label.get("name")
    ]
    return TrackerUpdate(
        key=str(issue["number"]), shown_status=state, names=tuple(n for n in names if n)
    )


def mapped_status(tracker: Tracker, update: TrackerUpdate) -> str | None:
    """The problem status the update asks for: the last of its names that maps."""
    table = {k.lower(): v for k, v in DEFAULT_MAPS.get(tracker.kind, {}).items()}
    table.update({str(k).lower(): v for k, v in (tracker.status_map or {}).items()})
    found = None
    for name in update.names:
        value = table.get(name.lower())
        if value in ProblemStatus.values:
            found = value
    return found
