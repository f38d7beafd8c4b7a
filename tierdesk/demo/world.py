"""The demo's organisations and platform directory: the vendor, two OEM partners with their
branding, and the contracts, workspaces and flows their customers run.

Everything here is data plus the two calls that write it through the services. Platform IDs
are derived from names, so every load produces the same IDs and URLs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from tierdesk.accounts.models import Organisation
from tierdesk.accounts.services import organisation_create
from tierdesk.directory.services import directory_import

PLATFORM_BASE = "https://app.integra.example"


def pid(name: str) -> str:
    """A deterministic 24-hex platform ID for a name."""
    return hashlib.sha256(f"integra-demo:{name}".encode()).hexdigest()[:24]


# ---------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    kind: str
    display_name: str
    sender_name: str
    sender_email: str
    primary_colour: str
    accent_colour: str
    ticket_tag: str
    logo: str
    platform_name: str  # what the white-labelled platform calls itself in this brand


def _logo(mark: str, word: str, primary: str, accent: str) -> str:
    """A small inline SVG: a rounded square with a mark, and the brand's word."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 168 36" role="img" '
        f'aria-label="{word}"><rect width="36" height="36" rx="8" fill="{primary}"/>'
        f'<path d="{mark}" fill="{accent}"/>'
        f'<text x="46" y="25" font-family="Helvetica, Arial, sans-serif" font-size="19" '
        f'font-weight="700" fill="{primary}">{word}</text></svg>'
    )


VENDOR = OrgSpec(
    key="vendor",
    name="Integra Platform GmbH",
    kind="vendor",
    display_name="Integra Support",
    sender_name="Integra Support",
    sender_email="support@integra.example",
    primary_colour="#0b3d91",
    accent_colour="#00a6a6",
    ticket_tag="INT",
    logo=_logo("M10 8h16v5h-5.5v10H26v5H10v-5h5.5V13H10z", "Integra", "#0b3d91", "#00a6a6"),
    platform_name="Integra Platform",
)
NORTHWIND = OrgSpec(
    key="northwind",
    name="Northwind Cloud AG",
    kind="partner",
    display_name="Northwind Cloud",
    sender_name="Northwind Cloud Support",
    sender_email="support@northwind.example",
    primary_colour="#1d3557",
    accent_colour="#e76f51",
    ticket_tag="NWC",
    logo=_logo(
        "M18 5l4 9h-3v17h-2V14h-3z M8 28l10-6 10 6-10-3z", "Northwind", "#1d3557", "#e76f51"
    ),
    platform_name="Northwind Cloud Integrate",
)
BLUEFIN = OrgSpec(
    key="bluefin",
    name="Bluefin Systems Ltd",
    kind="partner",
    display_name="Bluefin Connect",
    sender_name="Bluefin Connect Helpdesk",
    sender_email="helpdesk@bluefin.example",
    primary_colour="#005f73",
    accent_colour="#94d2bd",
    ticket_tag="BFC",
    logo=_logo("M6 22c6-10 16-13 24-9l-4 4 4 4c-8 4-18 1-24-9z", "Bluefin", "#005f73", "#94d2bd"),
    platform_name="Bluefin Connect iPaaS",
)
ORGS: tuple[OrgSpec, ...] = (VENDOR, NORTHWIND, BLUEFIN)
DEMO_ORG_NAMES = tuple(spec.name for spec in ORGS)


# ---------------------------------------------------------------------------------------
# The directory
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One step of a flow as the platform runs it: a component and its function."""

    component: str  # the component's npm name, which is the logger's `name`
    function: str
    label: str  # what the designer shows
    does: str  # one log line of what it does with a record; {rid} is the record


@dataclass(frozen=True)
class FlowSpec:
    key: str
    name: str
    contract: str  # ContractSpec.key
    workspace: str  # workspace name within the contract
    steps: tuple[Step, ...]
    record: str = "record {n}"  # how a record is named in logs, {n} a number
    version: int = 3

    @property
    def flow_id(self) -> str:
        return pid(f"flow:{self.key}")

    @property
    def workspace_id(self) -> str:
        return pid(f"workspace:{self.contract}:{self.workspace}")

    @property
    def contract_id(self) -> str:
        return pid(f"contract:{self.contract}")

    @property
    def version_id(self) -> str:
        return pid(f"flow:{self.key}:v{self.version}")

    @property
    def url(self) -> str:
        return (
            f"{PLATFORM_BASE}/c/{self.contract_id}/w/{self.workspace_id}"
            f"/designer/{self.flow_id}/v/{self.version_id}"
        )

    def rid(self, n: int) -> str:
        return self.record.format(n=n)


@dataclass(frozen=True)
class ContractSpec:
    key: str
    partner: str  # OrgSpec.key
    name: str
    plan: str

    @property
    def contract_id(self) -> str:
        return pid(f"contract:{self.key}")


CONTRACTS: tuple[ContractSpec, ...] = (
    ContractSpec("hafen", "northwind", "Hafenlogistik Bremen – Production", "premium"),
    ContractSpec("lindner", "northwind", "Kaufhaus Lindner – E-Commerce", "standard"),
    ContractSpec("vitalis", "northwind", "Vitalis Apotheken – CRM", "basic"),
    ContractSpec("greenfield", "bluefin", "Greenfield Foods – Operations", "enterprise"),
    ContractSpec("atlas", "bluefin", "Atlas Freight – Integrations", "standard"),
    ContractSpec("pennine", "bluefin", "Pennine Outdoor – Retail", "premium"),
    ContractSpec("rheinau", "vendor", "Stadtwerke Rheinau – Enterprise", "enterprise"),
    ContractSpec("kestrel", "vendor", "Kestrel Insurance – Standard", "standard"),
)
CONTRACT = {c.key: c for c in CONTRACTS}

# Components the flows use, with what each logs per record.
SHOPIFY_POLL = Step(
    "shopify-component", "getOrdersPolling", "Shopify: new orders", "Fetched Shopify {rid}"
)
JSONATA = Step("jsonata-transform", "transform", "Transform (JSONata)", "Mapped {rid}")
SAP_UPSERT = Step(
    "sap-odata-component",
    "upsertObject",
    "SAP: upsert sales order",
    "PATCH A_SalesOrder for {rid}",
)
SAP_READ = Step("sap-odata-component", "readObjects", "SAP: read stock", "Read stock for {rid}")
SHOPIFY_UPSERT = Step(
    "shopify-component", "upsertObject", "Shopify: update", "Updated Shopify {rid}"
)
SF_QUERY = Step(
    "salesforce-component",
    "queryTrigger",
    "Salesforce: changed contacts",
    "Salesforce returned {rid}",
)
SF_UPSERT = Step(
    "salesforce-component", "upsertObject", "Salesforce: upsert", "Upserting Salesforce {rid}"
)
HTTP = Step("rest-api-component-v2", "httpRequestAction", "HTTP request", "POST for {rid}")
WEBHOOK = Step("webhook-component", "receive", "Webhook", "Received webhook for {rid}")
SFTP = Step("sftp-component", "upload", "SFTP: upload", "Uploading {rid}")
CSV = Step("csv-component", "write", "CSV: write file", "Wrote CSV rows for {rid}")
SCHEDULER = Step("scheduler", "timer", "Every day at 02:00", "Tick for {rid}")
NETSUITE = Step("netsuite-component", "lookupObjects", "NetSuite: sales orders", "Read {rid}")
ZENDESK = Step("zendesk-component", "createTicket", "Zendesk: create ticket", "Ticket for {rid}")
MAILCHIMP = Step("mailchimp-component", "upsertMember", "Mailchimp: upsert", "Member {rid}")
XERO = Step("xero-component", "createInvoice", "Xero: create invoice", "Invoice for {rid}")
MAGENTO = Step("magento2-component", "getProductsPolling", "Magento: products", "Product {rid}")
HUBSPOT = Step("hubspot-component", "upsertContact", "HubSpot: upsert contact", "Contact {rid}")
SPLIT = Step("splitter", "split", "Split lines", "Split {rid}")

# fmt: off
FLOWS: tuple[FlowSpec, ...] = (
    # Northwind Cloud — Hafenlogistik Bremen
    FlowSpec("hafen-dhl", "SAP deliveries → DHL shipments", "hafen", "Production",
             (SAP_READ, JSONATA, HTTP), "delivery 80{n:06d}", 7),
    FlowSpec("hafen-webhook-sf", "Shipment status webhook → Salesforce", "hafen", "Production",
             (WEBHOOK, JSONATA, SF_UPSERT), "shipment HB-{n:07d}", 4),
    FlowSpec("hafen-datev", "Daily invoice export to DATEV", "hafen", "Production",
             (SCHEDULER, SAP_READ, CSV, SFTP), "invoice batch {n}", 12),
    FlowSpec("hafen-dhl-staging", "SAP deliveries → DHL shipments (staging)", "hafen", "Staging",
             (SAP_READ, JSONATA, HTTP), "delivery 80{n:06d}", 9),
    # Northwind Cloud — Kaufhaus Lindner
    FlowSpec("lindner-orders", "Shopify → SAP orders", "lindner", "Shop integration",
             (SHOPIFY_POLL, JSONATA, SAP_UPSERT), "order #{n}", 5),
    FlowSpec("lindner-stock", "SAP stock levels → Shopify", "lindner", "Shop integration",
             (SAP_READ, JSONATA, SHOPIFY_UPSERT), "SKU LIN-{n:05d}", 3),
    FlowSpec("lindner-returns", "Shopify returns → Zendesk", "lindner", "Shop integration",
             (WEBHOOK, JSONATA, ZENDESK), "return R{n}", 2),
    FlowSpec("lindner-webhook", "Checkout webhook → SAP reservations", "lindner",
             "Shop integration", (WEBHOOK, JSONATA, SAP_UPSERT), "cart {n}", 6),
    # Northwind Cloud — Vitalis Apotheken
    FlowSpec("vitalis-sf", "Salesforce contacts sync", "vitalis", "CRM",
             (SF_QUERY, JSONATA, HTTP), "contact 003{n:012d}", 8),
    FlowSpec("vitalis-mailchimp", "Newsletter opt-ins → Mailchimp", "vitalis", "CRM",
             (WEBHOOK, JSONATA, MAILCHIMP), "opt-in {n}", 2),
    # Bluefin Connect — Greenfield Foods
    FlowSpec("greenfield-netsuite", "NetSuite sales orders → Shopify", "greenfield", "Operations",
             (NETSUITE, SPLIT, JSONATA, SHOPIFY_UPSERT), "sales order SO{n}", 11),
    FlowSpec("greenfield-sf", "Salesforce contacts sync", "greenfield", "Operations",
             (SF_QUERY, JSONATA, HTTP), "contact 003{n:012d}", 5),
    FlowSpec("greenfield-pricelist", "Nightly price list → SFTP", "greenfield", "Operations",
             (SCHEDULER, NETSUITE, CSV, SFTP), "price list {n}", 4),
    FlowSpec("greenfield-netsuite-sbx", "NetSuite sales orders → Shopify (sandbox)", "greenfield",
             "Sandbox", (NETSUITE, SPLIT, JSONATA, SHOPIFY_UPSERT), "sales order SO{n}", 12),
    # Bluefin Connect — Atlas Freight
    FlowSpec("atlas-edi", "Carrier EDI 214 → Salesforce shipments", "atlas", "Integrations",
             (WEBHOOK, JSONATA, SF_UPSERT), "EDI 214 #{n}", 6),
    FlowSpec("atlas-xero", "Daily invoice export to Xero", "atlas", "Integrations",
             (SCHEDULER, HTTP, XERO), "invoice ATL-{n}", 3),
    FlowSpec("atlas-webhook", "Booking webhook → TMS", "atlas", "Integrations",
             (WEBHOOK, JSONATA, HTTP), "booking BK{n}", 4),
    # Bluefin Connect — Pennine Outdoor
    FlowSpec("pennine-orders", "Shopify → SAP orders", "pennine", "Retail",
             (SHOPIFY_POLL, JSONATA, SAP_UPSERT), "order #{n}", 9),
    FlowSpec("pennine-catalogue", "Magento catalogue → Shopify", "pennine", "Retail",
             (MAGENTO, JSONATA, SHOPIFY_UPSERT), "product {n}", 4),
    # Integra direct customers
    FlowSpec("rheinau-meter", "Smart-meter readings → SAP IS-U", "rheinau", "Metering",
             (SCHEDULER, HTTP, JSONATA, SAP_UPSERT), "meter reading batch {n}", 14),
    FlowSpec("rheinau-sf", "Salesforce contacts sync", "rheinau", "Metering",
             (SF_QUERY, JSONATA, HTTP), "contact 003{n:012d}", 3),
    FlowSpec("kestrel-claims", "Claims portal → Guidewire", "kestrel", "Claims",
             (WEBHOOK, JSONATA, HTTP), "claim CLM-{n}", 6),
    FlowSpec("kestrel-renewals", "Policy renewals → HubSpot", "kestrel", "Claims",
             (SCHEDULER, HTTP, HUBSPOT), "policy KI-{n}", 2),
)
# fmt: on
FLOW = {f.key: f for f in FLOWS}


def directory_docs() -> list[dict[str, Any]]:
    """The directory as the import service reads it: one document per organisation."""
    docs = []
    for org in ORGS:
        contracts = []
        for contract in (c for c in CONTRACTS if c.partner == org.key):
            spaces: dict[str, list[FlowSpec]] = {}
            for flow in (f for f in FLOWS if f.contract == contract.key):
                spaces.setdefault(flow.workspace, []).append(flow)
            contracts.append(
                {
                    "id": contract.contract_id,
                    "name": contract.name,
                    "plan": contract.plan,
                    "workspaces": [
                        {
                            "id": flows[0].workspace_id,
                            "name": name,
                            "flows": [{"id": f.flow_id, "name": f.name} for f in flows],
                        }
                        for name, flows in spaces.items()
                    ],
                }
            )
        docs.append({"partner": org.name, "contracts": contracts})
    return docs


def _create_org(spec: OrgSpec) -> Organisation:
    values: dict[str, Any] = {
        "name": spec.name,
        "kind": spec.kind,
        "display_name": spec.display_name,
        "sender_name": spec.sender_name,
        "sender_email": spec.sender_email,
        "primary_colour": spec.primary_colour,
        "accent_colour": spec.accent_colour,
        "logo": spec.logo,
        "ticket_tag": spec.ticket_tag,
    }
    return organisation_create(**values)


def build_world() -> dict[str, Organisation]:
    """Create the three organisations and import their directory."""
    orgs = {spec.key: _create_org(spec) for spec in ORGS}
    directory_import(docs=directory_docs())
    return orgs
