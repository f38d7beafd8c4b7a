"""A chunk of stories as rows — tickets, messages, events, handover attempts, SLA clocks
and their events, log attachments with their parsed lines, search documents — each table
written with one COPY. Shaped as the services leave them (a search document as
`search.services.document_refresh` builds it, clocks as `sla.services` plans them)."""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from tierdesk.benchdata.rows import Table
from tierdesk.benchdata.story import Story
from tierdesk.logs.models import LogFile, LogLine
from tierdesk.search.models import SearchDocument
from tierdesk.sla.models import Clock, SlaEvent
from tierdesk.tickets.models import Attachment, Handover, Message, Ticket, TicketEvent

TICKET = Table(
    Ticket,
    (
        "id created_at updated_at number title partner_id customer_id created_by_id "
        "contract_id workspace_id flow_id flow_version occurred_at description "
        "expected_behaviour actual_behaviour steps_to_reproduce reproducibility is_blocker "
        "check_connectivity check_credentials l1_checks_by_id pasted_log incident priority "
        "level status "
        "assignee_id handed_over_by_id escalated_by_id escalated_at resolution "
        "resolution_cause resolved_at resolved_level resolved_by_id closed_at version "
        "next_deadline sla_at_risk sla_breached"
    ),
)
MESSAGE = Table(
    Message,
    "id created_at updated_at ticket_id author_id body internal channel",
)
EVENT = Table(
    TicketEvent,
    (
        "id ticket_id actor_id actor_role kind from_level from_status to_level to_status data "
        "created_at"
    ),
)
HANDOVER = Table(
    Handover,
    (
        "id created_at updated_at ticket_id attempt handed_over_by_id checklist outcome "
        "decided_by_id decided_at bounced_items"
    ),
)
CLOCK = Table(
    Clock,
    (
        "id ticket_id kind level policy_id calendar_id target start pauses used_before "
        "paused_before state stopped_at due_at at_risk_at at_risk breached met cycle "
        "updated_at"
    ),
)
SLA_EVENT = Table(
    SlaEvent,
    ("id ticket_id clock_id cycle kind clock_kind level due_at assignee_id created_at notified_at"),
)
ATTACHMENT = Table(
    Attachment,
    (
        "id created_at updated_at ticket_id uploaded_by_id kind file filename content_type "
        "size sha256 internal"
    ),
)
LOG_FILE = Table(
    LogFile,
    "id attachment_id ticket_id status zone lines errors first_time last_time parsed_at",
)
LOG_LINE = Table(
    LogLine,
    (
        "id attachment_id ticket_id number offset time level message flow_id step is_error "
        "error_text"
    ),
)
DOCUMENT = Table(
    SearchDocument,
    (
        "ticket_id partner_id customer_id status level flow_id max_log_level title "
        "public_body staff_body ids updated_at"
    ),
)
LOG_EVERY = 10  # one ticket in ten has a log file attached
LOG_LINES = 20
ZERO = timedelta(0)


@dataclass
class Sla:
    """The policies and calendars clocks point at: (plan, priority, incident) -> policy."""

    policies: dict[tuple[str, str, bool], tuple[int, timedelta, timedelta, timedelta]]
    office: int
    always: int
    tag: str


@dataclass
class Ids:
    message: int = 0
    event: int = 0
    handover: int = 0
    clock: int = 0
    sla_event: int = 0
    attachment: int = 0
    log_line: int = 0

    def next(self, name: str) -> int:
        value = getattr(self, name) + 1
        setattr(self, name, value)
        return value


class Chunk:
    def __init__(self, sla: Sla, ids: Ids, now: datetime):
        self.sla, self.ids, self.now = sla, ids, now
        tables = (TICKET, MESSAGE, EVENT, HANDOVER, CLOCK, SLA_EVENT, ATTACHMENT, LOG_FILE)
        self.rows: dict[Table, list[tuple]] = {t: [] for t in (*tables, LOG_LINE, DOCUMENT)}

    def write(self) -> dict[str, tuple[int, float]]:
        """COPY each table's rows: (rows, seconds) per table."""
        done = {}
        for table, rows in self.rows.items():
            start = time.perf_counter()
            done[table.table] = (table.copy(rows), time.perf_counter() - start)
        return done

    def add(self, s: Story) -> None:
        rng = random.Random(s.id * 7919)
        public, internal = self._messages(s, rng)
        self._events(s)
        deadline, at_risk, breached = self._clocks(s, rng)
        errors, max_level = self._log(s, rng) if s.id % LOG_EVERY == 3 else ([], 0)
        cust = s.customer
        checks = s.reached > 1 or rng.random() < 0.5
        contract, workspace, flow, _plan = s.flow
        resolution = f"Fixed: {s.error[1].format(ms=s.ms)}" if not s.is_open else ""
        cause = s.error[3] if not s.is_open else ""
        l1 = s.partner.l1[0]
        # fmt: off
        self.rows[TICKET].append((
            s.id, s.created_at, s.last_at, s.number, s.title(), s.partner.id, cust[0] if cust else
            None, cust[0] if cust else l1, contract, workspace, flow, f"v{s.ms % 40 + 1}",
            s.created_at - timedelta(minutes=s.ms % 600), s.description(), "Orders reach the ERP.",
            s.error[1].format(ms=s.ms), "1. Place an order in the shop. 2. Open the execution log.",
            "always", s.priority == "urgent", "The ERP answers from the platform's IP." if checks
            else "", "Re-entered the credentials; same error." if checks else "", l1 if checks else
            None, "\n".join(s.log_lines(5)) if s.pasted else "", s.incident, s.priority, s.level,
            s.status, s.assignee, s.handed_over_by, s.escalated_by, s.escalated_at, resolution,
            cause, s.resolved_at, s.level if s.resolved_at else None, s.resolved_by, s.closed_at,
            len(s.steps) + len(public) + len(internal), deadline, at_risk, breached,
        ))
        # fmt: on
        people = [cust[1], cust[2]] if cust else []
        orgs = [s.partner.name, s.partner.name.replace("Bench partner", "Partner") + " Connect"]
        errors = errors + ([s.error[2].format(ms=s.ms)] if s.pasted else [])
        tags = sorted({self.sla.tag, f"P{s.partner.id - 1}"})
        refs = [str(s.number), f"#{s.number}"] + [f"{t}{j}{s.number}" for t in tags for j in "-#"]
        body = [
            s.description(),
            "Orders reach the ERP.",
            s.error[1].format(ms=s.ms),
            "1. Place an order in the shop. 2. Open the execution log.",
            resolution,
            *public,
            *sorted(set(errors)),
            *people,
            *orgs,
        ]
        staff = [
            "The ERP answers from the platform's IP." if checks else "",
            "Re-entered the credentials; same error." if checks else "",
            *internal,
        ]
        # fmt: off
        self.rows[DOCUMENT].append((
            s.id, s.partner.id, cust[0] if cust else None, s.status, s.level, flow, max(max_level,
            50 if s.pasted else 0), s.title(), "\n".join(p for p in body if p), "\n".join(p for p in
            staff if p), " ".join([*refs, contract, workspace, flow, *people, *orgs]), s.last_at,
        ))
        # fmt: on

    def _messages(self, s: Story, rng: random.Random) -> tuple[list[str], list[str]]:
        public, internal = [], []
        count = 0 if (s.level, s.status) == (1, "new") else rng.randrange(1, 6)
        start, end = s.created_at, s.last_at
        for k in range(count):
            at = start + (end - start) * ((k + 1) / (count + 1))
            if k % 3 == 2:
                body, author, hidden = f"Checked {s.flow[2]}: {s.error[0]}.", s.assignee, True
            elif k % 2 == 1 and s.customer:
                body, author, hidden = (
                    f"It happened again at {at:%H:%M}; log excerpt: {s.error[2]}",
                    s.customer[0],
                    False,
                )
            else:
                body = f"Thanks for the details. We are looking at the {s.flow_name} flow."
                author, hidden = s.assignee or s.partner.l1[0], False
            (internal if hidden else public).append(body)
            self.rows[MESSAGE].append(
                (self.ids.next("message"), at, at, s.id, author, body, hidden, "web")
            )
        return public, internal

    def _events(self, s: Story) -> None:
        for st in s.steps:
            # fmt: off
            self.rows[EVENT].append((
                self.ids.next("event"), s.id, st.actor, st.role, st.kind, st.frm[0], st.frm[1],
                st.to[0], st.to[1], st.data, st.at,
            ))
            # fmt: on
        attempts = [st for st in s.steps if st.kind == "handed_over"]
        decisions = [st for st in s.steps if st.kind in ("bounced", "taken") and st.frm[0] == 2]
        for n, handed in enumerate(attempts, start=1):
            decided = decisions[n - 1] if n <= len(decisions) else None
            outcome = (
                "pending"
                if decided is None
                else ("bounced" if decided.kind == "bounced" else "accepted")
            )
            if outcome == "pending" and not s.is_open:
                outcome = "accepted"
            checklist = '{"items": [{"code": "logs", "ok": %s}], "recommendations": []}' % (
                "false" if outcome == "bounced" else "true"
            )
            # fmt: off
            self.rows[HANDOVER].append((
                self.ids.next("handover"), handed.at, handed.at, s.id, n, handed.actor, checklist,
                outcome, decided.actor if decided else None, decided.at if decided else None,
                '["logs"]' if outcome == "bounced" else "[]",
            ))
            # fmt: on

    def _clocks(self, s: Story, rng: random.Random) -> tuple[datetime | None, bool, bool]:
        plan = s.flow[3]
        policy, first, nxt, resolution = self.sla.policies[(plan, s.priority, s.incident)]
        calendar = self.sla.always if s.incident else self.sla.office
        specs = []
        if not s.is_open:
            met = rng.random() < 0.85
            due = s.created_at + resolution * (1.3 if met else 0.6)
            specs.append(("resolution", None, resolution, "stopped", due, met))
        else:
            paused = s.status == "waiting_on_customer"
            specs.append(
                ("resolution", None, resolution, "paused" if paused else "running", None, None)
            )
            if s.status == "new":
                specs.append(("first_response", s.level, first, "running", None, None))
                if s.level == 1:
                    specs.append(("customer_first", None, first, "running", None, None))
            if s.status == "in_progress" and s.id % 4 == 0:
                specs.append(("next_response", s.level, nxt, "running", None, None))
            if s.id % 3 == 0:
                specs.append(("needed_by", None, ZERO, "running", None, None))
        deadline, any_risk, any_breach = None, False, False
        for salt, (kind, level, target, state, due, met) in enumerate(specs):
            risk_at, at_risk, breached, stopped = None, False, False, None
            if state == "running":
                spread = ((s.id * 7919 + salt * 104729) % 43200) - 14400  # minutes: −10 d…+20 d
                due = self.now + timedelta(minutes=spread)
                risk_at = due - timedelta(hours=1 + s.id % 12)
                at_risk, breached = risk_at <= self.now, due < self.now
                deadline = due if deadline is None else min(deadline, due)
                any_risk, any_breach = any_risk or at_risk, any_breach or breached
            elif state == "stopped":
                stopped, breached = s.resolved_at, not met
            pauses = f'[["{s.last_at.isoformat()}", null]]' if state == "paused" else "[]"
            clock = self.ids.next("clock")
            # fmt: off
            self.rows[CLOCK].append((
                clock, s.id, kind, level, None if kind == "needed_by" else policy, calendar, target,
                s.created_at if level is None else s.last_at, pauses, (s.last_at - s.created_at) if
                state == "paused" else ZERO, ZERO, state, stopped, due, risk_at, at_risk, breached,
                met, 1, s.last_at,
            ))
            # fmt: on
            for flag, moment, on in (("at_risk", risk_at, at_risk), ("breached", due, breached)):
                if on and state == "running":
                    # fmt: off
                    self.rows[SLA_EVENT].append((
                        self.ids.next("sla_event"), s.id, clock, 1, flag, kind, level, due, None,
                        moment, moment,
                    ))
                    # fmt: on
        return deadline, any_risk, any_breach

    def _log(self, s: Story, rng: random.Random) -> tuple[list[str], int]:
        """A parsed log attachment: LOG_LINES lines, a few of them errors."""
        aid = self.ids.next("attachment")
        at = s.steps[min(1, len(s.steps) - 1)].at
        hidden = rng.random() < 0.3
        digest = hashlib.sha256(f"log {s.id}".encode()).hexdigest()
        # fmt: off
        self.rows[ATTACHMENT].append((
            aid, at, at, s.id, s.customer[0] if s.customer else s.partner.l1[0], "log",
            f"tickets/{s.id}/{digest[:2]}/{digest}", "execution.log", "text/plain", LOG_LINES * 90,
            digest, hidden,
        ))
        # fmt: on
        errors, offset, first = [], 0, s.created_at - timedelta(minutes=10)
        for n in range(1, LOG_LINES + 1):
            when = first + timedelta(seconds=13 * n)
            is_error = n % 7 == 0
            text = s.error[2].format(ms=s.ms) if is_error else f"step {n % 5 + 1} finished"
            if is_error and not hidden:
                errors.append(text)
            message = f"{when:%Y-%m-%dT%H:%M:%SZ} {'ERROR' if is_error else 'INFO'} {text}"
            # fmt: off
            self.rows[LOG_LINE].append((
                self.ids.next("log_line"), aid, s.id, n, offset, when, 50 if is_error else 30,
                message, s.flow[2], f"step {n % 5 + 1}", is_error, text if is_error else "",
            ))
            # fmt: on
            offset += len(message) + 1
        last = first + timedelta(seconds=13 * LOG_LINES)
        self.rows[LOG_FILE].append(
            (aid, aid, s.id, "parsed", "UTC", LOG_LINES, LOG_LINES // 7, first, last, at)
        )
        return errors, 0 if hidden else 50
