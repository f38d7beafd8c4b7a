"""Who sees which part of the directory: vendor staff all of it, partner staff their own
organisation's contracts, customers the contracts they are tied to."""

from __future__ import annotations

from django.db.models import QuerySet

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound
from tierdesk.directory.models import Contract, Flow, Workspace


def visible_contracts(actor: Actor) -> QuerySet[Contract]:
    contracts = Contract.objects.all()
    if actor.sees_all_partners or actor.role == Role.L3_ENGINEER:
        return contracts
    if actor.is_partner_staff:
        return contracts.filter(partner_id=actor.org_id)
    if actor.is_customer:
        return contracts.filter(pk__in=actor.contract_ids, partner_id=actor.org_id)
    return contracts.none()


def get_contract(actor: Actor, platform_id: str) -> Contract:
    contract = visible_contracts(actor).filter(platform_id=platform_id).first()
    if contract is None:
        raise NotFound("Contract not found.")
    return contract


def get_workspace(actor: Actor, platform_id: str) -> Workspace:
    space = (
        Workspace.objects.filter(contract__in=visible_contracts(actor), platform_id=platform_id)
        .select_related("contract")
        .first()
    )
    if space is None:
        raise NotFound("Workspace not found.")
    return space


def visible_flows(actor: Actor, workspace: Workspace) -> QuerySet[Flow]:
    return Flow.objects.filter(workspace=workspace)
