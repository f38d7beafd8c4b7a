"""Test data built through the services, as production builds it.

`build_world()` makes the vendor, two partners (Acme and Globex) each with a customer,
an L1 agent, a partner admin and a directory (contract → workspace → flow), and the
vendor's L1 agent, direct customer, L2 agent, support lead, L3 engineer and admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tierdesk.accounts.models import Organisation, Role, User
from tierdesk.accounts.services import organisation_create, user_create
from tierdesk.core.actor import Actor, actor_for
from tierdesk.directory.services import directory_import
from tierdesk.tickets import services
from tierdesk.tickets.models import AttachmentKind, Ticket

# Platform IDs: 24 hex characters.
ACME_CONTRACT = "5f1a2b3c4d5e6f7081920a1b"
ACME_WORKSPACE = "5f1a2b3c4d5e6f7081920a2c"
ACME_FLOW = "5f1a2b3c4d5e6f7081920a3d"
GLOBEX_CONTRACT = "6a0b1c2d3e4f5a6b7c8d9e0f"
GLOBEX_WORKSPACE = "6a0b1c2d3e4f5a6b7c8d9e1a"
GLOBEX_FLOW = "6a0b1c2d3e4f5a6b7c8d9e2b"
VENDOR_CONTRACT = "7b1c2d3e4f5a6b7c8d9e0f1a"
VENDOR_WORKSPACE = "7b1c2d3e4f5a6b7c8d9e0f2b"
VENDOR_FLOW = "7b1c2d3e4f5a6b7c8d9e0f3c"

PLAIN_LOG = (
    b'{"name":"http-component","hostname":"step-1-abc","pid":7,"level":50,'
    b'"msg":"Request failed with status code 401","time":"2026-11-27T09:14:03.120Z","v":0}\n'
)


@dataclass
class World:
    vendor: Organisation
    acme: Organisation
    globex: Organisation
    users: dict[str, User] = field(default_factory=dict)

    def actor(self, key: str) -> Actor:
        return actor_for(self.users[key])

    def user(self, key: str) -> User:
        return self.users[key]


# key -> (organisation attribute, role)
PEOPLE = {
    "acme_customer": ("acme", Role.CUSTOMER),
    "acme_l1": ("acme", Role.L1_AGENT),
    "acme_admin": ("acme", Role.PARTNER_ADMIN),
    "globex_customer": ("globex", Role.CUSTOMER),
    "globex_l1": ("globex", Role.L1_AGENT),
    "globex_admin": ("globex", Role.PARTNER_ADMIN),
    "direct_customer": ("vendor", Role.CUSTOMER),
    "vendor_l1": ("vendor", Role.L1_AGENT),
    "l2": ("vendor", Role.L2_AGENT),
    "l2b": ("vendor", Role.L2_AGENT),
    "lead": ("vendor", Role.SUPPORT_LEAD),
    "l3": ("vendor", Role.L3_ENGINEER),
    "admin": ("vendor", Role.ADMIN),
}


def build_world() -> World:
    vendor = organisation_create(name="Tierdesk Vendor", kind="vendor", display_name="Vendor")
    acme = organisation_create(name="Acme", kind="partner", display_name="Acme Integrations")
    globex = organisation_create(name="Globex", kind="partner", display_name="Globex Cloud")
    directory_import(
        docs=[
            _doc("Acme", ACME_CONTRACT, ACME_WORKSPACE, ACME_FLOW),
            _doc("Globex", GLOBEX_CONTRACT, GLOBEX_WORKSPACE, GLOBEX_FLOW),
            # (a contract's name is what its customer reads in the portal)
            _doc("Tierdesk Vendor", VENDOR_CONTRACT, VENDOR_WORKSPACE, VENDOR_FLOW, "Direct"),
        ]
    )
    world = World(vendor=vendor, acme=acme, globex=globex)
    for key, (org_attr, role) in PEOPLE.items():
        world.users[key] = user_create(
            email=f"{key}@example.test",
            organisation=getattr(world, org_attr),
            role=role,
            password="correct horse battery staple",
            full_name=key.replace("_", " ").title(),
        )
    return world


def _doc(partner: str, contract: str, workspace: str, flow: str, label: str = "") -> dict[str, Any]:
    return {
        "partner": partner,
        "contracts": [
            {
                "id": contract,
                "name": f"{label or partner} production",
                "plan": "premium",
                "workspaces": [
                    {
                        "id": workspace,
                        "name": "Main",
                        "flows": [{"id": flow, "name": "Orders sync"}],
                    }
                ],
            }
        ],
    }


def complete_fields(partner: str = "acme", **overrides: Any) -> dict[str, Any]:
    """Every handover item filled in, for the given partner's directory."""
    now = timezone.now()
    ids = {
        "acme": (ACME_CONTRACT, ACME_WORKSPACE, ACME_FLOW),
        "globex": (GLOBEX_CONTRACT, GLOBEX_WORKSPACE, GLOBEX_FLOW),
        "vendor": (VENDOR_CONTRACT, VENDOR_WORKSPACE, VENDOR_FLOW),
    }[partner]
    fields: dict[str, Any] = {
        "title": "Orders sync fails with 401",
        "description": "Since this morning every execution of the orders flow fails.",
        "expected_behaviour": "Orders are copied to the ERP.",
        "actual_behaviour": "The HTTP step fails with status 401.",
        "contract_id": ids[0],
        "workspace_id": ids[1],
        "flow_id": ids[2],
        "occurred_at": now - timedelta(hours=3),
        "steps_to_reproduce": "1. Start the flow\n2. Send an order\n3. See the error",
        "is_blocker": True,
        "blocker_impact": "No orders reach the ERP.",
        "needed_by": now + timedelta(days=2),
        "check_connectivity": "The ERP answers from the platform's egress IP.",
        "check_credentials": "Re-entered the API key; still 401.",
        "pasted_log": PLAIN_LOG.decode(),
    }
    fields.update(overrides)
    return fields


def new_ticket(world: World, partner: str = "acme", **overrides: Any) -> Ticket:
    """A ticket at new@L1 opened by the partner's L1 agent for its customer."""
    agent = {"acme": "acme_l1", "globex": "globex_l1", "vendor": "vendor_l1"}[partner]
    customer = {"acme": "acme_customer", "globex": "globex_customer", "vendor": "direct_customer"}[
        partner
    ]
    return services.ticket_create(
        actor=world.actor(agent),
        data=complete_fields(partner, **overrides),
        customer=world.user(customer).email,
    )


def ticket_at(world: World, where: str, partner: str = "acme") -> Ticket:
    """Walk a ticket through the real services to a given state:
    new@L1, in_progress@L1, waiting@L1, new@L2, in_progress@L2, waiting@L2, new@L3,
    in_progress@L3, verifying@L2, resolved@L1, resolved@L2, closed."""
    l1 = {"acme": "acme_l1", "globex": "globex_l1", "vendor": "vendor_l1"}[partner]
    ticket = new_ticket(world, partner)
    steps = {
        "new@L1": [],
        "in_progress@L1": ["take1"],
        "waiting@L1": ["take1", "ask1"],
        "resolved@L1": ["take1", "resolve1"],
        "new@L2": ["take1", "hand"],
        "in_progress@L2": ["take1", "hand", "take2"],
        "waiting@L2": ["take1", "hand", "take2", "ask2"],
        "resolved@L2": ["take1", "hand", "take2", "resolve2"],
        "new@L3": ["take1", "hand", "take2", "repro", "escalate"],
        "in_progress@L3": ["take1", "hand", "take2", "repro", "escalate", "take3"],
        "verifying@L2": ["take1", "hand", "take2", "repro", "escalate", "take3", "fix"],
        "closed": ["take1", "resolve1", "close"],
    }[where]
    tid = ticket.pk
    for step in steps:
        if step == "take1":
            services.ticket_take(actor=world.actor(l1), ticket_id=tid)
        elif step == "ask1":
            services.ticket_ask_customer(
                actor=world.actor(l1), ticket_id=tid, message="Which order?"
            )
        elif step == "resolve1":
            services.ticket_resolve(
                actor=world.actor(l1), ticket_id=tid, resolution="Renewed key.", cause="credentials"
            )
        elif step == "hand":
            services.ticket_hand_over(actor=world.actor(l1), ticket_id=tid)
        elif step == "take2":
            services.ticket_take(actor=world.actor("l2"), ticket_id=tid)
        elif step == "ask2":
            services.ticket_ask_customer(actor=world.actor("l2"), ticket_id=tid, message="When?")
        elif step == "resolve2":
            services.ticket_resolve(
                actor=world.actor("l2"), ticket_id=tid, resolution="Workaround.", cause="usage"
            )
        elif step == "repro":
            record_reproduction(world, tid)
        elif step == "escalate":
            services.ticket_escalate(actor=world.actor("l2"), ticket_id=tid)
        elif step == "take3":
            services.ticket_take(actor=world.actor("l3"), ticket_id=tid)
        elif step == "fix":
            services.ticket_deliver_fix(
                actor=world.actor("l3"), ticket_id=tid, reference="HF-2026-117"
            )
        elif step == "close":
            services.ticket_close(actor=world.actor(l1), ticket_id=tid, confirmed=True)
    ticket.refresh_from_db()
    return ticket


def record_reproduction(world: World, ticket_id: int, **overrides: Any):
    evidence = services.attachment_add(
        actor=world.actor("l2"),
        ticket_id=ticket_id,
        file=PLAIN_LOG,
        filename="execution.log",
        kind=AttachmentKind.LOG,
    )
    values = {
        "reproduced": True,
        "steps": "Ran the flow with order 4711 on the staging copy.",
        "environment": f"contract {ACME_CONTRACT}, flow {ACME_FLOW} v3",
        "observed": "HTTP step returns 401 after the token refresh.",
        "analysis": "The refresh token is not persisted after rotation.",
        "evidence_attachment_ids": [evidence.pk],
    }
    values.update(overrides)
    return services.reproduction_record(actor=world.actor("l2"), ticket_id=ticket_id, **values)
