"""The demo data: every level and status, a consistent history, real-looking files, working
logins — and loading it twice changes nothing."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import authenticate
from django.core.files.storage import storages
from django.utils import timezone
from PIL import Image

from tierdesk.accounts.models import Organisation, User
from tierdesk.core.actor import SYSTEM, actor_for
from tierdesk.demo import DEMO_LOGINS, DEMO_PASSWORD, PEOPLE, load_demo, stories_l1
from tierdesk.demo.people import build_people
from tierdesk.demo.story import Cast, Timeline, play
from tierdesk.demo.world import DEMO_ORG_NAMES, build_world
from tierdesk.directory.models import Flow
from tierdesk.problems.models import Problem
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import (
    Attachment,
    AttachmentKind,
    EventKind,
    Handover,
    HandoverOutcome,
    Status,
    TicketEvent,
    Verification,
)
from tierdesk.tickets.services.create import FIRST_TICKET_NUMBER

EVERY_STATE = {
    (1, Status.NEW),
    (1, Status.IN_PROGRESS),
    (1, Status.WAITING_ON_CUSTOMER),
    (1, Status.RESOLVED),
    (1, Status.CLOSED),
    (2, Status.NEW),
    (2, Status.IN_PROGRESS),
    (2, Status.WAITING_ON_CUSTOMER),
    (2, Status.VERIFYING),
    (2, Status.RESOLVED),
    (2, Status.CLOSED),
    (3, Status.NEW),
    (3, Status.IN_PROGRESS),
}
BUNYAN_KEYS = (
    "name", "hostname", "pid", "level", "msg", "time", "v", "ELASTICIO_FLOW_ID",
    "ELASTICIO_FLOW_VERSION", "ELASTICIO_EXEC_ID", "ELASTICIO_STEP_ID", "ELASTICIO_COMP_ID",
    "ELASTICIO_FUNCTION", "ELASTICIO_CONTAINER_ID", "tag", "threadId", "messageId",
    "parentMessageId",
)  # fmt: skip


def demo_tickets():
    return visible_tickets(SYSTEM).filter(partner__name__in=DEMO_ORG_NAMES)


def row_counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "flows": Flow.objects.count(),
        "tickets": visible_tickets(SYSTEM).count(),
        "events": TicketEvent.objects.count(),
        "attachments": Attachment.objects.count(),
    }


def check_attachments(tickets) -> None:
    """Logs are text (bunyan JSON lines of one execution, or plain text), screenshots
    small PNGs."""
    attachments = list(Attachment.objects.filter(ticket__in=tickets).select_related("ticket"))
    # A log L2 bounced as the wrong one need not match the ticket's moment.
    wrong_log = {
        h.ticket_id
        for h in Handover.objects.filter(ticket__in=tickets, outcome=HandoverOutcome.BOUNCED)
        if "logs" in h.bounced_items
    }
    logs = [a for a in attachments if a.kind == AttachmentKind.LOG]
    shots = [a for a in attachments if a.kind == AttachmentKind.SCREENSHOT]
    assert len(logs) >= 15 and len(shots) >= 5

    for shot in shots:
        assert shot.content_type == "image/png"
        assert shot.size < 60_000
        with shot.file.open("rb") as f:
            assert Image.open(io.BytesIO(f.read())).size == (1000, 640)

    plain = 0
    secrets = 0
    for log in logs:
        assert log.content_type in ("text/plain", "application/x-ndjson"), log.filename
        with log.file.open("rb") as f:
            content = f.read().decode()
        secrets += "Authorization" in content
        if log.content_type == "text/plain":
            plain += 1
            continue
        # a platform log: one execution of the ticket's flow, sorted, bunyan fields
        lines = [json.loads(line) for line in content.splitlines()]
        assert 20 <= len(lines) <= 80, log.filename
        for entry in lines:
            assert all(key in entry for key in BUNYAN_KEYS), log.filename
            assert entry["v"] == 0 and entry["level"] in (30, 40, 50)
            assert entry["time"].endswith("Z")
            if entry["level"] == 50:
                assert entry["err"]["message"] and entry["err"]["stack"]
        assert [e["time"] for e in lines] == sorted(e["time"] for e in lines)
        assert len({e["ELASTICIO_EXEC_ID"] for e in lines}) == 1
        assert {e["ELASTICIO_FLOW_ID"] for e in lines} == {log.ticket.flow_id}
        assert {e["tag"] for e in lines} == {log.ticket.flow_id}
        first = datetime.fromisoformat(lines[0]["time"].replace("Z", "+00:00"))
        if log.ticket_id not in wrong_log:
            assert abs(first - log.ticket.occurred_at) < timedelta(minutes=10), log.filename
    assert plain >= 2
    assert secrets >= 1


def check_knowledge_base() -> None:
    """The demo's knowledge base: every rule points at a published seed article; each
    partner's customers see their partner's article, not the other's, and no internal
    one; the partner article keeps its history; two reports were deflected."""
    from tierdesk.kb.access import visible_articles
    from tierdesk.kb.models import Article
    from tierdesk.triage.models import Deflection, Rule

    assert all(rule.article and rule.article.is_published for rule in Rule.objects.all())
    jan = actor_for(User.objects.get(email="jan.petersen@hafenlogistik.example"))
    emma = actor_for(User.objects.get(email="emma.clarke@greenfield-foods.example"))
    titles_jan = set(visible_articles(jan).values_list("title", flat=True))
    titles_emma = set(visible_articles(emma).values_list("title", flat=True))
    assert "Northwind agent offline: on-premises systems unreachable" in titles_jan - titles_emma
    assert "Shopify 429 with the Bluefin connector" in titles_emma - titles_jan
    assert "Reading a platform log (L2, internal)" not in titles_jan | titles_emma
    article = Article.objects.get(title__startswith="Northwind agent offline")
    assert [r.number for r in article.revisions.all()] == [2, 1]
    assert article.revisions.first().author.email == "stefan.hoffmann@northwind.example"
    assert Deflection.objects.filter(cause="token_expired").count() == 2


def test_demo_covers_every_state_with_history_files_and_logins(db):
    # when the demo is loaded
    summary = load_demo()

    # then there are about forty tickets, in every (level, status) the process reaches
    tickets = list(demo_tickets().order_by("number"))
    assert 36 <= len(tickets) <= 44
    assert {(t.level, t.status) for t in tickets} == EVERY_STATE
    assert f"{len(tickets)} tickets" in summary
    # the knowledge base has its seed and partner articles and the deflected reports
    check_knowledge_base()
    # L2's sidebar holds saved views, counted through L2's own access
    from tierdesk.savedviews.selectors import sidebar

    lena = actor_for(User.objects.get(email="lena.vogel@integra.example"))
    views = {row["view"].name: row["count"] for row in sidebar(lena)}
    assert views["Blocking handovers"] is not None
    assert views["Recently changed at L3"] is None  # the lead's L3 queue is not hers
    # two customers rated the help on their resolved tickets (one of them lukewarm)
    from tierdesk.satisfaction.models import Rating

    assert sorted(Rating.objects.values_list("score", flat=True)) == [3, 5]

    # every escalated ticket is on a problem record (its escalation opened or linked it)
    escalated = demo_tickets().filter(escalated_at__isnull=False)
    assert escalated.exists() and not escalated.filter(problem_link__isnull=True).exists()
    # and one problem record holds three tickets of both partners (and a direct customer)
    problem = Problem.objects.get(title="OAuth2 credentials lose their rotated refresh token")
    partners = set(
        demo_tickets()
        .filter(problem_link__problem=problem)
        .values_list("partner__kind", "partner__name")
    )
    assert len(partners) == 3 and sum(kind == "partner" for kind, _ in partners) == 2
    assert problem.status == "fix_in_progress" and problem.workaround_public

    # ticket numbers follow the order tickets were opened
    opened = [t.created_at for t in tickets]
    assert opened == sorted(opened)

    # every history starts with `created`, is in time order, lies in the past and ends in
    # the ticket's current state
    now = datetime.now().astimezone()
    for ticket in tickets:
        events = list(ticket.events.order_by("pk"))
        assert events[0].kind == EventKind.CREATED, ticket.title
        times = [e.created_at for e in events]
        assert times == sorted(times), ticket.title
        assert times[-1] < now
        moves = [e for e in events if e.to_status]
        assert (moves[-1].to_level, moves[-1].to_status) == (ticket.level, ticket.status)

    # a handover L2 bounced back sits with its agent, with the items and the note
    bounced = Handover.objects.filter(ticket__in=tickets, outcome=HandoverOutcome.BOUNCED)
    assert bounced.exists()
    waiting_at_l1 = [h for h in bounced if h.ticket.level == 1]
    assert waiting_at_l1 and waiting_at_l1[0].bounced_items and waiting_at_l1[0].bounce_note
    assert waiting_at_l1[0].ticket.assignee_id == waiting_at_l1[0].handed_over_by_id
    # …and one handed over again after its bounce waits for L2 with its second attempt
    assert Handover.objects.filter(
        ticket__in=tickets, attempt=2, outcome=HandoverOutcome.PENDING
    ).exists()

    # one ticket came straight to L2 from a partner's tool
    assert TicketEvent.objects.filter(
        ticket__in=tickets, kind=EventKind.CREATED, to_level=2
    ).exists()

    # a support lead escalated the incident by override, with the reason on record
    override = TicketEvent.objects.get(ticket__in=tickets, kind=EventKind.ESCALATION_OVERRIDDEN)
    assert override.actor_role == "support_lead" and override.reason
    assert override.ticket.incident

    # fixes: verified, failed and back at L3, delivered and awaiting verification
    kinds = set(TicketEvent.objects.filter(ticket__in=tickets).values_list("kind", flat=True))
    assert {
        EventKind.FIX_VERIFIED,
        EventKind.FIX_FAILED,
        EventKind.REOPENED,
        EventKind.RETURNED_TO_L2,
        EventKind.REPRODUCTION_RECORDED,
    } <= kinds
    failed_then_at_l3 = [
        t for t in tickets
        if t.level == 3 and t.fixes.filter(verification=Verification.FAILED).exists()
    ]  # fmt: skip
    assert failed_then_at_l3

    # blockers, an incident, several priorities, deadlines near and far
    assert sum(1 for t in tickets if t.is_blocker) >= 3
    assert {t.priority for t in tickets} >= {"low", "normal", "high", "urgent"}
    open_deadlines = [t.needed_by - now for t in tickets if t.needed_by and t.needed_by > now]
    assert min(open_deadlines) < timedelta(hours=6) and max(open_deadlines) > timedelta(days=3)

    # several tickets share a flow, and the flows are in the directory
    flows = [t.flow_id for t in tickets if t.flow_id]
    assert len(flows) - len(set(flows)) >= 5
    assert set(flows) <= set(Flow.objects.values_list("platform_id", flat=True))

    # the logs are text and the screenshots images
    check_attachments(tickets)

    # every demo login signs in with the demo password
    assert DEMO_LOGINS
    emails = {email for email, *_ in DEMO_LOGINS} | {person.email for person in PEOPLE}
    for email in emails:
        assert authenticate(email=email, password=DEMO_PASSWORD) is not None, email

    # the built-in automation rules are on, and a partner admin's own rule is there
    from tierdesk.automation.models import Rule

    assert Rule.objects.filter(enabled=True).exclude(builtin="").count() == 4
    assert Rule.objects.filter(partner__display_name="Northwind Cloud", builtin="").exists()

    # when it is loaded a second time, nothing changes, and it says so
    before = row_counts()
    assert "already" in load_demo()
    assert row_counts() == before


def test_reset_deletes_the_demo_data_and_loads_it_afresh(db, django_capture_on_commit_callbacks):
    # given part of the demo, with files stored
    timeline = Timeline(timezone.now())
    orgs = build_world()
    play(stories_l1.stories(timeline)[:6], Cast(orgs=orgs, users=build_people(orgs)))
    old_ids = set(demo_tickets().values_list("pk", flat=True))
    old_files = list(Attachment.objects.values_list("file", flat=True))
    assert old_ids and old_files
    from tierdesk.kb.models import Article
    from tierdesk.triage.models import Rule

    rules = Rule.objects.count()

    # when it is reset
    with django_capture_on_commit_callbacks(execute=True):
        summary = load_demo(reset=True)

    # then the old tickets and their files are gone and the whole demo is there
    assert "Loaded the demo" in summary
    new_ids = set(demo_tickets().values_list("pk", flat=True))
    assert not old_ids & new_ids
    # nothing else was numbered, so the numbers start again at the first
    assert min(demo_tickets().values_list("number", flat=True)) == FIRST_TICKET_NUMBER
    assert {(t.level, t.status) for t in demo_tickets()} == EVERY_STATE
    assert not any(storages["attachments"].exists(name) for name in old_files)
    assert Organisation.objects.count() == len(DEMO_ORG_NAMES)
    assert User.objects.count() == len(PEOPLE)
    # and only the fresh demo's problems, each on demo tickets, the Salesforce one once
    on_problems = demo_tickets().filter(problem_link__isnull=False)
    assert Problem.objects.count() == on_problems.values("problem_link__problem").distinct().count()
    assert Problem.objects.filter(title__startswith="OAuth2 credentials").count() == 1
    # and the knowledge base is whole and nothing in it twice (the seed articles and rules
    # were there before the reset)
    assert Rule.objects.count() == rules
    titles = list(Article.objects.values_list("partner_id", "title"))
    assert len(titles) == len(set(titles))
    check_knowledge_base()


def test_history_ends_now_in_the_support_day_and_at_the_last_evening_otherwise():
    berlin = ZoneInfo("Europe/Berlin")
    # during the support day, the history ends just before now
    noon = datetime(2026, 11, 26, 12, 0, tzinfo=berlin)
    assert noon - timedelta(minutes=5) < Timeline.history_ends(noon) < noon
    # at night and early in the morning, it ends at the last 18:30 in Berlin
    for night, evening in (
        (datetime(2026, 11, 26, 23, 0, tzinfo=berlin), datetime(2026, 11, 26, 18, 30)),
        (datetime(2026, 11, 27, 6, 0, tzinfo=berlin), datetime(2026, 11, 26, 18, 30)),
    ):
        end = Timeline.history_ends(night.astimezone(UTC))
        assert end.astimezone(berlin).replace(tzinfo=None) == evening
