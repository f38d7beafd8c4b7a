"""The demo's people: customers, partner L1 agents and admins, and the vendor's support and
engineering staff. Every account signs in with `DEMO_PASSWORD`."""

from __future__ import annotations

from dataclasses import dataclass

from tierdesk.accounts.models import Organisation, Role, User
from tierdesk.accounts.services import user_create
from tierdesk.demo.world import CONTRACT, ORGS

DEMO_PASSWORD = "tierdesk-demo"


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    org: str  # OrgSpec.key
    role: str
    time_zone: str = "Europe/Berlin"
    contracts: tuple[str, ...] = ()  # ContractSpec keys a customer is tied to
    look_at: str = ""  # what this login shows in the demo; listed in DEMO_LOGINS when set


LONDON, KYIV = "Europe/London", "Europe/Kyiv"
C, L1, PA = Role.CUSTOMER, Role.L1_AGENT, Role.PARTNER_ADMIN
L2, LEAD, L3, ADMIN = Role.L2_AGENT, Role.SUPPORT_LEAD, Role.L3_ENGINEER, Role.ADMIN

# fmt: off
PEOPLE: tuple[Person, ...] = (
    # Integra Platform GmbH, the vendor
    Person("tobias", "Tobias Krüger", "tobias.krueger@integra.example", "vendor", L1,
           look_at="Vendor L1 for the direct customers Stadtwerke Rheinau and Kestrel Insurance"),
    Person("lena", "Lena Vogel", "lena.vogel@integra.example", "vendor", L2,
           look_at="L2 intake queue: handovers from both partners waiting to be accepted; "
                   "fixes to verify"),
    Person("marco", "Marco Rossi", "marco.rossi@integra.example", "vendor", L2),
    Person("olena", "Olena Kovalenko", "olena.kovalenko@integra.example", "vendor", L2,
           time_zone=KYIV),
    Person("sarah", "Sarah Whitfield", "sarah.whitfield@integra.example", "vendor", LEAD,
           time_zone=LONDON,
           look_at="Support lead: Reports (all partners' figures, bounce rates, "
                   "the override), the webhook incident escalated by override"),
    Person("dmytro", "Dmytro Shevchenko", "dmytro.shevchenko@integra.example", "vendor", L3,
           time_zone=KYIV, look_at="L3: escalated tickets with reproduction records, the "
                                   "incident, a fix that failed verification"),
    Person("jonas", "Jonas Albrecht", "jonas.albrecht@integra.example", "vendor", L3),
    Person("priya", "Priya Natarajan", "priya.natarajan@integra.example", "vendor", L3,
           time_zone=LONDON),
    Person("frank", "Frank Becker", "frank.becker@integra.example", "vendor", ADMIN,
           look_at="Admin: everything, and the Django admin at /admin/"),
    Person("daniel", "Daniel Wagner", "daniel.wagner@stadtwerke-rheinau.example", "vendor", C,
           contracts=("rheinau",), look_at="Direct customer of Integra (customer portal)"),
    Person("aisha", "Aisha Rahman", "aisha.rahman@kestrel-insurance.example", "vendor", C,
           time_zone=LONDON, contracts=("kestrel",)),
    # Northwind Cloud AG, OEM partner
    Person("katrin", "Katrin Meyer", "katrin.meyer@northwind.example", "northwind", L1,
           look_at="Partner L1: a bounced handover to fix, customers waiting for an answer"),
    Person("emre", "Emre Yılmaz", "emre.yilmaz@northwind.example", "northwind", L1),
    Person("stefan", "Stefan Hoffmann", "stefan.hoffmann@northwind.example", "northwind", PA,
           look_at="Partner admin: Reports (Northwind's figures only) and Handover "
                   "quality per agent, all of Northwind's tickets"),
    Person("jan", "Jan Petersen", "jan.petersen@hafenlogistik.example", "northwind", C,
           contracts=("hafen",),
           look_at="Customer (logistics) in Northwind's brand: own tickets, public replies only"),
    Person("anke", "Anke Brandt", "anke.brandt@hafenlogistik.example", "northwind", C,
           contracts=("hafen",)),
    Person("miriam", "Miriam Lindner", "miriam.lindner@kaufhaus-lindner.example", "northwind",
           C, contracts=("lindner",)),
    Person("paul", "Paul Schneider", "paul.schneider@vitalis-apotheken.example", "northwind",
           C, contracts=("vitalis",)),
    # Bluefin Systems Ltd, OEM partner
    Person("chloe", "Chloe Turner", "chloe.turner@bluefin.example", "bluefin", L1,
           time_zone=LONDON,
           look_at="Partner L1 of the second partner: sees none of Northwind's tickets"),
    Person("ravi", "Ravi Patel", "ravi.patel@bluefin.example", "bluefin", L1, time_zone=LONDON),
    Person("gareth", "Gareth Hughes", "gareth.hughes@bluefin.example", "bluefin", PA,
           time_zone=LONDON),
    Person("emma", "Emma Clarke", "emma.clarke@greenfield-foods.example", "bluefin", C,
           time_zone=LONDON, contracts=("greenfield",),
           look_at="Customer (food wholesale) in Bluefin's brand"),
    Person("tom", "Tom Baker", "tom.baker@greenfield-foods.example", "bluefin", C,
           time_zone=LONDON, contracts=("greenfield",)),
    Person("liam", "Liam O'Connor", "liam.oconnor@atlas-freight.example", "bluefin", C,
           time_zone=LONDON, contracts=("atlas",)),
    Person("sophie", "Sophie Walsh", "sophie.walsh@pennine-outdoor.example", "bluefin", C,
           time_zone=LONDON, contracts=("pennine",)),
)
# fmt: on
PERSON = {p.key: p for p in PEOPLE}
_ORG_NAME = {spec.key: spec.display_name for spec in ORGS}

# (email, role, organisation, what to look at) — for the README and the CLI's summary.
DEMO_LOGINS: list[tuple[str, str, str, str]] = [
    (p.email, p.role, _ORG_NAME[p.org], p.look_at) for p in PEOPLE if p.look_at
]


def build_people(orgs: dict[str, Organisation]) -> dict[str, User]:
    """Create every demo person through the accounts service; customers are tied to
    their contracts."""
    users = {}
    for person in PEOPLE:
        users[person.key] = user_create(
            email=person.email,
            organisation=orgs[person.org],
            role=person.role,
            password=DEMO_PASSWORD,
            full_name=person.name,
            time_zone=person.time_zone,
            contract_ids=[CONTRACT[key].contract_id for key in person.contracts] or None,
            # The shared demo password is short and guessable on purpose.
            check_password=False,
        )
    return users
