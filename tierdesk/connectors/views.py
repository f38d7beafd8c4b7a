"""The connectors page of the console (partner admins for their partner, the vendor's
admin for every partner) and the two URLs the partner's tool calls.

The tool's calls are plain views, not operations of the token API: they are authenticated
by the connector's own secret (`Authorization: Bearer …`), answer 202 and do the work in
the worker (`jobs.py`)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tierdesk.accounts.models import Membership, Organisation, OrgKind, Role
from tierdesk.connectors import selectors, services
from tierdesk.connectors.access import get_connector, manages_connectors, visible_connectors
from tierdesk.connectors.forms import format_lines, settings_from
from tierdesk.connectors.models import JobKind, Mirrored, Tool
from tierdesk.core.errors import DomainError, NotFound
from tierdesk.core.web import request_actor

MAX_BODY = 64 * 1024


def _admin(request: HttpRequest):
    actor = request_actor(request)
    if not manages_connectors(actor):
        raise PermissionDenied("Connectors are configured by partner admins.")
    return actor


def _list_context(actor, **extra) -> dict:
    partners = (
        Organisation.objects.filter(kind=OrgKind.PARTNER).order_by("name")
        if actor.role == Role.ADMIN
        else Organisation.objects.none()
    )
    agents = Membership.objects.select_related("user").filter(
        role__in=(Role.L1_AGENT, Role.PARTNER_ADMIN)
    )
    if actor.role == Role.PARTNER_ADMIN:
        agents = agents.filter(organisation_id=actor.org_id)
    return {
        "connectors": visible_connectors(actor).select_related("partner"),
        "tools": Tool.choices,
        "partners": partners,
        "agents": agents.order_by("user__email"),
        "moves": Mirrored.choices,
        **extra,
    }


@login_required
def connector_list(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    if request.method == "POST":
        try:
            connector, secret = services.connector_create(
                actor=actor, data=settings_from(request.POST, creating=True)
            )
        except DomainError as exc:
            posted = {k: v for k, v in request.POST.items() if k != "api_token"}
            context = _list_context(actor, refusal=exc.as_dict(), posted=posted)
            return render(request, "connectors/list.html", context, status=exc.status)
        # The secret is shown in this answer only: never stored in the session or a URL.
        return render(
            request,
            "connectors/detail.html",
            _detail_context(connector, secret=secret),
            status=201,
        )
    if request.method != "GET":
        return HttpResponse(status=405)
    return render(request, "connectors/list.html", _list_context(actor))


def _detail_context(connector, **extra) -> dict:
    return {
        "connector": connector,
        "field_map": format_lines(connector.field_map),
        "status_map": format_lines(connector.status_map),
        "exchanges": selectors.exchanges(connector),
        "jobs": selectors.recent_jobs(connector),
        "moves": Mirrored.choices,
        **extra,
    }


@login_required
def connector_detail(request: HttpRequest, connector_id: int) -> HttpResponse:
    actor = _admin(request)
    try:
        connector = get_connector(actor, connector_id)
        if request.method == "POST":
            connector = services.connector_update(
                actor=actor,
                connector_id=connector_id,
                data=settings_from(request.POST, creating=False),
            )
            messages.success(request, _("Connector saved."))
            return redirect("connector-detail", connector_id)
    except NotFound:
        raise Http404("Connector not found.") from None
    except DomainError as exc:
        context = _detail_context(connector, refusal=exc.as_dict())
        return render(request, "connectors/detail.html", context, status=exc.status)
    return render(request, "connectors/detail.html", _detail_context(connector))


@login_required
@require_POST
def connector_health(request: HttpRequest, connector_id: int) -> HttpResponse:
    actor = _admin(request)
    try:
        connector = services.connector_health(actor=actor, connector_id=connector_id)
    except NotFound:
        raise Http404("Connector not found.") from None
    if connector.last_health_ok:
        messages.success(request, _("The tool answered: the connection works."))
    else:
        messages.error(
            request,
            _("The tool did not answer as expected: %(error)s")
            % {"error": connector.last_health_error},
        )
    return redirect("connector-detail", connector_id)


@login_required
@require_POST
def connector_rotate(request: HttpRequest, connector_id: int) -> HttpResponse:
    actor = _admin(request)
    try:
        connector, secret = services.connector_secret_rotate(actor=actor, connector_id=connector_id)
    except NotFound:
        raise Http404("Connector not found.") from None
    return render(request, "connectors/detail.html", _detail_context(connector, secret=secret))


# The tool calls Tierdesk -------------------------------------------------------------


def _inbound(request: HttpRequest, connector_id: int, kind: str) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse({"code": "method_not_allowed", "message": "Use POST."}, status=405)
    raw = request.body[: MAX_BODY + 1]
    if len(raw) > MAX_BODY:
        return JsonResponse({"code": "too_large", "message": "The body is too large."}, status=413)
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    try:
        job = services.inbound_receive(
            connector_id=connector_id,
            authorization=request.headers.get("Authorization", ""),
            body=body,
            kind=kind,
            path=request.path,
            signed={
                "signature": request.headers.get("X-Zendesk-Webhook-Signature", ""),
                "timestamp": request.headers.get("X-Zendesk-Webhook-Signature-Timestamp", ""),
            },
            raw=raw,
        )
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"job": job.pk, "kind": job.kind, "status": job.status}, status=202)


@csrf_exempt
def inbound_handover(request: HttpRequest, connector_id: int) -> JsonResponse:
    return _inbound(request, connector_id, JobKind.HANDOVER)


@csrf_exempt
def inbound_comment(request: HttpRequest, connector_id: int) -> JsonResponse:
    return _inbound(request, connector_id, JobKind.PULL)
