"""One operation per workflow action: `POST /tickets/{id}/actions/<action>`, operationId
`ticket_<action>`, built from `action_schemas.ACTIONS` (adding an action is one entry
there). The generic `POST /tickets/{id}/actions/{action}` stays as a deprecated alias,
left out of the document and answering with a `Deprecation` header; it only sees names
that have no operation of their own (the per-action routes match first).

A body-less POST is read as `{}` (clients of the first v1 sent `take` without one); the
document still says the body is required, so generated clients always send one.

No `from __future__ import annotations` here: the views' annotations must be the body
classes themselves, since the views are made in a loop.
"""

import functools
import inspect

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.decorators import decorate_view

from tierdesk.core.api_support import (
    IF_MATCH,
    accepts,
    errors,
    openapi_extra,
    request_actor,
)
from tierdesk.tickets import services, worklog
from tierdesk.tickets.action_schemas import ACTIONS, ActionSpec
from tierdesk.tickets.api import TICKET_HEADERS, ticket_answer, write_ticket
from tierdesk.tickets.schemas import Action, ActionIn, TicketDetailOut

router = Router(tags=["tickets"])
JSON = accepts("application/json")
ACTION_ERRORS = errors(400, 401, 403, 404, 409, 412, 413, 415, 422, refused=True)


def _service_arguments(action: str, body: dict) -> dict:
    """The body's fields the action's service takes (a field the service does not know yet,
    like a customer message before it lands, is not passed)."""
    service, _keys = services.ACTION_SERVICES[action]
    accepted = inspect.signature(service).parameters
    return {k: v for k, v in body.items() if k in accepted and v is not None}


def _description(spec: ActionSpec) -> str:
    lines = [f"{spec.summary}.", ""]
    if spec.refusals:
        codes = ", ".join(f"`{code}`" for code in spec.refusals)
        lines.append(f"Refused by its gate with 422 `gate_refused`; `missing` codes: {codes}.")
    lines.append(
        "409 `wrong_state` when the ticket is not where this move starts, 409 "
        "`stale_version` for a stale `version`, 412 `precondition_failed` for a stale "
        "`If-Match`, 403 when the caller's role may not make it."
    )
    return "\n".join(lines)


def _empty_body_is_empty_object(run):
    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.META.get("CONTENT_LENGTH") in (None, "", "0") and not request.content_type:
            request._body = b"{}"
            request.META["CONTENT_TYPE"] = "application/json"
            request.content_type = "application/json"
        return run(request, *args, **kwargs)

    return wrapper


def _register(spec: ActionSpec) -> None:
    body_class = spec.body

    def view(request: HttpRequest, response: HttpResponse, ticket_id: int, payload: body_class):
        body = payload.model_dump(mode="json", exclude={"version", "minutes"})

        def write(version):
            with worklog.reporting(payload.minutes):
                services.ACTION_SERVICES[spec.action][0](
                    actor=request_actor(request),
                    ticket_id=ticket_id,
                    version=version,
                    **_service_arguments(spec.action, body),
                )

        write_ticket(request, ticket_id, payload.version, write)
        return ticket_answer(request, response, ticket_id)

    view.__name__ = f"ticket_{spec.action}"
    router.post(
        f"/tickets/{{ticket_id}}/actions/{spec.action}",
        response={200: TicketDetailOut, **ACTION_ERRORS},
        summary=spec.summary,
        description=_description(spec),
        operation_id=f"ticket_{spec.action}",
        openapi_extra=openapi_extra(headers={200: TICKET_HEADERS}, parameters=[IF_MATCH]),
    )(decorate_view(_empty_body_is_empty_object, JSON)(view))


for _spec in ACTIONS:
    _register(_spec)


@router.post(
    "/tickets/{ticket_id}/actions/{action}",
    response={200: TicketDetailOut, **ACTION_ERRORS},
    summary="Deprecated: any action by name (use the `ticket_<action>` operations)",
    operation_id="ticket_act",
    deprecated=True,
    include_in_schema=False,
)
@decorate_view(JSON)
def act(
    request: HttpRequest,
    response: HttpResponse,
    ticket_id: int,
    action: Action,  # type: ignore[valid-type]
    payload: ActionIn | None = None,
):
    body = payload.model_dump(exclude_unset=True) if payload else {}
    body_version = body.pop("version", None)
    minutes = body.pop("minutes", None)

    def write(version):
        with worklog.reporting(minutes):
            services.ticket_act(
                actor=request_actor(request),
                ticket_id=ticket_id,
                action=action.value,
                payload=body,
                version=version,
            )

    write_ticket(request, ticket_id, body_version, write)
    response["Deprecation"] = "true"
    return ticket_answer(request, response, ticket_id)
