"""One JSON request to a tracker, through the same target check as webhooks: the host is
resolved and vetted once (no private or loopback address unless
`TIERDESK_WEBHOOK_ALLOW_PRIVATE`, never link-local), the connection goes to that
address, redirects are not followed. Credentials travel in headers and never appear in
an error text."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from tierdesk.notify import webhooks

MAX_ANSWER_BYTES = 256 * 1024


class TrackerError(Exception):
    """A tracker call that did not succeed; the text names no URL or credential.
    `status` is the tracker's HTTP status when it answered."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def call(method: str, url: str, *, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    """Send `body` as JSON; the (status, parsed JSON answer or None). Raises TrackerError
    for a refused target, a network failure or a non-2xx answer."""
    try:
        target = webhooks.check_target(url)
    except webhooks.TargetRefused as exc:
        raise TrackerError(f"tracker URL refused: {exc.message}") from None
    data = json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url,
        data=data,
        method=method,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "Tierdesk",
            **headers,
        },
    )
    # notify's opener: pinned to the vetted address, no proxies, no redirects.
    opener = webhooks._opener(target.addresses[0])
    try:
        with opener.open(request, timeout=settings.TIERDESK_WEBHOOK_TIMEOUT) as response:
            raw = response.read(MAX_ANSWER_BYTES)
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        raise TrackerError(f"tracker answered HTTP {exc.code}", status=exc.code) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TrackerError(f"tracker unreachable ({type(exc).__name__})") from None
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None
