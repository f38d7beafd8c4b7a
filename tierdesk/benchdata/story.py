"""One generated ticket's story: where it stands (level, status), who worked it, the
moments of each step, its text with log excerpts. Pure Python, seeded: the same load
gives the same tickets. `history.py` turns a story into rows."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tierdesk.benchdata.names import RARE_EVERY
from tierdesk.benchdata.people import FLOW_NAMES, Partner, World

# Every open ticket is one of these (level, status, weight): every level and every open
# status is represented; the queues each find theirs.
OPEN_SPREAD = (
    (1, "new", 20),
    (1, "in_progress", 18),
    (1, "waiting_on_customer", 10),
    (2, "new", 12),
    (2, "in_progress", 14),
    (2, "waiting_on_customer", 6),
    (2, "verifying", 4),
    (3, "new", 6),
    (3, "in_progress", 10),
)
OPEN_SHARE = 0.2
PRIORITIES = (("low", 20), ("normal", 50), ("high", 22), ("urgent", 8))
# (short title, sentence with {ms}, log line, resolution cause)
ERRORS = (
    (
        "fails with 401 Unauthorized",
        "The HTTP step answers 401 Unauthorized from the ERP.",
        "POST https://erp.example/api/orders -> 401 Unauthorized",
        "credentials",
    ),
    (
        "times out at the gateway",
        "Request to the gateway failed after {ms} ms (read timeout).",
        "GET https://gateway.example/v2/stock -> timeout after {ms} ms",
        "connectivity",
    ),
    (
        "stops at the mapping step",
        "The JSONata mapping fails: field 'sku' is undefined.",
        "Mapping error: Cannot read property 'sku' of undefined",
        "configuration",
    ),
    (
        "is rate limited by the shop",
        "The shop API answers 429 Too Many Requests.",
        "GET https://shop.example/admin/api/orders.json -> 429 Too Many Requests",
        "third_party",
    ),
    (
        "writes duplicates",
        "Duplicate key value violates unique constraint orders_pkey.",
        'ERROR: duplicate key value violates unique constraint "orders_pkey"',
        "platform_defect",
    ),
    (
        "loses attachments",
        "Files above 10 MB arrive empty in the archive.",
        "Upload of invoice.pdf returned 413 Payload Too Large",
        "usage",
    ),
)


@dataclass
class Step:
    kind: str
    actor: int | None
    role: str
    frm: tuple[int | None, str]
    to: tuple[int, str]
    at: datetime
    data: str = "{}"


@dataclass
class Story:
    id: int
    number: int
    partner: Partner
    flow: tuple[str, str, str, str]  # contract, workspace, flow ids, plan
    flow_name: str
    customer: tuple[int, str, str] | None
    created_at: datetime
    level: int
    status: str
    priority: str
    incident: bool
    error: tuple[str, str, str, str]
    ms: int
    steps: list[Step] = field(default_factory=list)
    assignee: int | None = None
    handed_over_by: int | None = None
    escalated_by: int | None = None
    escalated_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: int | None = None
    closed_at: datetime | None = None
    bounced: bool = False
    pasted: bool = False

    @property
    def is_open(self) -> bool:
        return self.status not in ("resolved", "closed")

    @property
    def last_at(self) -> datetime:
        return self.steps[-1].at

    @property
    def reached(self) -> int:
        """The highest level the ticket reached."""
        return 3 if self.escalated_at else (2 if self.handed_over_by else 1)

    def title(self) -> str:
        return f"{self.flow_name} {self.error[0]}"

    def description(self) -> str:
        sentence = self.error[1].format(ms=self.ms)
        return (
            f"Since {self.created_at:%d %B} every execution of the {self.flow_name} flow "
            f"fails and orders stop. {sentence} Customer mentions lantern"
            f"{self.number % RARE_EVERY} in the mapping.\n\nLog excerpt:\n"
            + "\n".join(self.log_lines(3))
        )

    def log_lines(self, n: int) -> list[str]:
        at, out = self.created_at, []
        for k in range(n):
            when = (at + timedelta(seconds=7 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")
            if k == n - 1:
                out.append(f"{when} ERROR [step {k + 1}] {self.error[2].format(ms=self.ms)}")
            else:
                out.append(f"{when} INFO [step {k + 1}] flow {self.flow[2]} execution started")
        return out


def _weighted(rng: random.Random, choices) -> str:
    return rng.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0]


def open_plan(total: int, rng: random.Random) -> dict[int, tuple[int, str]]:
    """Which tickets (0-based, oldest first) are open, and where: OPEN_SHARE of them, nine
    in ten among the newest third, each (level, status) by its weight."""
    count = round(total * OPEN_SHARE)
    newest = total - total // 3
    recent = min(total - newest, round(count * 0.9))
    chosen = rng.sample(range(newest, total), recent) + rng.sample(range(newest), count - recent)
    weights = sum(w for *_, w in OPEN_SPREAD)
    places = [(lv, st) for lv, st, w in OPEN_SPREAD for _ in range(round(count * w / weights))]
    while len(places) < count:
        places.append(OPEN_SPREAD[len(places) % len(OPEN_SPREAD)][:2])
    rng.shuffle(places)
    return dict(zip(chosen, places[:count], strict=True))


class Teller:
    """Tells the story of ticket `index` (0-based, oldest first) of `total`."""

    def __init__(self, world: World, total: int, now: datetime, first_number: int, seed: int):
        self.world, self.total, self.now, self.first = world, total, now, first_number
        self.seed = seed
        self.open = open_plan(total, random.Random(seed))
        self.span = timedelta(days=730)

    def story(self, index: int) -> Story:
        rng = random.Random(self.seed * 1_000_003 + index)
        w = self.world
        partner = w.partners[index % len(w.partners)]
        flow = partner.flows[rng.randrange(len(partner.flows))]
        created = self.now - self.span * (1 - (index + rng.random()) / self.total)
        created = min(created, self.now - timedelta(minutes=1))
        customer = partner.customers[rng.randrange(len(partner.customers))]
        if index in self.open:
            level, status = self.open[index]
        else:
            level = _weighted(rng, ((1, 60), (2, 30), (3, 10)))
            status = "resolved" if self.now - created < timedelta(days=14) else "closed"
        s = Story(
            id=index + 1,
            number=self.first + index,
            partner=partner,
            flow=flow,
            flow_name=FLOW_NAMES[int(flow[2][:4], 16) % len(FLOW_NAMES)],
            customer=customer if rng.random() < 0.85 else None,
            created_at=created,
            level=level,
            status=status,
            priority=_weighted(rng, PRIORITIES),
            incident=rng.random() < 0.03,
            error=ERRORS[rng.randrange(len(ERRORS))],
            ms=rng.randrange(5_000, 60_000),
            pasted=rng.random() < 0.4,
        )
        self._walk(s, rng)
        return s

    def _walk(self, s: Story, rng: random.Random) -> None:
        w, p = self.world, s.partner
        l1 = p.l1[rng.randrange(len(p.l1))]
        l2 = w.staff["l2_agent"][rng.randrange(len(w.staff["l2_agent"]))]
        l3 = w.staff["l3_engineer"][rng.randrange(len(w.staff["l3_engineer"]))]
        who = {1: (l1, "l1_agent"), 2: (l2, "l2_agent"), 3: (l3, "l3_engineer")}
        opener = (s.customer[0], "customer") if s.customer else who[1]
        steps = [Step("created", *opener, (None, ""), (1, "new"), s.created_at)]

        def go(kind, level, frm, to, minutes, actor=None, data="{}"):
            a, role = actor or who[level]
            at = steps[-1].at + timedelta(minutes=minutes)
            steps.append(Step(kind, a, role, frm, to, at, data))

        lv, st, closed = s.level, s.status, not s.is_open
        if not (lv == 1 and st == "new"):
            go("taken", 1, (1, "new"), (1, "in_progress"), rng.randrange(5, 240))
        if lv >= 2:
            go("handed_over", 1, (1, "in_progress"), (2, "new"), rng.randrange(60, 2880))
            s.handed_over_by = l1
            if rng.random() < 0.2:
                s.bounced = True
                go(
                    "bounced",
                    2,
                    (2, "new"),
                    (1, "in_progress"),
                    rng.randrange(30, 600),
                    data='{"items": ["logs"]}',
                )
                go("handed_over", 1, (1, "in_progress"), (2, "new"), rng.randrange(60, 1440))
            if not (lv == 2 and st == "new"):
                go("taken", 2, (2, "new"), (2, "in_progress"), rng.randrange(30, 1440))
        if lv == 3 or st == "verifying":
            go("escalated", 2, (2, "in_progress"), (3, "new"), rng.randrange(60, 4320))
            s.escalated_by, s.escalated_at = l2, steps[-1].at
            if not (lv == 3 and st == "new"):
                go("taken", 3, (3, "new"), (3, "in_progress"), rng.randrange(30, 1440))
            if st == "verifying":
                go("fix_delivered", 3, (3, "in_progress"), (2, "verifying"), 2880)
        if st == "waiting_on_customer":
            go("asked_customer", lv, (lv, "in_progress"), (lv, st), rng.randrange(10, 600))
        if closed:
            cause = s.error[3] if lv > 1 or rng.random() < 0.7 else "usage"
            go(
                "resolved",
                lv,
                (lv, "in_progress"),
                (lv, "resolved"),
                rng.randrange(30, 7200),
                data=f'{{"cause": "{cause}"}}',
            )
            s.resolved_at, s.resolved_by = steps[-1].at, who[lv][0]
            if st == "closed":
                go("closed", lv, (lv, "resolved"), (lv, "closed"), 14 * 1440, (None, "system"))
                s.closed_at = steps[-1].at
        # Squeeze the steps into the time between the opening and now (recent tickets).
        room = (self.now - timedelta(seconds=30)) - s.created_at
        used = steps[-1].at - s.created_at
        if used > room:
            for step in steps[1:]:
                step.at = s.created_at + (step.at - s.created_at) * (room / used)
            for attr in ("escalated_at", "resolved_at", "closed_at"):
                moment = getattr(s, attr)
                if moment is not None:
                    setattr(s, attr, s.created_at + (moment - s.created_at) * (room / used))
        if closed or st != "new":
            s.assignee = who[lv][0]
        s.steps = steps
