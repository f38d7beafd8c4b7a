"""Every write of the connectors app: configuring a connector (partner admins and the
vendor's admin), its health check, and the tool's calls to Tierdesk (a handover, a new
comment), which become jobs of the connector's outbox."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from tierdesk.accounts.models import Membership, Organisation, OrgKind, Role
from tierdesk.connectors import jobs
from tierdesk.connectors.access import get_connector, manages_connectors
from tierdesk.connectors.clients import ToolError, client_for
from tierdesk.connectors.models import (
    Connector,
    ConnectorJob,
    ConnectorLink,
    Direction,
    Exchange,
    JobKind,
    Mirrored,
    Tool,
)
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.notify.webhooks import TargetRefused, check_target
from tierdesk.tickets.fields import EDITABLE_FIELDS, parse_datetime

SECRET_PREFIX = "tdc_"
MAPPABLE = (*EDITABLE_FIELDS, "platform_url")
MAX_EXTERNAL_ID = 64
SIGNATURE_TOLERANCE = 300


def _secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _check(data: Mapping[str, Any], *, creating: bool, tool: str = "") -> dict[str, Any]:
    """The configuration as sent, checked; raises InvalidInput naming every bad field."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    known = {
        "tool",
        "name",
        "base_url",
        "username",
        "api_token",
        "signing_secret",
        "agent",
        "field_map",
        "status_map",
        "public_comments",
        "active",
        "partner",
    }
    for key in data:
        if key not in known:
            errors[key] = "is not a connector setting"
    tool = data.get("tool") if creating else tool
    if creating:
        if tool not in Tool.values:
            errors["tool"] = f"must be one of {', '.join(Tool.values)}"
        else:
            cleaned["tool"] = tool
    for key, limit in (("name", 100), ("username", 254)):
        if key in data:
            value = str(data.get(key) or "").strip()
            if len(value) > limit:
                errors[key] = f"is longer than {limit} characters"
            cleaned[key] = value
    if creating and not cleaned.get("name"):
        errors["name"] = "must not be empty"
    if creating or "base_url" in data:
        url = str(data.get("base_url") or "").strip().rstrip("/")
        try:
            check_target(url)
            cleaned["base_url"] = url
        except TargetRefused as refused:
            errors["base_url"] = refused.reason
    token = str(data.get("api_token") or "").strip()
    if token:
        cleaned["api_token"] = token
    elif creating:
        errors["api_token"] = "must not be empty"
    signing = str(data.get("signing_secret") or "").strip()
    if signing:
        if tool != Tool.ZENDESK:
            errors["signing_secret"] = "is for Zendesk webhooks only"
        cleaned["signing_secret"] = signing
    if "field_map" in data:
        mapping = data.get("field_map") or {}
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and k and v in MAPPABLE for k, v in mapping.items()
        ):
            errors["field_map"] = "maps each external field key to a Tierdesk ticket field"
        else:
            cleaned["field_map"] = dict(mapping)
    if "status_map" in data:
        mapping = data.get("status_map") or {}
        if not isinstance(mapping, dict) or not all(
            k in Mirrored.values and isinstance(v, str | int) for k, v in mapping.items()
        ):
            errors["status_map"] = f"maps {', '.join(Mirrored.values)} to the tool's status"
        else:
            cleaned["status_map"] = {
                k: str(v).strip() for k, v in mapping.items() if str(v).strip()
            }
    for key in ("public_comments", "active"):
        if key in data:
            cleaned[key] = bool(data.get(key))
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _partner_of(actor: Actor, data: Mapping[str, Any]) -> Organisation:
    if actor.role == Role.PARTNER_ADMIN:
        return Organisation.objects.get(pk=actor.org_id)
    partner = Organisation.objects.filter(pk=data.get("partner") or 0, kind=OrgKind.PARTNER).first()
    if partner is None:
        raise InvalidInput({"partner": "is not a partner"})
    return partner


def _agent(partner: Organisation, value: Any):
    membership = (
        Membership.objects.select_related("user")
        .filter(
            organisation=partner,
            role__in=(Role.L1_AGENT, Role.PARTNER_ADMIN),
            user__email__iexact=str(value or "").strip(),
            user__is_active=True,
        )
        .first()
    )
    if membership is None:
        raise InvalidInput({"agent": "is not an L1 agent of this partner"})
    return membership.user


@transaction.atomic
def connector_create(*, actor: Actor, data: Mapping[str, Any]) -> tuple[Connector, str]:
    """A partner's connector. Returns it with the inbound secret, shown only this once
    (the API token is never shown again either)."""
    if not manages_connectors(actor):
        raise Forbidden("Only a partner admin or the vendor's admin configures connectors.")
    cleaned = _check(data, creating=True)
    partner = _partner_of(actor, data)
    agent = _agent(partner, data.get("agent"))
    secret = _secret()
    connector = Connector(partner=partner, agent=agent, **cleaned)
    connector.api_token_prefix = cleaned["api_token"][:4]
    connector.inbound_secret = secret
    connector.inbound_secret_prefix = secret[:12]
    connector.save()
    return connector, secret


@transaction.atomic
def connector_update(*, actor: Actor, connector_id: int, data: Mapping[str, Any]) -> Connector:
    """Change settings; an empty `api_token` keeps the stored one."""
    connector = get_connector(actor, connector_id, for_update=True)
    cleaned = _check(data, creating=False, tool=connector.tool)  # the tool stays as made
    if "agent" in data:
        connector.agent = _agent(connector.partner, data.get("agent"))
    for key, value in cleaned.items():
        setattr(connector, key, value)
    if "api_token" in cleaned:
        connector.api_token_prefix = cleaned["api_token"][:4]
    connector.updated_at = clock.now()
    connector.save()
    return connector


@transaction.atomic
def connector_secret_rotate(*, actor: Actor, connector_id: int) -> tuple[Connector, str]:
    connector = get_connector(actor, connector_id, for_update=True)
    secret = _secret()
    connector.inbound_secret = secret
    connector.inbound_secret_prefix = secret[:12]
    connector.save(update_fields=["inbound_secret", "inbound_secret_prefix"])
    return connector, secret


def connector_health(*, actor: Actor, connector_id: int) -> Connector:
    """Call the tool's "who am I" with the stored credentials; record the outcome."""
    connector = get_connector(actor, connector_id)
    error = ""
    try:
        client_for(connector).health()
    except ToolError as exc:
        error = str(exc)
    connector.last_health_at = clock.now()
    connector.last_health_ok = not error
    connector.last_health_error = error[:300]
    connector.save(update_fields=["last_health_at", "last_health_ok", "last_health_error"])
    return connector


# The tool calls Tierdesk ------------------------------------------------------------------


def _authenticated(
    connector: Connector, authorization: str, signed: dict[str, str], raw: bytes
) -> bool:
    """The connector's bearer secret; or, for Zendesk with a signing secret set, the
    webhook's signature: base64(HMAC-SHA256(secret, timestamp + body)), the timestamp
    within five minutes of now (replays)."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return hmac.compare_digest(value.strip().encode(), connector.inbound_secret.encode())
    signature, stamp = signed.get("signature", ""), signed.get("timestamp", "")
    if connector.tool != Tool.ZENDESK or not connector.signing_secret or not signature:
        return False
    try:
        moment = parse_datetime(stamp)
    except ValueError:
        return False
    if abs((clock.now() - moment).total_seconds()) > SIGNATURE_TOLERANCE:
        return False
    digest = hmac.new(connector.signing_secret.encode(), stamp.encode() + raw, hashlib.sha256)
    expected = base64.b64encode(digest.digest()).decode()
    return hmac.compare_digest(expected.encode(), signature.encode())


def _external_id(body: Any) -> str:
    value = body.get("ticket_id") if isinstance(body, dict) else None
    text = (
        str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    )
    if not text or len(text) > MAX_EXTERNAL_ID or not text.isprintable() or "/" in text:
        raise InvalidInput({"ticket_id": "must be the external ticket's id or key"})
    return text


def inbound_receive(
    *,
    connector_id: int,
    authorization: str,
    body: Any,
    kind: str,
    path: str,
    signed: dict[str, str] | None = None,
    raw: bytes = b"",
) -> ConnectorJob:
    """The tool's trigger called Tierdesk: check the connector's secret, then queue the
    job (read and hand over, or read new comments). 404 for an unknown connector, a
    wrong secret or an inactive one (all alike); 422 naming `ticket_id`. The call is
    logged (path and status) whatever the answer, once the connector is known."""
    started = time.monotonic()
    connector = Connector.objects.filter(pk=connector_id, active=True).first()
    if connector is None or not _authenticated(connector, authorization, signed or {}, raw):
        raise NotFound("Connector not found.")
    status = 202
    try:
        external_id = _external_id(body)
        with transaction.atomic():
            link = ConnectorLink.objects.filter(
                connector=connector, external_id=external_id
            ).first()
            if kind == JobKind.PULL and link is None:
                raise InvalidInput({"ticket_id": "has not been handed over through this connector"})
            if kind == JobKind.HANDOVER and link is not None:
                kind = JobKind.PULL  # handed over already: what is new are its comments
            return jobs.job_add(connector=connector, kind=kind, external_id=external_id, link=link)
    except InvalidInput:
        status = 422
        raise
    finally:
        Exchange.objects.create(
            connector=connector,
            direction=Direction.IN,
            method="POST",
            path=path[:300],
            status_code=status,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
