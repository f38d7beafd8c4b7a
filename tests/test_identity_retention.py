"""Retention rules per partner and plan: the dry run counts and writes nothing; the worker's
run anonymises closed tickets past their days and deletes their mail; the most specific
rule wins; ticket counts stay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import ticket_at
from tierdesk.core import clock
from tierdesk.identity.erasure import ERASED
from tierdesk.identity.models import RetentionRule
from tierdesk.identity.retention import retention_apply, retention_preview
from tierdesk.mail.models import OutboundMail
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_dry_run_counts_and_the_run_anonymises_past_the_days(world):
    # given a closed Acme ticket and a closed Globex ticket, and a rule for Acme: 30 days
    acme = ticket_at(world, "closed")
    globex = ticket_at(world, "closed", partner="globex")
    RetentionRule.objects.create(
        partner=world.acme, anonymise_closed_after_days=30, delete_mail_after_days=30
    )
    # (its mail sent: pending mail is never deleted)
    OutboundMail.objects.filter(ticket=acme).update(status="sent")
    mails_before = OutboundMail.objects.filter(ticket=acme).count()
    assert mails_before > 0
    # when it is 29 days later, nothing is due
    soon = clock.now() + timedelta(days=29)
    assert [(e.tickets, e.mails) for e in retention_preview(now=soon)] == [(0, 0)]
    # when it is 31 days later, the dry run shows the Acme ticket and its mail, and writes
    # nothing
    later = clock.now() + timedelta(days=31)
    [effect] = retention_preview(now=later)
    assert (effect.tickets, effect.mails) == (1, mails_before)
    acme.refresh_from_db()
    assert acme.title != ERASED
    # when the worker applies the rules
    count = Ticket.objects.count()
    retention_apply(now=later)
    # then the Acme ticket's texts are gone and its mail deleted; Globex's is untouched
    acme.refresh_from_db()
    globex.refresh_from_db()
    assert acme.title == ERASED and acme.description == ERASED and acme.status == "closed"
    assert OutboundMail.objects.filter(ticket=acme).count() == 0
    assert globex.title != ERASED
    assert Ticket.objects.count() == count
    # and a second run has nothing left to do
    assert [(e.tickets, e.mails) for e in retention_preview(now=later)] == [(0, 0)]


def test_the_most_specific_rule_wins(world):
    ticket = ticket_at(world, "closed")
    # a rule for every partner (10 days) and one for Acme (100 days)
    RetentionRule.objects.create(anonymise_closed_after_days=10)
    RetentionRule.objects.create(partner=world.acme, anonymise_closed_after_days=100)
    later = clock.now() + timedelta(days=11)
    retention_apply(now=later)
    ticket.refresh_from_db()
    assert ticket.title != ERASED  # Acme's own rule (100 days) governs it
    globex = ticket_at(world, "closed", partner="globex")
    retention_apply(now=later)
    globex.refresh_from_db()
    assert globex.title == ERASED  # the rule for every partner governs Globex
