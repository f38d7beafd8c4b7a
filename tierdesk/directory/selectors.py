"""Reads of the directory with meaning (the services' tenancy checks use them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CharField, F, Value

from tierdesk.directory.models import Contract, Flow, Workspace


@dataclass(frozen=True)
class Known:
    """What the directory knows of one platform ID: the partner that owns it, its
    contract (pk, platform ID, plan), and for a flow the platform ID of its workspace."""

    partner_id: int
    partner_name: str
    contract_pk: int
    contract_platform_id: str
    plan: str
    workspace_platform_id: str = ""


def directory_lookup(
    *, contract_id: str = "", workspace_id: str = "", flow_id: str = ""
) -> dict[str, Known]:
    """For each of these IDs the directory knows ("contract_id", "workspace_id",
    "flow_id"), what it knows. One query (a union of indexed look-ups), none without IDs."""
    text = CharField()
    paths = (
        ("contract_id", contract_id, Contract.objects, ""),
        ("workspace_id", workspace_id, Workspace.objects, "contract__"),
        ("flow_id", flow_id, Flow.objects, "workspace__contract__"),
    )
    parts = []
    for key, platform_id, rows, to in paths:
        if not platform_id:
            continue
        own = Value("", output_field=text) if key != "flow_id" else F("workspace__platform_id")
        parts.append(
            rows.filter(platform_id=platform_id)
            .order_by()
            .annotate(
                key=Value(key, output_field=text),
                owner=F(f"{to}partner_id"),
                owner_name=F(f"{to}partner__name"),
                contract_pk=F(f"{to}pk") if to else F("pk"),
                contract_platform=F(f"{to}platform_id") if to else F("platform_id"),
                contract_plan=F(f"{to}plan") if to else F("plan"),
                workspace_platform=own,
            )
            .values_list(
                "key",
                "owner",
                "owner_name",
                "contract_pk",
                "contract_platform",
                "contract_plan",
                "workspace_platform",
            )
        )
    if not parts:
        return {}
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return {
        key: Known(
            partner_id=owner,
            partner_name=name,
            contract_pk=contract_pk,
            contract_platform_id=contract_platform,
            plan=plan,
            workspace_platform_id=workspace or "",
        )
        for key, owner, name, contract_pk, contract_platform, plan, workspace in query
    }


def directory_owners(
    *, contract_id: str = "", workspace_id: str = "", flow_id: str = ""
) -> dict[str, tuple[int, int]]:
    """For each of these IDs the directory knows: (the partner that owns it, the pk of
    its contract). IDs it does not know are left out. One query."""
    known = directory_lookup(contract_id=contract_id, workspace_id=workspace_id, flow_id=flow_id)
    return {key: (row.partner_id, row.contract_pk) for key, row in known.items()}


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
