"""Rows for the query-budget tests, made through the services as production makes them:
each `grow_*(ctx, n)` adds `n` more rows of one kind that the measured list shows."""

from __future__ import annotations

from datetime import UTC

from tests.budget_support import Ctx
from tests.factories import (
    ACME_CONTRACT,
    ACME_WORKSPACE,
    new_ticket,
    record_reproduction,
    ticket_at,
)
from tierdesk.accounts.models import Role
from tierdesk.accounts.services import token_create, user_create
from tierdesk.automation import services as automation
from tierdesk.chat import services as chat
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM
from tierdesk.directory.services import directory_import
from tierdesk.kb.services import ArticleDraft, article_create
from tierdesk.macros.services import MacroDraft, macro_create
from tierdesk.notifications.services import notification_send
from tierdesk.notify import services as notify
from tierdesk.notify.models import OutboxEvent
from tierdesk.problems.models import Tracker
from tierdesk.problems.services import problem_create, ticket_link_create
from tierdesk.savedviews.services import view_create
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import AttachmentKind, Ticket


def _next(ctx: Ctx, n: int) -> range:
    start = ctx.made
    ctx.made += n
    return range(start, start + n)


def one_ticket(where: str = "in_progress@L1"):
    def prepare(ctx: Ctx) -> None:
        ctx.ids["ticket"] = ticket_at(ctx.world, where)

    return prepare


def ticket_url(tail: str):
    return lambda ctx: f"/tickets/{ctx.ids['ticket'].pk}{tail}"


def grow_tickets(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        new_ticket(ctx.world, title=f"Orders sync fails, case {i}")


def grow_messages(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        tickets.message_add(
            actor=ctx.actor("acme_l1"), ticket_id=ctx.ids["ticket"].pk, body=f"Message {i}"
        )


def _log_at(moment, i: int) -> bytes:
    """A step log of three lines at `moment` (what the ticket's log window shows)."""
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return b"".join(
        b'{"name":"http-component","hostname":"step-%d","pid":7,"level":50,'
        b'"msg":"Request %d failed with status code 401","time":"%s","v":0}\n'
        % (i, j, stamp.encode())
        for j in range(3)
    )


def grow_attachments(ctx: Ctx, n: int) -> None:
    ticket = ctx.ids["ticket"]
    for i in _next(ctx, n):
        tickets.attachment_add(
            actor=ctx.actor("acme_l1"),
            ticket_id=ticket.pk,
            file=_log_at(ticket.occurred_at, i),
            filename=f"run-{i}.log",
            kind=AttachmentKind.LOG,
        )


def grow_handovers(ctx: Ctx, n: int) -> None:
    """Handed over and bounced back, n times (each attempt is a handover row)."""
    tid = ctx.ids["ticket"].pk
    for _ in _next(ctx, n):
        tickets.ticket_hand_over(actor=ctx.actor("acme_l1"), ticket_id=tid)
        tickets.ticket_bounce(actor=ctx.actor("l2"), ticket_id=tid, items=["logs"], note="More")
        if Ticket.objects.get(pk=tid).status == "new":
            tickets.ticket_take(actor=ctx.actor("acme_l1"), ticket_id=tid)


def grow_reproductions(ctx: Ctx, n: int) -> None:
    for _ in _next(ctx, n):
        record_reproduction(ctx.world, ctx.ids["ticket"].pk)


def grow_fixes(ctx: Ctx, n: int) -> None:
    """A fix delivered and failed, n times (the ticket waits at verifying@L2)."""
    tid = ctx.ids["ticket"].pk
    for i in _next(ctx, n):
        if i:
            tickets.ticket_verify_fix(
                actor=ctx.actor("l2"), ticket_id=tid, passed=False, notes="Still 401."
            )
            if Ticket.objects.get(pk=tid).assignee_id is None:
                tickets.ticket_take(actor=ctx.actor("l3"), ticket_id=tid)
            tickets.ticket_deliver_fix(actor=ctx.actor("l3"), ticket_id=tid, reference=f"HF-{i}")


def grow_contracts(ctx: Ctx, n: int) -> None:
    """More contracts of Acme, each with a workspace holding more flows."""
    docs = []
    for i in _next(ctx, n):
        flows = [{"id": f"{i:06x}{j:06x}{'f' * 12}", "name": f"Flow {j}"} for j in range(2)]
        docs.append(
            {
                "partner": "Acme",
                "contracts": [
                    {
                        "id": f"{i:012x}{'c' * 12}",
                        "name": f"Acme contract {i}",
                        "plan": "premium",
                        "workspaces": [
                            {"id": f"{i:012x}{'a' * 12}", "name": f"WS {i}", "flows": flows}
                        ],
                    }
                ],
            }
        )
    directory_import(docs=docs)


def grow_workspaces(ctx: Ctx, n: int) -> None:
    ws = [{"id": f"{i:012x}{'b' * 12}", "name": f"WS {i}", "flows": []} for i in _next(ctx, n)]
    directory_import(
        docs=[
            {
                "partner": "Acme",
                "contracts": [
                    {"id": ACME_CONTRACT, "name": "Acme production", "plan": "premium",
                     "workspaces": ws}
                ],
            }
        ]
    )


def grow_flows(ctx: Ctx, n: int) -> None:
    ctx.ids.setdefault("flows", [])
    ctx.ids["flows"] += [{"id": f"{i:012x}{'d' * 12}", "name": f"F {i}"} for i in _next(ctx, n)]
    ws = {"id": ACME_WORKSPACE, "name": "Main", "flows": ctx.ids["flows"]}
    directory_import(
        docs=[
            {
                "partner": "Acme",
                "contracts": [
                    {"id": ACME_CONTRACT, "name": "Acme production", "plan": "premium",
                     "workspaces": [ws]}
                ],
            }
        ]
    )


def grow_webhooks(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        hook, _ = notify.webhook_create(
            actor=ctx.actor("acme_admin"), url=f"https://93.184.215.14/hooks/{i}"
        )
        ctx.ids.setdefault("hook", hook)


def grow_deliveries(ctx: Ctx, n: int) -> None:
    """One delivery to the hook per new ticket."""
    if "hook" not in ctx.ids:
        grow_webhooks(Ctx(ctx.world, ctx.ids), 1)
    for _ in _next(ctx, n):
        new_ticket(ctx.world)
    for row in OutboxEvent.objects.filter(fanned_out_at__isnull=True):
        notify.outbox_fan_out(outbox_id=row.pk)


def grow_articles(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        article_create(
            actor=SYSTEM,
            draft=ArticleDraft(
                title=f"Orders sync article {i}", body="Reconnect the credential.",
                status="published",
            ),
        )


def grow_notifications(ctx: Ctx, n: int) -> None:
    """Notifications for the L2 agent, on a ticket at L2."""
    ticket = ctx.ids.setdefault("noted", ticket_at(ctx.world, "new@L2"))
    for i in _next(ctx, n):
        notification_send(
            recipients=[ctx.world.user("l2")], ticket=ticket,
            text=lambda user, i=i: f"At risk {i}", now=clock.now(),
        )


def grow_saved_views(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        view_create(actor=ctx.actor("l2"), name=f"View {i}", queue="all",
                    filters={"priority": "high"}, shared=bool(i % 2))


def grow_macros(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        macro_create(actor=ctx.actor("l2"), scope="organisation",
                     draft=MacroDraft(name=f"Macro {i}", body=f"Thanks {i}"))


def grow_rules(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        automation.rule_create(
            actor=ctx.actor("admin"),
            data={
                "name": f"Rule {i}",
                "conditions": [{"field": "incident", "op": "eq", "value": True}],
                "steps": [{"type": "set_priority", "priority": "urgent"}],
            },
        )


def grow_chats(ctx: Ctx, n: int) -> None:
    chat.presence_set(actor=ctx.actor("acme_l1"), available=True)
    for i in _next(ctx, n):
        chat.chat_start(actor=ctx.actor("acme_customer"), body=f"Flow stopped {i}")


def grow_problems(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        problem_create(
            actor=ctx.actor("l2"),
            fields={"title": f"Orders sync problem {i}", "public_summary": f"Summary {i}"},
        )


def grow_trackers(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        Tracker.objects.create(
            name=f"Tracker {i}", kind="github", base_url="https://api.github.com",
            project=f"acme/repo{i}",
        )


def grow_links(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        other = new_ticket(ctx.world, title=f"Linked {i}")
        ticket_link_create(actor=ctx.actor("acme_l1"), ticket_id=ctx.ids["ticket"].pk,
                           other_id=other.pk, kind="relates")


def grow_tokens(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        token_create(email=ctx.world.user("acme_admin").email, name=f"token {i}")


def grow_people(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        user_create(email=f"person{i}@acme.example", organisation=ctx.world.acme,
                    role=Role.CUSTOMER if i % 2 else Role.L1_AGENT, full_name=f"Person {i}")


def grow_connectors(ctx: Ctx, n: int) -> None:
    from tierdesk.connectors.services import connector_create

    for i in _next(ctx, n):
        connector_create(
            actor=ctx.actor("acme_admin"),
            data={"tool": "freshdesk", "name": f"Connector {i}",
                  "base_url": f"https://93.184.215.{i % 200 + 1}", "api_token": f"tok-{i}-x",
                  "agent": ctx.world.user("acme_l1").email},
        )


def grow_staff(ctx: Ctx, n: int) -> None:
    """More vendor L2 agents (the lead's rota lists them with their open tickets)."""
    for i in _next(ctx, n):
        user_create(email=f"agent{i}@vendor.example", organisation=ctx.world.vendor,
                    role=Role.L2_AGENT, full_name=f"Agent {i}")


def grow_time(ctx: Ctx, n: int) -> None:
    from tierdesk.timelog.services import time_log

    for _ in _next(ctx, n):
        time_log(actor=ctx.actor("acme_l1"), ticket_id=ctx.ids["ticket"].pk, minutes=5,
                 kind="reply")


def grow_problem_links(ctx: Ctx, n: int) -> None:
    """More tickets linked to the problem `ctx.ids["problem"]` (made on the first call)."""
    from tierdesk.problems.services import problem_link_ticket

    problem = ctx.ids.setdefault("problem", None)
    if problem is None:
        grow_problems(ctx, 1)
        from tierdesk.problems.models import Problem

        problem = ctx.ids["problem"] = Problem.objects.latest("pk")
    for _ in _next(ctx, n):
        ticket = new_ticket(ctx.world)
        problem_link_ticket(actor=ctx.actor("l2"), problem_id=problem.pk, ticket_id=ticket.pk)


def grow_partners(ctx: Ctx, n: int) -> None:
    from tierdesk.accounts.services import organisation_create

    for i in _next(ctx, n):
        organisation_create(name=f"Partner {i}", kind="partner", display_name=f"Partner {i}")


def one_chat(ctx: Ctx) -> None:
    chat.presence_set(actor=ctx.actor("acme_l1"), available=True)
    started = chat.chat_start(actor=ctx.actor("acme_customer"), body="Flow stopped")
    ctx.ids["chat"] = chat.chat_accept(actor=ctx.actor("acme_l1"), chat_id=started.pk)


def grow_chat_messages(ctx: Ctx, n: int) -> None:
    for i in _next(ctx, n):
        chat.chat_post(actor=ctx.actor("acme_l1"), chat_id=ctx.ids["chat"].pk,
                       body=f"Chat line {i}")


def grow_deflections(ctx: Ctx, n: int) -> None:
    """The customer's earlier "this solved it" records, on one article."""
    from tierdesk.kb.models import Article
    from tierdesk.triage.services import deflection_record

    if "article" not in ctx.ids:
        grow_articles(ctx, 1)
        ctx.ids["article"] = Article.objects.latest("pk")
    for i in _next(ctx, n):
        deflection_record(actor=ctx.actor("acme_customer"), article_id=ctx.ids["article"].pk,
                          text=f"Orders stop {i}")


def grow_parsed_logs(ctx: Ctx, n: int) -> None:
    """Step logs at the ticket's moment, parsed as the task worker parses them."""
    from tierdesk.logs.services import log_parse

    ticket = ctx.ids["ticket"]
    for i in _next(ctx, n):
        attachment = tickets.attachment_add(
            actor=ctx.actor("acme_l1"), ticket_id=ticket.pk,
            file=_log_at(ticket.occurred_at, i), filename=f"run-{i}.log", kind=AttachmentKind.LOG,
        )
        log_parse(attachment_id=attachment.pk)


def grow_categories(ctx: Ctx, n: int) -> None:
    from tierdesk.kb.services import category_create

    for i in _next(ctx, n):
        category_create(actor=ctx.world.actor("admin"), name=f"Category {i}")


def grow_sessions_of(key: str):
    """More signed-in sessions of one person (each a browser of its own)."""
    from django.test import Client

    def grow(ctx: Ctx, n: int) -> None:
        for _ in _next(ctx, n):
            Client().force_login(ctx.world.user(key))

    return grow
