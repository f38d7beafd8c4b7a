"""Signing, target checks and delivery of webhooks.

A delivery is `POST <url>` with the JSON body `{"id", "event", "occurred_at", "data"}` and

    X-Tierdesk-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>
    X-Tierdesk-Event: <event>        X-Tierdesk-Delivery: <id>
    User-Agent: Tierdesk-Webhooks/1  Content-Type: application/json

2xx is success. Redirects are not followed (a 3xx is a failed attempt), proxies from the
environment are not used, and the connection goes to the address that was checked, so a
DNS answer cannot change between the check and the connection.

Targets: only http(s); every address the host resolves to must be public. Private and
loopback addresses pass only with `TIERDESK_WEBHOOK_ALLOW_PRIVATE`; link-local (cloud
metadata), multicast, reserved and unspecified addresses never pass. Checked when a hook
is created and again before every attempt (DNS changes).

Retries (`RETRY_DELAYS`): 11 attempts; after attempt n fails the next waits
`RETRY_DELAYS[n-1]` ± 10 % jitter: 1 min, 5 min, 15 min, 1 h, 2 h, 4 h, 6 h, 8 h, 12 h,
24 h — about 57 h in all (at least 51 h with the jitter). Then the delivery is `failed`.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import random
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from tierdesk.core import clock
from tierdesk.core.errors import InvalidInput
from tierdesk.notify.models import Delivery, DeliveryStatus
from tierdesk.notify.tasks import schedule_delivery

logger = logging.getLogger(__name__)

USER_AGENT = "Tierdesk-Webhooks/1"
SIGNATURE_HEADER = "X-Tierdesk-Signature"
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=6),
    timedelta(hours=8),
    timedelta(hours=12),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.10
# An attempt in flight holds its delivery this long; a worker that dies mid-attempt
# releases it when the lease runs out (the sweep then queues the attempt again).
LEASE = timedelta(minutes=2)
MAX_RESPONSE_BYTES = 64 * 1024


# Signing ------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Tierdesk-Signature` value for `body` sent at `timestamp` (unix seconds)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str, header: str, body: bytes, *, now: datetime, tolerance: int = 300
) -> bool:
    """What a receiver does: recompute the HMAC over `t.body`, compare in constant time,
    and refuse a timestamp more than `tolerance` seconds away (replays)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# Target checks ------------------------------------------------------------------------


class TargetRefused(InvalidInput):
    code = "invalid_target"

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__({"url": reason}, message=f"The webhook URL is refused: {reason}")


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (tests replace this to simulate DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_refusal(address: str, *, allow_private: bool) -> str | None:
    """Why a webhook may not connect to `address`, or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for refused, what in (
        (ip.is_unspecified, "an unspecified"),
        (ip.is_link_local, "a link-local"),
        (ip.is_multicast, "a multicast"),
    ):
        if refused:
            return f"resolves to {what} address ({ip})"
    if ip.is_loopback:  # before "reserved": ::1 is both
        return None if allow_private else f"resolves to a loopback address ({ip})"
    if ip.is_reserved:
        return f"resolves to a reserved address ({ip})"
    if ip.is_private or not ip.is_global:
        return None if allow_private else f"resolves to a private address ({ip})"
    return None


def check_target(url: str) -> Target:
    """Parse, resolve and vet a target URL. Raises TargetRefused (422, field `url`) with
    the reason. The returned addresses are the only ones a delivery may connect to."""
    if not isinstance(url, str) or not url.strip():
        raise TargetRefused("must not be empty")
    if len(url) > 2000:
        raise TargetRefused("is longer than 2000 characters")
    if not url.isprintable() or not url.isascii():
        raise TargetRefused("must be printable ASCII (encode other characters: %xx, punycode)")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise TargetRefused("is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefused(f"must use http or https, not {scheme or 'no scheme'}")
    host = parts.hostname
    if not host:
        raise TargetRefused("has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("must not carry credentials; receivers check the signature")
    if " " in url.strip():
        raise TargetRefused("must not contain spaces")
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (OSError, ValueError):
        raise TargetRefused(f"host {host} does not resolve") from None
    if not addresses:
        raise TargetRefused(f"host {host} does not resolve")
    allow_private = settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE
    for address in addresses:
        reason = address_refusal(address, allow_private=allow_private)
        if reason:
            raise TargetRefused(f"host {host} {reason}")
    return Target(scheme=scheme, host=host, port=port, addresses=tuple(addresses))


# Sending ------------------------------------------------------------------------------


def _pinned(connection_class: type, address: str, host: str, **kwargs: Any):
    """An http.client connection to `host` (Host header, TLS name and certificate check)
    whose socket goes to the vetted `address` instead of a fresh DNS answer."""
    connection = connection_class(host, **kwargs)

    def connect(target, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):  # type: ignore[attr-defined]
        return socket.create_connection((address, target[1]), timeout, source_address)

    connection._create_connection = connect
    return connection


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(partial(_pinned, http.client.HTTPConnection, self.address), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str):
        super().__init__(context=ssl.create_default_context())
        self.address = address

    def https_open(self, req):
        return self.do_open(
            partial(_pinned, http.client.HTTPSConnection, self.address),
            req,
            context=self._context,  # type: ignore[attr-defined]
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx then surfaces as an HTTPError: a failed attempt


def _opener(address: str) -> urllib.request.OpenerDirector:
    # Built by hand: no proxy, file, ftp or data handlers, no redirects.
    opener = urllib.request.OpenerDirector()
    for handler in (
        _PinnedHTTPHandler(address),
        _PinnedHTTPSHandler(address),
        _NoRedirect(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def pinned_opener(address: str) -> urllib.request.OpenerDirector:
    """The opener of every outbound call to a checked target (webhooks, partner
    connectors): to `address` only, no proxy, no redirects."""
    return _opener(address)


def post(url: str, body: bytes, headers: dict[str, str], address: str) -> tuple[int | None, str]:
    """POST once to `url` through `address`. Returns (status code or None, error text);
    the error text is empty on 2xx and never contains the URL or a header."""
    # The scheme is http(s): check_target() refused anything else, and the opener has
    # no handler for other schemes.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    timeout = settings.TIERDESK_WEBHOOK_TIMEOUT
    try:
        with _opener(address).open(request, timeout=timeout) as response:
            response.read(MAX_RESPONSE_BYTES)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        exc.close()
        if 300 <= exc.code < 400:
            return exc.code, f"redirect ({exc.code}) not followed"
        return exc.code, f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        return None, _describe(exc.reason, url)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, _describe(exc, url)


def _describe(reason: Any, url: str) -> str:
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out"
    text = f"{type(reason).__name__}: {reason}" if isinstance(reason, Exception) else str(reason)
    return text.replace(url, "<url>")[:300]


# Delivering ---------------------------------------------------------------------------


def retry_delay(attempt: int) -> timedelta:
    """The wait after failed attempt `attempt` (1-based) of a round, with jitter."""
    base = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
    return base * random.uniform(1 - JITTER, 1 + JITTER)


def body_of(delivery: Delivery) -> bytes:
    """The exact bytes of every attempt of a delivery."""
    outbox = delivery.outbox
    document = {
        "id": str(delivery.delivery_id),
        "event": outbox.event,
        "occurred_at": outbox.occurred_at.astimezone(UTC).isoformat(),
        "data": outbox.payload,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Attempt:
    pk: int
    number: int
    delivery_id: UUID
    webhook_id: int
    event: str
    url: str = field(repr=False)
    secret: str = field(repr=False)
    body: bytes = field(repr=False)


def _due(now: datetime):
    return Delivery.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now),
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now,
    )


def claim(delivery_pk: int, now: datetime) -> Attempt | None:
    """Take the due attempt of a delivery for this worker: lock the row (skipping it if
    another worker holds it), count the attempt, set the lease, commit. None when it is
    not due, already done, or held elsewhere."""
    with transaction.atomic():
        delivery = (
            _due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook", "outbox")
            .filter(pk=delivery_pk)
            .first()
        )
        if delivery is None:
            return None
        if not delivery.webhook.active:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = "the webhook is inactive"
            delivery.save()
            return None
        delivery.attempts += 1
        delivery.round_attempts += 1
        delivery.last_attempt_at = now
        delivery.locked_until = now + LEASE
        delivery.save()
        return Attempt(
            pk=delivery.pk,
            number=delivery.attempts,
            delivery_id=delivery.delivery_id,
            webhook_id=delivery.webhook_id,
            event=delivery.outbox.event,
            url=delivery.webhook.url,
            secret=delivery.webhook.secret,
            body=body_of(delivery),
        )


def send(attempt: Attempt, now: datetime) -> tuple[int | None, str]:
    """Check the target again (DNS may have changed), sign, POST."""
    try:
        target = check_target(attempt.url)
    except TargetRefused as refused:
        return None, f"target refused: {refused.reason}"[:300]
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tierdesk-Event": attempt.event,
        "X-Tierdesk-Delivery": str(attempt.delivery_id),
        SIGNATURE_HEADER: signature(attempt.secret, int(now.timestamp()), attempt.body),
    }
    result: tuple[int | None, str] = (None, "no address")
    # The next address only when this one could not be reached at all (say, IPv6 where
    # the network has none); an answer or a timeout ends the attempt.
    for address in target.addresses[:3]:
        result = post(attempt.url, attempt.body, headers, address)
        if result[0] is not None or result[1] == "timed out":
            break
    return result


def finish(attempt: Attempt, status_code: int | None, error: str, now: datetime) -> str | None:
    """Record the outcome and schedule the next attempt, or give up after the last.
    Only the worker whose lease still stands records (`attempts` unchanged since)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .filter(pk=attempt.pk, attempts=attempt.number, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return None
        delivery.locked_until = None
        delivery.last_status_code = status_code
        delivery.last_error = error
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            delivery.enqueued_at = None
        elif delivery.round_attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            delivery.enqueued_at = None
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.round_attempts)
            delivery.enqueued_at = schedule_delivery(
                delivery.pk, now=now, at=delivery.next_attempt_at
            )
        delivery.save()
        return delivery.status


def deliver(delivery_pk: int) -> str | None:
    """Make the due attempt of one delivery, if this worker gets it. Returns the status
    after the attempt, or None when there was nothing to do."""
    attempt = claim(delivery_pk, clock.now())
    if attempt is None:
        return None
    status_code, error = send(attempt, clock.now())
    outcome = finish(attempt, status_code, error, clock.now())
    logger.info(
        "webhook %s delivery %s attempt %s: %s %s",
        attempt.webhook_id,
        attempt.delivery_id,
        attempt.number,
        status_code or "-",
        error or "ok",
    )
    return outcome
