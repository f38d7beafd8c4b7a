"""Automation rules: parse → call a service or a selector → shape the answer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.automation import access, services
from tierdesk.automation.engine import Planned
from tierdesk.automation.models import Rule
from tierdesk.automation.schemas import DryRunOut, RuleIn, RuleOut, RulePatch
from tierdesk.core import clock
from tierdesk.core.api_support import accepts, errors, openapi_extra, request_actor
from tierdesk.core.preconditions import RECORD_ETAG, RECORD_IF_MATCH, tagged, write_record

router = Router(tags=["automation"])
JSON = accepts("application/json")


def rule_out(rule: Rule) -> dict:
    return {
        "id": rule.pk,
        "name": rule.name,
        "builtin": rule.builtin or None,
        "partner_id": rule.partner_id,
        "enabled": rule.enabled,
        "plans": list(rule.plans or []),
        "trigger": rule.trigger,
        "event": rule.event or None,
        "conditions": list(rule.conditions or []),
        "steps": list(services.engine.actions_of(rule)),
        "params": dict(rule.params or {}),
        "position": rule.position,
        "updated_at": rule.updated_at,
    }


def dry_run_out(planned: list[Planned], at) -> dict:
    return {
        "at": at,
        "items": [
            {
                "rule_id": p.rule_id,
                "rule": p.rule_name,
                "ticket_id": p.ticket_id,
                "number": p.number,
                "what": p.why or p.key,
                "steps": list(p.actions),
            }
            for p in planned
        ],
    }


@router.get(
    "/automation/rules",
    response={200: list[RuleOut], **errors(401, 403)},
    summary="The automation rules you administer",
    operation_id="rule_list",
)
def list_rules(request: HttpRequest):
    return [rule_out(r) for r in access.visible_rules(request_actor(request))]


@router.post(
    "/automation/rules",
    response={201: RuleOut, **errors(400, 401, 403, 409, 413, 415, 422)},
    summary="Add a rule",
    operation_id="rule_create",
)
@decorate_view(JSON)
def create_rule(request: HttpRequest, payload: RuleIn):
    data = payload.dict()
    data["plans"] = [getattr(p, "value", p) for p in data["plans"]]
    data["trigger"] = getattr(data["trigger"], "value", data["trigger"])
    data["event"] = getattr(data["event"], "value", data["event"]) or ""
    rule = services.rule_create(actor=request_actor(request), data=data)
    return Status(201, rule_out(rule))


@router.get(
    "/automation/rules/{rule_id}",
    response={200: RuleOut, **errors(401, 403, 404, 422)},
    summary="One rule, with its `ETag`",
    operation_id="rule_get",
    openapi_extra=openapi_extra(headers={200: {"ETag": RECORD_ETAG}}),
)
def get_rule(request: HttpRequest, response: HttpResponse, rule_id: int):
    return tagged(response, rule_out(access.get_rule(request_actor(request), rule_id)))


@router.patch(
    "/automation/rules/{rule_id}",
    response={200: RuleOut, **errors(400, 401, 403, 404, 409, 412, 413, 415, 422)},
    summary="Change a rule (a built-in rule: name, plans, parameters, order, on/off; "
    "`If-Match`: 412 when it changed since you read it)",
    operation_id="rule_update",
    openapi_extra=openapi_extra(headers={200: {"ETag": RECORD_ETAG}}, parameters=[RECORD_IF_MATCH]),
)
@decorate_view(JSON)
def update_rule(request: HttpRequest, response: HttpResponse, rule_id: int, payload: RulePatch):
    changes = payload.dict(exclude_unset=True)
    if "plans" in changes and changes["plans"] is not None:
        changes["plans"] = [getattr(p, "value", p) for p in changes["plans"]]
    for key in ("trigger", "event"):
        if key in changes:
            changes[key] = getattr(changes[key], "value", changes[key]) or ""
    actor = request_actor(request)
    return write_record(
        request,
        response,
        read=lambda lock: rule_out(access.get_rule(actor, rule_id, for_update=lock)),
        write=lambda: services.rule_update(actor=actor, rule_id=rule_id, changes=changes),
    )


@router.delete(
    "/automation/rules/{rule_id}",
    response={204: None, **errors(401, 403, 404, 409, 422)},
    summary="Delete a rule of your own (built-in rules are turned off instead: 409)",
    operation_id="rule_delete",
)
def delete_rule(request: HttpRequest, rule_id: int):
    services.rule_delete(actor=request_actor(request), rule_id=rule_id)
    return Status(204, None)


@router.post(
    "/automation/rules/{rule_id}/dry-run",
    response={200: DryRunOut, **errors(401, 403, 404, 409, 422)},
    summary="Preview: the open tickets the rule acts on now, changing nothing (no body)",
    operation_id="rule_dry_run",
)
def dry_run_rule(request: HttpRequest, rule_id: int):
    rule = access.get_rule(request_actor(request), rule_id)
    now = clock.now()
    return dry_run_out(services.rules_dry_run(now=now, rule=rule), now)


@router.post(
    "/automation/dry-run",
    response={200: DryRunOut, **errors(401, 403, 409, 422)},
    summary="Preview the next run of every enabled rule you administer (no body)",
    operation_id="automation_dry_run",
)
def dry_run_all(request: HttpRequest):
    rules = [
        r for r in access.visible_rules(request_actor(request)) if r.enabled
        and r.trigger == "schedule"
    ]  # fmt: skip
    now = clock.now()
    return dry_run_out(services.rules_dry_run(now=now, rules=rules), now)
