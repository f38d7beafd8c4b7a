"""What the directory knows of a ticket's platform IDs, read once: creating a ticket
checks its tenancy, plans its SLA clocks and answers its handover check from one query."""

from __future__ import annotations

from collections.abc import Mapping

from tierdesk.directory.selectors import Known, directory_lookup
from tierdesk.tickets.gates import DirectoryFacts
from tierdesk.tickets.models import Ticket

__all__ = ["Known", "directory_facts", "facts_of", "ticket_directory"]


def directory_facts(*, contract_id: str, workspace_id: str, flow_id: str) -> DirectoryFacts:
    """What the directory knows of these IDs (one query; none when the IDs are those of a
    ticket whose directory was read already, `ticket_directory`)."""
    ids = {"contract_id": contract_id, "workspace_id": workspace_id, "flow_id": flow_id}
    return facts_of(directory_lookup(**ids))


def facts_of(known: Mapping[str, Known]) -> DirectoryFacts:
    contract, workspace, flow = (known.get(k) for k in ("contract_id", "workspace_id", "flow_id"))
    return DirectoryFacts(
        contract_partner_id=contract.partner_id if contract else None,
        contract_partner_name=contract.partner_name if contract else "",
        workspace_contract_id=workspace.contract_platform_id if workspace else None,
        flow_workspace_id=flow.workspace_platform_id if flow else None,
    )


def ticket_directory(ticket: Ticket) -> dict[str, Known]:
    """What the directory knows of the ticket's platform IDs, read once per ticket
    instance (and again when its IDs change): creating a ticket checks its tenancy, plans
    its SLA clocks and answers its handover check from one query."""
    ids = {k: getattr(ticket, k) or "" for k in ("contract_id", "workspace_id", "flow_id")}
    key = tuple(ids.values())
    held = ticket.__dict__.get("_directory_read")
    if held is None or held[0] != key:
        held = (key, directory_lookup(**ids))
        ticket.__dict__["_directory_read"] = held
    return held[1]
