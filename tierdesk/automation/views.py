"""The console's automation page: the rules one administers, each editable, with a dry
run preview; a form to add a rule. Parse → call a service or a selector → render."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tierdesk.automation import access, services
from tierdesk.core.errors import DomainError, Forbidden, InvalidInput
from tierdesk.tickets.views.common import actor_or_403

JSON_FIELDS = ("conditions", "steps", "params")


def _changes(request: HttpRequest, *, creating: bool) -> dict:
    """The form's fields as a rule's values; JSON fields parsed (422 naming the field)."""
    post = request.POST
    changes: dict = {"enabled": post.get("enabled") == "on"}
    if post.get("name") is not None:
        changes["name"] = post["name"].strip()
    if "plans" in post or creating:
        changes["plans"] = post.getlist("plans")
    if post.get("position"):
        try:
            changes["position"] = int(post["position"])
        except ValueError:
            raise InvalidInput({"position": "must be a whole number"}) from None
    for key in ("trigger", "event"):
        if key in post:
            changes[key] = post[key]
    for key in JSON_FIELDS:
        if post.get(key, "").strip():
            try:
                changes[key] = json.loads(post[key])
            except ValueError:
                raise InvalidInput({key: "is not valid JSON"}) from None
    return changes


def _page(request: HttpRequest, *, refusal: DomainError | None = None, preview=None, status=200):
    actor = actor_or_403(request)
    try:
        rules = list(access.visible_rules(actor))
    except Forbidden as exc:  # not an admin: the page is not theirs
        raise PermissionDenied(exc.message) from None
    context = {
        "rules": [
            {
                "rule": r,
                "steps": json.dumps(list(services.engine.actions_of(r)), ensure_ascii=False),
                "conditions": json.dumps(r.conditions, ensure_ascii=False),
                "params": json.dumps(r.params, ensure_ascii=False),
            }
            for r in rules
        ],
        "refusal": refusal,
        "preview": preview,
        "plans": ["basic", "standard", "premium", "enterprise"],
    }
    return render(request, "automation/rules.html", context, status=status)


@login_required
@require_GET
def rules_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def rule_create(request: HttpRequest) -> HttpResponse:
    actor = actor_or_403(request)
    try:
        services.rule_create(actor=actor, data=_changes(request, creating=True))
    except DomainError as exc:
        return _page(request, refusal=exc, status=exc.status)
    return redirect(reverse("automation"))


@login_required
@require_POST
def rule_update(request: HttpRequest, rule_id: int) -> HttpResponse:
    actor = actor_or_403(request)
    try:
        rule = access.get_rule(actor, rule_id)
        changes = _changes(request, creating=False)
        if rule.builtin:  # its trigger, conditions and steps are the product's
            changes = {k: v for k, v in changes.items() if k not in services.FIXED_FOR_BUILTIN}
        services.rule_update(actor=actor, rule_id=rule_id, changes=changes)
    except DomainError as exc:
        return _page(request, refusal=exc, status=exc.status)
    return redirect(reverse("automation"))


@login_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    try:
        services.rule_delete(actor=actor_or_403(request), rule_id=rule_id)
    except DomainError as exc:
        return _page(request, refusal=exc, status=exc.status)
    return redirect(reverse("automation"))


@login_required
@require_GET
def rule_dry_run(request: HttpRequest, rule_id: int) -> HttpResponse:
    actor = actor_or_403(request)
    try:
        rule = access.get_rule(actor, rule_id)
    except DomainError as exc:
        return _page(request, refusal=exc, status=exc.status)
    return _page(request, preview={"rule": rule, "items": services.rules_dry_run(rule=rule)})
