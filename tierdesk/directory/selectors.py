"""Reads of the directory with meaning (the services' tenancy checks use them)."""

from __future__ import annotations

from django.db.models import Value

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


def directory_names(*, contract_id: str = "", workspace_id: str = "", flow_id: str = "") -> dict:
    """The directory's names of these IDs, keyed "contract", "workspace", "flow"; "" where
    an ID is empty or unknown. One query (a union of indexed look-ups), none without IDs.
    The services keep a ticket's known IDs within its partner, so the names are the
    ticket's."""
    names = {"contract": "", "workspace": "", "flow": ""}
    parts = [
        rows.filter(platform_id=platform_id)
        .order_by()
        .annotate(key=Value(key))
        .values_list("key", "name")
        for key, rows, platform_id in (
            ("contract", Contract.objects, contract_id),
            ("workspace", Workspace.objects, workspace_id),
            ("flow", Flow.objects, flow_id),
        )
        if platform_id
    ]
    if not parts:
        return names
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for key, name in query:
        names[key] = name
    return names
