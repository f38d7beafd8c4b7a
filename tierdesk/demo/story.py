"""Ticket histories written through the ordinary services, at the moments they happened.

A `Story` is one ticket's history: who did what, and how long after the step before. The
stories of every ticket are merged into one time line and played in order, each step with
the services' clock set to its moment (`clock.travel_to`). So ticket numbers follow the
order tickets were opened, events follow the order things happened, and every gate (a
deadline in the future, a moment that is not) is checked against the moment of the step.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from tierdesk.accounts.models import Organisation, Role, User
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor, actor_for
from tierdesk.demo import screenshots
from tierdesk.demo.logs import Failure, execution_log
from tierdesk.demo.world import CONTRACT, FLOW, ORGS, FlowSpec, OrgSpec
from tierdesk.tickets import services
from tierdesk.tickets.fields import STAFF_ONLY_FIELDS
from tierdesk.tickets.models import AttachmentKind, Channel

BERLIN = ZoneInfo("Europe/Berlin")
_SPAN = re.compile(r"(\d+)([dhms])")
_UNIT = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


VERIFIED_MESSAGE = (
    "The fix for your problem has been verified and is now in place. Please check that "
    "everything works as expected again; if it does not, reply to this message and we will "
    "reopen your ticket."
)


def span(spec: str) -> timedelta:
    """'2d3h15m' → a timedelta. A leading '+' is allowed."""
    text = spec.lstrip("+").replace(" ", "")
    parts = _SPAN.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"Not a span: {spec!r}")
    return timedelta(**{_UNIT[u]: int(n) for n, u in parts})


_LIST_ITEM = re.compile(r"^(\d+[.)]|[-•*]) ")


def text(value: str) -> str:
    """Prose written as a wrapped, indented triple-quoted block → the text a person would
    have typed: paragraphs on one line each, list items and indented lines kept apart."""
    lines = value.strip("\n").splitlines()
    if not lines:
        return ""
    body = textwrap.dedent("\n".join(lines[1:])).splitlines()
    lines = [lines[0].strip(), *body]
    out: list[str] = []
    previous = ""  # what the line before was: "", "para", "item" or "code"
    for line in lines:
        if not line.strip():
            out.append("")
            previous = ""
        elif _LIST_ITEM.match(line):
            out.append(line.rstrip())
            previous = "item"
        elif line.startswith(" "):
            if previous == "item":
                out[-1] += " " + line.strip()
            else:
                out.append(line.rstrip())
                previous = "code"
        elif previous == "para":
            out[-1] += " " + line.strip()
        else:
            out.append(line.rstrip())
            previous = "para"
    return "\n".join(out).strip()


class Timeline:
    """Moments relative to the load: `ago()` for history, `ahead()` for deadlines."""

    def __init__(self, now: datetime):
        self.now = now
        self.anchor = self.history_ends(now)

    @staticmethod
    def history_ends(now: datetime) -> datetime:
        """Where the demo's history ends: a little before now during the support day in
        Berlin; loaded in the evening or at night, the last working evening, so that
        "this morning" in a ticket written "two hours ago" still reads true."""
        local = now.astimezone(BERLIN)
        if 9 <= local.hour < 19:
            return now - timedelta(minutes=2)
        evening = local.replace(hour=18, minute=30, second=0, microsecond=0)
        if evening > local:
            evening -= timedelta(days=1)
        return evening.astimezone(now.tzinfo)

    def ago(self, spec: str) -> datetime:
        # People do not act on the full minute: a few seconds off, the same for a spec.
        return self.anchor - span(spec) - _jitter(spec, 59_000)

    def ahead(self, spec: str) -> datetime:
        return self.now + span(spec)


def _jitter(seed: str, most_ms: int) -> timedelta:
    digest = hashlib.sha256(seed.encode()).digest()
    return timedelta(milliseconds=int.from_bytes(digest[:4], "big") % most_ms)


def brand_of(flow: FlowSpec) -> OrgSpec:
    partner = CONTRACT[flow.contract].partner
    return next(spec for spec in ORGS if spec.key == partner)


def platform_log(flow: str, at: datetime, failure: Failure | None = None, **kw: Any) -> bytes:
    """The log of one execution of the flow, failing around `at`."""
    return execution_log(FLOW[flow], at=at, seed=f"{flow}:{at.isoformat()}", failure=failure, **kw)


def log_name(flow: str, at: datetime, ext: str = "log") -> str:
    """The name the platform gives a downloaded execution log."""
    return f"{flow}_{at:%Y%m%d-%H%M%S}.{ext}"


def screenshot(flow: str, failure: Failure, at: datetime, shown: str = "", **kw: Any) -> bytes:
    """The flow designer showing the failure (its error, or the text `shown`)."""
    spec = FLOW[flow]
    return screenshots.flow_error(
        flow=spec,
        brand=brand_of(spec),
        failing_step=failure.step,
        error=shown or failure.error,
        at=at,
        **kw,
    )


@dataclass
class Cast:
    """The people and organisations the stories act as."""

    orgs: dict[str, Organisation]
    users: dict[str, User]
    _actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, key: str) -> Actor:
        if key == "system":
            return SYSTEM
        if key not in self._actors:
            self._actors[key] = actor_for(self.users[key])
        return self._actors[key]

    def l1_agent_of(self, org_id: int | None) -> Actor | None:
        """The first L1 agent of an organisation (who triages its customers' reports)."""
        for key in sorted(self.users):
            actor = self.actor(key)
            if actor.org_id == org_id and actor.role == Role.L1_AGENT:
                return actor
        return None


@dataclass
class _Step:
    at: datetime
    what: str
    run: Callable[[Cast], Any]


class Story:
    """One ticket's history. Each step after the first says how long after the step
    before it happened ('+20m', '+1d2h')."""

    def __init__(self, key: str, start: datetime):
        self.key = key
        self.start = start
        self.steps: list[_Step] = []
        self.ticket_id: int | None = None
        self.attachments: dict[str, int] = {}
        self._t = start
        self._n = 0

    def __repr__(self) -> str:
        return f"Story({self.key})"

    @property
    def last(self) -> datetime:
        return self._t

    def _add(self, after: str, what: str, run: Callable[[Cast], Any]) -> None:
        if self.steps:
            self._n += 1
            self._t = self._t + span(after) + _jitter(f"{self.key}:{self._n}", 50_000)
        self.steps.append(_Step(self._t, what, run))

    # -- opening ---------------------------------------------------------------------------
    def open(
        self,
        by: str,
        *,
        flow: str | None = None,
        customer: str | None = None,
        via_url: bool = False,
        hand_over: bool = False,
        channel: str = Channel.WEB,
        **fields: Any,
    ) -> Story:
        """Open the ticket as `by` (a customer, or an L1 agent for `customer`). With `flow`,
        the platform IDs are filled in — pasted as the designer URL with `via_url`. A
        customer sets no staff-only field (priority, incident, L1 checks): when the story
        gives one, the customer's L1 agent sets it right after the report (triage)."""
        data = {k: text(v) if isinstance(v, str) else v for k, v in fields.items()}
        if flow:
            spec = FLOW[flow]
            if via_url:
                data["platform_url"] = spec.url
            else:
                data.update(
                    contract_id=spec.contract_id,
                    workspace_id=spec.workspace_id,
                    flow_id=spec.flow_id,
                    flow_version=spec.version_id,
                )

        def run(cast: Cast) -> None:
            actor = cast.actor(by)
            report, triage = dict(data), {}
            if actor.is_customer:
                triage = {k: report.pop(k) for k in STAFF_ONLY_FIELDS if k in report}
            ticket = services.ticket_create(
                actor=actor,
                data=report,
                customer=cast.users[customer].email if customer else None,
                hand_over=hand_over,
                channel=channel,
            )
            self.ticket_id = ticket.pk
            agent = cast.l1_agent_of(actor.org_id) if triage else None
            if agent is not None:
                services.ticket_update(
                    actor=agent, ticket_id=ticket.pk, changes=triage, version=ticket.version
                )

        self._add("", "open", run)
        return self

    # -- conversation and files ------------------------------------------------------------
    def reply(self, by: str, after: str, body: str, *, channel: str = Channel.WEB) -> Story:
        """A public message (from a customer, one that answers a question waiting on them)."""
        self._add(
            after,
            "reply",
            lambda c: services.message_add(
                actor=c.actor(by), ticket_id=self.ticket_id, body=text(body), channel=channel
            ),
        )
        return self

    def note(self, by: str, after: str, body: str) -> Story:
        """An internal note: never shown to the customer."""
        self._add(
            after,
            "note",
            lambda c: services.message_add(
                actor=c.actor(by), ticket_id=self.ticket_id, body=text(body), internal=True
            ),
        )
        return self

    def attach(
        self, by: str, after: str, filename: str, content: bytes, *, internal: bool | None = None
    ) -> Story:
        """A file: a `.png` is a screenshot, anything else a text log."""
        kind = AttachmentKind.SCREENSHOT if filename.endswith(".png") else AttachmentKind.LOG

        def run(cast: Cast) -> None:
            attachment = services.attachment_add(
                actor=cast.actor(by),
                ticket_id=self.ticket_id,
                file=content,
                filename=filename,
                kind=kind,
                internal=internal,
            )
            self.attachments[filename] = attachment.pk

        self._add(after, f"attach {filename}", run)
        return self

    def update(self, by: str, after: str, **changes: Any) -> Story:
        changes = {k: text(v) if isinstance(v, str) else v for k, v in changes.items()}
        self._add(
            after,
            "update",
            lambda c: services.ticket_update(
                actor=c.actor(by), ticket_id=self.ticket_id, changes=changes, version=None
            ),
        )
        return self

    # -- moves -------------------------------------------------------------------------------
    def _act(self, action: str, by: str, after: str, **payload: Any) -> Story:
        payload = {k: text(v) if isinstance(v, str) else v for k, v in payload.items()}
        self._add(
            after,
            action,
            lambda c: services.ticket_act(
                actor=c.actor(by), ticket_id=self.ticket_id, action=action, payload=payload
            ),
        )
        return self

    def take(self, by: str, after: str) -> Story:
        return self._act("take", by, after)

    def ask(self, by: str, after: str, message: str) -> Story:
        return self._act("ask_customer", by, after, message=message)

    def answer(self, by: str, after: str, message: str) -> Story:
        return self._act("customer_reply", by, after, message=message)

    def resolve(
        self, by: str, after: str, resolution: str, cause: str, customer_message: str = ""
    ) -> Story:
        """`resolution` is support's own record; the customer reads `customer_message`."""
        return self._act(
            "resolve",
            by,
            after,
            resolution=resolution,
            cause=cause,
            customer_message=customer_message,
        )

    def hand_over(self, by: str, after: str) -> Story:
        return self._act("hand_over", by, after)

    def bounce(self, by: str, after: str, items: list[str], note: str) -> Story:
        return self._act("bounce", by, after, items=items, note=note)

    def escalate(self, by: str, after: str, override_reason: str = "") -> Story:
        return self._act("escalate", by, after, override_reason=override_reason)

    def return_to_l2(self, by: str, after: str, reason: str) -> Story:
        return self._act("return_to_l2", by, after, reason=reason)

    def deliver_fix(
        self, by: str, after: str, reference: str, release: str = "", notes: str = ""
    ) -> Story:
        return self._act(
            "deliver_fix", by, after, reference=reference, release=release, notes=notes
        )

    def verify(
        self, by: str, after: str, passed: bool, notes: str, customer_message: str = ""
    ) -> Story:
        """A passed fix tells the customer `customer_message` (by default the verified
        template); the verification notes stay internal."""
        if not passed:
            return self._act("verify_fix", by, after, passed=False, notes=notes)
        return self._act(
            "verify_fix",
            by,
            after,
            passed=True,
            notes=notes,
            customer_message=customer_message or VERIFIED_MESSAGE,
        )

    def reopen(self, by: str, after: str, reason: str) -> Story:
        return self._act("reopen", by, after, reason=reason)

    def rate(self, by: str, after: str, score: int, comment: str = "") -> Story:
        """The customer rates the help on the resolved ticket (as from the portal)."""
        from tierdesk.satisfaction.services import rating_submit as rate

        def run(c: Cast) -> None:
            rate(actor=c.actor(by), ticket_id=self.ticket_id, score=score, comment=comment)

        self._add(after, f"rate {score}", run)
        return self

    def close(self, by: str, after: str, confirmed: bool = False) -> Story:
        return self._act("close", by, after, confirmed=confirmed)

    def reproduce(
        self,
        by: str,
        after: str,
        *,
        steps: str,
        environment: str,
        observed: str,
        analysis: str,
        evidence: tuple[str, ...] = (),
        log_lines: str = "",
        reproduced: bool = True,
    ) -> Story:
        """L2's reproduction record; `evidence` names files attached to this ticket."""

        def run(cast: Cast) -> None:
            services.reproduction_record(
                actor=cast.actor(by),
                ticket_id=self.ticket_id,
                reproduced=reproduced,
                steps=text(steps),
                environment=text(environment),
                observed=text(observed),
                analysis=text(analysis),
                evidence_attachment_ids=[self.attachments[name] for name in evidence],
                evidence_log_lines=text(log_lines),
            )

        self._add(after, "reproduce", run)
        return self


class StoryFailed(RuntimeError):
    pass


def play(stories: list[Story], cast: Cast) -> None:
    """Run every step of every story in time order, each at its own moment."""
    now = timezone.now()
    timeline = sorted(
        (
            (step.at, i, j, story, step)
            for i, story in enumerate(stories)
            for j, step in enumerate(story.steps)
        ),
        key=lambda row: row[:3],
    )
    for at, _, _, story, step in timeline:
        if at >= now:
            raise StoryFailed(f"{story.key}: step '{step.what}' lies in the future ({at}).")
        with clock.travel_to(at):
            try:
                step.run(cast)
            except Exception as exc:
                raise StoryFailed(f"{story.key}: step '{step.what}' at {at} failed: {exc}") from exc
