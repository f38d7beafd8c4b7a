"""The organisations, directory and people of a bench load: the vendor with its L2
agents, support leads and L3 engineers; partners, each with contracts (on every support
plan), workspaces and flows, L1 agents, a partner admin and customers tied to one of its
contracts. Ids are given (the tables were emptied), so tickets can name them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password

from tierdesk.accounts.models import Membership, Organisation, User
from tierdesk.benchdata.names import PASSWORD, email
from tierdesk.benchdata.rows import Table, restart_identity
from tierdesk.directory.models import Contract, Flow, Workspace

PLANS = ("basic", "standard", "premium", "enterprise")
VENDOR_STAFF = (("l2_agent", 12), ("support_lead", 2), ("l3_engineer", 5), ("admin", 1))
CONTRACTS_PER_PARTNER, WORKSPACES_PER_CONTRACT, FLOWS_PER_WORKSPACE = 3, 2, 4
L1_PER_PARTNER = 4
FLOW_NAMES = (
    "Orders to ERP",
    "Invoices sync",
    "Stock levels",
    "Customer import",
    "Shipping labels",
    "Payments webhook",
    "Price updates",
    "Returns",
)


def platform_id(*parts) -> str:
    return hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()[:24]  # noqa: S324


@dataclass
class Partner:
    id: int
    name: str
    flows: list[tuple[str, str, str, str]] = field(default_factory=list)  # (contract,
    # workspace, flow platform ids, plan)
    l1: list[int] = field(default_factory=list)
    customers: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, email


@dataclass
class World:
    vendor: int
    partners: list[Partner]
    staff: dict[str, list[int]]  # vendor role -> user ids
    users: int = 0


def partners_for(tickets: int) -> int:
    return max(4, min(100, tickets // 2_000))


def customers_for(tickets: int, partners: int) -> int:
    """Customers per partner: about ten tickets each."""
    return max(3, tickets // 10 // partners)


def load_people(tickets: int, now: datetime) -> World:
    n_partners = partners_for(tickets)
    per_partner = customers_for(tickets, n_partners)
    since = now - timedelta(days=760)
    hashed = make_password(PASSWORD)

    orgs = [(1, "Bench vendor", "vendor", "Bench Integration Cloud", "")]
    partners = []
    for p in range(1, n_partners + 1):
        name = f"Bench partner {p:03d}"
        orgs.append((p + 1, name, "partner", f"Partner {p:03d} Connect", f"P{p}"))
        partners.append(Partner(id=p + 1, name=name))
    Table(
        Organisation,
        ["id", "name", "kind", "display_name", "ticket_tag", "created_at", "updated_at"],
    ).copy((*o, since, since) for o in orgs)

    contracts, workspaces, flows = [], [], []
    for partner in partners:
        for c in range(CONTRACTS_PER_PARTNER):
            cid, plan = platform_id("c", partner.id, c), PLANS[(partner.id + c) % len(PLANS)]
            contracts.append((len(contracts) + 1, cid, partner.id, f"{partner.name} {c}", plan))
            for w in range(WORKSPACES_PER_CONTRACT):
                wid = platform_id("w", partner.id, c, w)
                workspaces.append((len(workspaces) + 1, wid, len(contracts), f"Workspace {w}"))
                for f in range(FLOWS_PER_WORKSPACE):
                    fid = platform_id("f", partner.id, c, w, f)
                    name = FLOW_NAMES[(c * 3 + w * 2 + f) % len(FLOW_NAMES)]
                    flows.append((len(flows) + 1, fid, len(workspaces), name))
                    partner.flows.append((cid, wid, fid, plan))
    stamp = (since, since)
    Table(
        Contract, ["id", "platform_id", "partner_id", "name", "plan", "created_at", "updated_at"]
    ).copy((*c, *stamp) for c in contracts)
    Table(Workspace, ["id", "platform_id", "contract_id", "name", "created_at", "updated_at"]).copy(
        (*w, *stamp) for w in workspaces
    )
    Table(Flow, ["id", "platform_id", "workspace_id", "name", "created_at", "updated_at"]).copy(
        (*f, *stamp) for f in flows
    )

    users: list[tuple] = []
    members: list[tuple] = []
    contract_links: list[tuple] = []
    staff: dict[str, list[int]] = {}

    def person(address: str, name: str, org: int, role: str, first: bool) -> int:
        uid = len(users) + 1
        users.append((uid, hashed if first else "!", address, name, since))
        members.append((uid, uid, org, role, since, since))
        return uid

    for role, count in VENDOR_STAFF:
        staff[role] = [
            person(email(role, n), f"{role.replace('_', ' ').title()} {n}", 1, role, n == 1)
            for n in range(1, count + 1)
        ]
    contract_ids = {c[1]: c[0] for c in contracts}
    for partner in partners:
        p = partner.id - 1
        person(email("partner_admin", 1, p), f"Admin {p}", partner.id, "partner_admin", p == 1)
        for n in range(1, L1_PER_PARTNER + 1):
            first = n == 1 and p == 1
            partner.l1.append(
                person(email("l1_agent", n, p), f"Agent {p}.{n}", partner.id, "l1_agent", first)
            )
        for n in range(1, per_partner + 1):
            address = email("customer", n, p)
            uid = person(address, f"Customer {p}.{n}", partner.id, "customer", n == 1 and p == 1)
            partner.customers.append((uid, f"Customer {p}.{n}", address))
            own = partner.flows[(n * FLOWS_PER_WORKSPACE * 2) % len(partner.flows)][0]
            contract_links.append((len(contract_links) + 1, uid, contract_ids[own]))

    Table(User, ["id", "password", "email", "full_name", "date_joined"]).copy(
        (*u[:4], u[4]) for u in users
    )
    Table(
        Membership, ["id", "user_id", "organisation_id", "role", "created_at", "updated_at"]
    ).copy(members)
    through = Membership.contracts.through
    Table(through._meta.db_table, ["id", "membership_id", "contract_id"]).copy(contract_links)
    for model in (Organisation, Contract, Workspace, Flow, User, Membership):
        restart_identity(model)
    restart_identity(through._meta.db_table)
    return World(vendor=1, partners=partners, staff=staff, users=len(users))
