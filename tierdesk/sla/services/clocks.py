"""The clocks of a ticket as it moves and changes.

`clocks_on_move` is called by `tickets.services._moves.move()` (the one function that
assigns status and level) and `clocks_on_change` by `ticket_update`, both inside the
caller's transaction on the locked ticket. Which clock does what:

| clock | starts | pauses | stops |
|---|---|---|---|
| first_response @Lx | entering new@Lx (created, handed over, escalated) | — | leaving new@Lx |
| next_response @Lx | the customer's reply (or a reopen) at Lx | — | any other move, an answer |
| resolution | creation | waiting on the customer | resolved (a reopen resumes it) |
| needed_by | creation, or when set | never (the customer's moment) | resolved (reopen resumes) |
| customer_first | creation (the customer's report) | — | the first public reply to them |
| customer_next | the customer's message or reopen (none running) | — | a public reply to them |

The customer clocks belong to no level: taking a ticket, handing it over or writing an
internal note leaves them running; only staff's public reply (a message, the question of
`ask_customer`, the customer message of a resolution) meets them. The system's own
updates answer no one. Resolved or closed tickets stop every clock.

A reopened resolution clock counts the resolved stretch as a pause.

A new priority, plan or incident flag re-plans the running and paused clocks: the time
used and the paused time so far are kept; what is left of the new target is counted on
the new calendar. The clocks never write their own at-risk/breached flags to true: the
sweep does, so every flag that turns comes with exactly one SLA event and one webhook.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cached_property

from tierdesk.sla import selectors
from tierdesk.sla.calendars import ZERO
from tierdesk.sla.models import Clock, ClockKind, ClockState
from tierdesk.tickets.models import Message, Status, Ticket

RUNNING, PAUSED, STOPPED = ClockState.RUNNING, ClockState.PAUSED, ClockState.STOPPED
FIRST, NEXT = ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE
RESOLUTION, NEEDED_BY = ClockKind.RESOLUTION, ClockKind.NEEDED_BY
CUSTOMER_FIRST, CUSTOMER_NEXT = ClockKind.CUSTOMER_FIRST, ClockKind.CUSTOMER_NEXT
DONE = (Status.RESOLVED, Status.CLOSED)
REPLAN_FIELDS = frozenset({"incident", "priority", "contract_id"})
_DERIVED = ["due_at", "at_risk_at", "met", "at_risk", "breached"]
_ALL = [
    "policy",
    "calendar",
    "target",
    "start",
    "pauses",
    "used_before",
    "paused_before",
    "state",
    "stopped_at",
    "cycle",
    *_DERIVED,
]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class _Book:
    """The clocks of one locked ticket, changed in memory and saved once. Call inside the
    transaction that locked the ticket."""

    def __init__(self, ticket: Ticket, now: datetime):
        self.ticket = ticket
        self.now = now
        # Locked, so the flags read here are the sweep's latest (the sweep skips locked
        # clocks rather than wait for them: no deadlock either way round).
        rows = (
            Clock.objects.filter(ticket=ticket)
            .select_related("calendar", "policy")
            .select_for_update(of=("self",))
        )
        self.clocks: dict[tuple[str, int | None], Clock] = {(c.kind, c.level): c for c in rows}
        self.changed: dict[tuple[str, int | None], set[str]] = {}

    @cached_property
    def terms(self) -> selectors.Terms | None:
        return selectors.terms_for(self.ticket)

    def _touch(self, clock: Clock, fields: Iterable[str]) -> None:
        self.changed.setdefault((clock.kind, clock.level), set()).update(fields)

    def get(self, kind: str, level: int | None = None) -> Clock | None:
        return self.clocks.get((kind, level))

    def of_kind(self, kind: str) -> list[Clock]:
        return [c for (k, _level), c in self.clocks.items() if k == kind]

    def live(self) -> list[Clock]:
        return [c for c in self.clocks.values() if c.state != STOPPED]

    # -- lifecycle -----------------------------------------------------------------------
    def start(self, kind: str, level: int | None = None) -> None:
        """A fresh clock (or the same one restarted: a new cycle) from now."""
        clock = self.get(kind, level)
        if self.terms is None:  # no calendar at all: nothing is counted
            return
        target = self.terms.target(kind)
        if target is None:  # no policy for this plan and priority
            if clock is not None:
                self.stop(clock)
            return
        if clock is None:
            clock = Clock(ticket=self.ticket, kind=kind, level=level, cycle=0)
            self.clocks[(kind, level)] = clock
        clock.cycle += 1
        clock.policy = self.terms.policy
        clock.calendar = self.terms.calendar_for(level)
        clock.target = target
        clock.start = self.now
        clock.pauses = []
        clock.used_before = clock.paused_before = ZERO
        clock.state, clock.stopped_at, clock.met = RUNNING, None, None
        clock.at_risk = clock.breached = False
        self._touch(clock, _ALL)

    def pause(self, clock: Clock | None) -> None:
        if clock is not None and clock.state == RUNNING and clock.kind != NEEDED_BY:
            clock.pauses = [*clock.pauses, [_iso(self.now), None]]
            clock.state = PAUSED
            self._touch(clock, ["pauses", "state", *_DERIVED])

    def resume(self, clock: Clock | None) -> None:
        if clock is not None and clock.state == PAUSED:
            clock.pauses = [*clock.pauses[:-1], [clock.pauses[-1][0], _iso(self.now)]]
            clock.state = RUNNING
            self._touch(clock, ["pauses", "state", *_DERIVED])

    def stop(self, clock: Clock | None) -> None:
        if clock is None or clock.state == STOPPED:
            return
        self.resume(clock)
        clock.state, clock.stopped_at = STOPPED, self.now
        self._touch(clock, ["state", "stopped_at", *_DERIVED])

    def reopen(self, clock: Clock | None) -> None:
        """Run a stopped clock again; the stopped stretch counts as paused."""
        if clock is None or clock.state != STOPPED or clock.stopped_at is None:
            return
        if clock.kind != NEEDED_BY:
            clock.pauses = [*clock.pauses, [_iso(clock.stopped_at), _iso(self.now)]]
        clock.state, clock.stopped_at, clock.met = RUNNING, None, None
        self._touch(clock, ["pauses", "state", "stopped_at", *_DERIVED])

    def replan(self, clock: Clock) -> None:
        """New terms for a live clock: keep the time used and the paused time, count the
        rest of the new target on the new calendar from now."""
        if self.terms is None:
            return
        target = self.terms.target(clock.kind)
        if target is None:
            self.stop(clock)
            return
        plan = selectors.plan_of(clock, self.now)
        clock.used_before, clock.paused_before = plan.used, plan.paused_for
        clock.start = self.now
        clock.pauses = [[_iso(self.now), None]] if clock.state == PAUSED else []
        clock.policy = self.terms.policy
        clock.calendar = self.terms.calendar_for(clock.level)
        clock.target = target
        clock.cycle += 1
        self._touch(clock, _ALL)

    def sync_needed_by(self) -> None:
        """The customer's latest acceptable time as a clock of its own (or none)."""
        clock = self.get(NEEDED_BY)
        deadline = self.ticket.needed_by
        if deadline is None or self.terms is None:
            if clock is not None:
                clock.delete()
                del self.clocks[(NEEDED_BY, None)]
                self.changed.pop((NEEDED_BY, None), None)
            return
        if clock is None:
            clock = Clock(ticket=self.ticket, kind=NEEDED_BY, level=None, cycle=0)
            clock.at_risk = clock.breached = False
            self.clocks[(NEEDED_BY, None)] = clock
        if self.ticket.status in DONE:
            clock.state, clock.stopped_at = STOPPED, clock.stopped_at or self.now
        else:
            clock.state, clock.stopped_at = RUNNING, None
        clock.cycle += 1
        clock.policy = None
        clock.calendar = self.terms.calendar
        clock.start = self.ticket.created_at
        clock.due_at = deadline
        clock.pauses, clock.used_before, clock.paused_before = [], ZERO, ZERO
        clock.target = ZERO  # set from the plan on save
        self._touch(clock, _ALL)

    # -- the customer's waits -------------------------------------------------------------
    def customer_waiting(self) -> bool:
        clocks = (self.get(CUSTOMER_FIRST), self.get(CUSTOMER_NEXT))
        return any(c is not None and c.state == RUNNING for c in clocks)

    def customer_wrote(self) -> None:
        """The customer's message starts their wait for an answer (unless one runs)."""
        if not self.customer_waiting():
            self.start(CUSTOMER_NEXT)

    def customer_answered(self) -> None:
        """A public reply to the customer meets whichever of their waits runs."""
        for kind in (CUSTOMER_FIRST, CUSTOMER_NEXT):
            clock = self.get(kind)
            if clock is not None and clock.state == RUNNING:
                self.stop(clock)

    # -- saving --------------------------------------------------------------------------
    def save(self) -> None:
        new: list[Clock] = []
        for key, fields in self.changed.items():
            clock = self.clocks[key]
            plan = selectors.plan_of(clock, self.now)
            if clock.kind == NEEDED_BY:
                clock.target = plan.used + plan.remaining
            clock.due_at, clock.at_risk_at = plan.due_at, plan.at_risk_at
            clock.met = plan.met
            # Flags only ever turn off here (a new plan moved the deadline away); the
            # sweep turns them on, with their events.
            clock.at_risk = clock.at_risk and plan.at_risk
            clock.breached = clock.breached and plan.breached
            clock.updated_at = self.now
            if clock.pk is None:
                new.append(clock)
            else:
                clock.save(update_fields=sorted({*fields, "updated_at"}))
        if new:
            Clock.objects.bulk_create(new)
        self.changed.clear()
        self._refresh_ticket()

    def _refresh_ticket(self) -> None:
        running = [c for c in self.clocks.values() if c.state == RUNNING]
        dues = [c.due_at for c in running if c.due_at is not None]
        values = {
            "next_deadline": min(dues) if dues else None,
            "sla_at_risk": any(c.at_risk for c in running),
            "sla_breached": any(c.breached for c in running),
        }
        if any(getattr(self.ticket, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(self.ticket, key, value)
            self.ticket.save(update_fields=list(values))


def clocks_on_move(*, ticket: Ticket, from_state: tuple[int | None, str], now: datetime) -> None:
    """Start, pause, resume and stop the ticket's clocks for a move that was just saved
    (`from_state` is (None, "") on creation). Call inside the move's transaction."""
    from_level, from_status = from_state
    book = _Book(ticket, now)
    created = from_level is None
    if created:
        book.start(RESOLUTION)
        book.start(CUSTOMER_FIRST)
        book.sync_needed_by()
    elif from_status == Status.NEW:
        book.stop(book.get(FIRST, from_level))
    if ticket.status == Status.NEW:
        book.start(FIRST, ticket.level)
    # Any move answers a pending customer reply; the reply itself starts the next wait.
    for clock in book.of_kind(NEXT):
        book.stop(clock)
    reopened = from_status == Status.RESOLVED and ticket.status not in DONE
    if (from_status == Status.WAITING_ON_CUSTOMER and ticket.status == Status.IN_PROGRESS) or (
        reopened
    ):
        book.start(NEXT, ticket.level)
        book.customer_wrote()  # the customer's reply (or their reopened ticket) waits
    if ticket.status == Status.WAITING_ON_CUSTOMER and from_status != ticket.status:
        book.customer_answered()  # asking the customer is a public reply to them
    if ticket.status == Status.WAITING_ON_CUSTOMER:
        book.pause(book.get(RESOLUTION))
    elif from_status == Status.WAITING_ON_CUSTOMER:
        book.resume(book.get(RESOLUTION))
    if ticket.status in DONE:
        for clock in book.live():
            book.stop(clock)
    elif reopened:
        book.reopen(book.get(RESOLUTION))
        book.reopen(book.get(NEEDED_BY))
    book.save()


def clocks_on_change(*, ticket: Ticket, fields: Iterable[str], now: datetime) -> None:
    """Re-plan after an edit: a new incident flag, priority or contract (plan) re-plans the
    live clocks keeping time used and paused; a new needed_by re-plans that clock."""
    fields = set(fields)
    if not fields & (REPLAN_FIELDS | {"needed_by"}):
        return
    book = _Book(ticket, now)
    if fields & REPLAN_FIELDS:
        for clock in book.live():
            if clock.kind != NEEDED_BY:
                book.replan(clock)
    if fields & (REPLAN_FIELDS | {"needed_by"}):
        book.sync_needed_by()
    book.save()


def clocks_on_message(*, ticket: Ticket, message: Message, now: datetime) -> None:
    """A public message outside a move: staff answering stops the next-response wait; the
    customer writing on an open ticket starts one (if none runs). Internal notes and the
    system's own messages (the customer updates) do not count. For `message_add`, inside
    its transaction on the locked ticket."""
    if message.internal or message.author_id is None or ticket.status in DONE:
        return
    book = _Book(ticket, now)
    from_customer = message.author_id is not None and message.author_id == ticket.customer_id
    running = [c for c in book.of_kind(NEXT) if c.state == RUNNING]
    if from_customer:
        if not running and ticket.status != Status.WAITING_ON_CUSTOMER:
            book.start(NEXT, ticket.level)
        book.customer_wrote()
    else:
        for clock in running:
            book.stop(clock)
        book.customer_answered()
    book.save()


def clocks_first_response_from(
    *, ticket: Ticket, started_at: datetime, answered_at: datetime | None, now: datetime
) -> None:
    """A ticket made from a live conversation: its L1 first-response clock counts from
    when the customer started waiting (not from the ticket's creation), and stops when an
    agent answered. Call right after creation, inside the creating transaction."""
    book = _Book(ticket, now)
    # The level's intake and the customer's own first wait both began in the chat.
    for clock in (book.get(FIRST, 1), book.get(CUSTOMER_FIRST)):
        if clock is None or clock.state == STOPPED:
            continue
        clock.start = min(started_at, now)
        book._touch(clock, ["start", *_DERIVED])
        if answered_at is not None:
            clock.state, clock.stopped_at = STOPPED, min(max(answered_at, clock.start), now)
            book._touch(clock, ["state", "stopped_at"])
    book.save()
