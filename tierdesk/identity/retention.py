"""Retention rules per partner and plan: closed tickets are anonymised, and the mail about
them deleted, once they are older than the rule's days. The worker applies them hourly
(`identity.retention` in `core.periodic`); `retention_preview` is the dry run — the same
selection, counted, nothing written (the admin's *Preview* action and
`tierdesk retention --dry-run`).

A ticket falls under the most specific active rule: one naming its partner and its
contract's plan, then its partner (any plan), then its plan (any partner), then the rule
for every partner and plan. Anonymising replaces the ticket's texts, handover snapshots,
reproductions and messages and deletes its attachments (`identity.erasure.ticket_erase`,
through `tickets.services.ticket_erase`); the ticket, its states and events stay, so
counts and reports do not change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django_tasks import task

from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM
from tierdesk.directory.models import Contract
from tierdesk.identity.erasure import ERASED, ticket_erase
from tierdesk.identity.models import RetentionRule
from tierdesk.tickets import access as ticket_access
from tierdesk.tickets.models import Status

BATCH = 200


@dataclass(frozen=True)
class RuleEffect:
    rule: RetentionRule
    tickets: int
    mails: int


def _specificity(rule: RetentionRule) -> int:
    return (2 if rule.partner_id else 0) + (1 if rule.plan else 0)


def _rule_tickets(rule: RetentionRule, rules: list[RetentionRule]) -> QuerySet:
    """The tickets this rule governs: matching it, and no more specific active rule."""
    tickets = ticket_access.visible_tickets(SYSTEM)
    if rule.partner_id:
        tickets = tickets.filter(partner_id=rule.partner_id)
    if rule.plan:
        contracts = Contract.objects.filter(plan=rule.plan).values_list("platform_id", flat=True)
        tickets = tickets.filter(contract_id__in=list(contracts))
    for other in rules:
        if other.pk == rule.pk or _specificity(other) <= _specificity(rule):
            continue
        if rule.partner_id and other.partner_id not in (None, rule.partner_id):
            continue
        if rule.plan and other.plan not in ("", rule.plan):
            continue
        q = Q()
        if other.partner_id:
            q &= Q(partner_id=other.partner_id)
        if other.plan:
            plan_contracts = Contract.objects.filter(plan=other.plan).values_list(
                "platform_id", flat=True
            )
            q &= Q(contract_id__in=list(plan_contracts))
        tickets = tickets.exclude(q)
    return tickets


def _due(rule: RetentionRule, rules: list[RetentionRule], now: datetime):
    tickets = _rule_tickets(rule, rules)
    due_tickets = tickets.none()
    if rule.anonymise_closed_after_days:
        edge = now - timedelta(days=rule.anonymise_closed_after_days)
        due_tickets = tickets.filter(status=Status.CLOSED, closed_at__lt=edge).exclude(title=ERASED)
    from tierdesk.mail.models import OutboundMail, OutboundStatus

    mails = OutboundMail.objects.none()
    if rule.delete_mail_after_days:
        edge = now - timedelta(days=rule.delete_mail_after_days)
        mails = OutboundMail.objects.filter(
            ticket_id__in=tickets.values("pk"), created_at__lt=edge
        ).exclude(status=OutboundStatus.PENDING)
    return due_tickets, mails


def _rules() -> list[RetentionRule]:
    return list(RetentionRule.objects.filter(active=True).select_related("partner"))


def retention_preview(*, now: datetime) -> list[RuleEffect]:
    """The dry run: what each active rule would anonymise and delete now."""
    rules = _rules()
    effects = []
    for rule in rules:
        tickets, mails = _due(rule, rules, now)
        effects.append(RuleEffect(rule=rule, tickets=tickets.count(), mails=mails.count()))
    return effects


def retention_apply(*, now: datetime, batch: int = BATCH) -> list[RuleEffect]:
    """Apply every active rule, at most `batch` tickets per rule and run (each ticket in
    its own transaction); returns what was done."""
    rules = _rules()
    effects = []
    for rule in rules:
        tickets, mails = _due(rule, rules, now)
        done = 0
        for ticket_id in list(tickets.values_list("pk", flat=True)[:batch]):
            with transaction.atomic():
                ticket_erase(ticket_id)
            done += 1
        deleted = mails.delete()[0] if rule.delete_mail_after_days else 0
        effects.append(RuleEffect(rule=rule, tickets=done, mails=deleted))
    return effects


@task(queue_name="default")
def apply_retention_rules_task() -> int:
    return sum(e.tickets + e.mails for e in retention_apply(now=clock.now()))
