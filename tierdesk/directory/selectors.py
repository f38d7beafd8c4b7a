"""Reads of the directory with meaning (the services' tenancy checks use them)."""

from __future__ import annotations

from tierdesk.directory.models import Contract, Flow, Workspace


def directory_owners(
    *, contract_id: str = "", workspace_id: str = "", flow_id: str = ""
) -> dict[str, tuple[int, int]]:
    """For each of these IDs the directory knows: (the partner that owns it, the pk of
    its contract). IDs it does not know are left out. At most three indexed look-ups."""
    lookups = (
        ("contract_id", contract_id, Contract.objects, "partner_id", "pk"),
        ("workspace_id", workspace_id, Workspace.objects, "contract__partner_id", "contract_id"),
        (
            "flow_id",
            flow_id,
            Flow.objects,
            "workspace__contract__partner_id",
            "workspace__contract_id",
        ),
    )
    owners: dict[str, tuple[int, int]] = {}
    for key, platform_id, rows, partner, contract in lookups:
        if platform_id:
            row = rows.filter(platform_id=platform_id).values_list(partner, contract).first()
            if row is not None:
                owners[key] = (row[0], row[1])
    return owners
