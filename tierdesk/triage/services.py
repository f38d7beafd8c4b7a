"""Every write of triage, each keyword-only with the actor first.

- `deflection_record`: a customer marks an article as having solved their problem; no
  ticket is opened, the deflection is kept for the reports.
- `probe_run`: L1 probes an endpoint from a ticket; kept as a Probe and an internal note.
- `article_send`: an article goes to the customer as a public reply.
- `ticket_resolve_with_cause`: resolve at L1 with a triage cause (the ticket keeps the
  matching resolution cause).
- `rule_save`: a vendor admin's new or changed rule (the admin calls it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.kb.access import get_article
from tierdesk.kb.models import Article, ArticleStatus, Audience
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Ticket
from tierdesk.triage import probe as probing
from tierdesk.triage import selectors
from tierdesk.triage.models import (
    RESOLUTION_CAUSE,
    Cause,
    Deflection,
    Probe,
    Resolution,
    Rule,
    RuleVersion,
)

DEFLECTION_TEXT = 2000


@transaction.atomic
def deflection_record(*, actor: Actor, article_id: int, text: str = "") -> Deflection:
    """Refused (Forbidden) for anyone but a customer; NotFound for an article they may
    not read. The cause is what triage finds in the text they had typed."""
    if not actor.is_customer or actor.org_id is None:
        raise Forbidden("Only customers deflect their own reports.")
    article = get_article(actor, article_id)
    if not article.is_published:
        raise NotFound("Article not found.")
    findings = selectors.diagnose_text(actor, text=text)
    cause = next((f["cause"] for f in findings if (f["article"] or {}).get("id") == article.pk), "")
    if not cause and findings:
        cause = findings[0]["cause"]
    return Deflection.objects.create(
        partner_id=actor.org_id,
        customer=actor.user,
        article=article,
        cause=cause,
        text=(text or "")[:DEFLECTION_TEXT],
        created_at=clock.now(),
    )


def _staff_ticket(actor: Actor, ticket_id: int) -> Ticket:
    if actor.is_customer:
        raise Forbidden("Only agents do this.")
    return get_ticket(actor, ticket_id)


def probe_run(*, actor: Actor, ticket_id: int, url: str) -> Probe:
    """Probe `url` (network I/O outside any transaction), then record it: a Probe row and
    an internal note on the ticket. InvalidInput (field `url`) for a malformed or refused
    target; NotFound for a ticket the actor may not see; WrongState for a closed ticket."""
    ticket = _staff_ticket(actor, ticket_id)
    report = probing.run(
        url,
        now=clock.now(),
        allow_private=settings.TIERDESK_PROBE_ALLOW_PRIVATE,
        timeout=settings.TIERDESK_PROBE_TIMEOUT,
    )
    with transaction.atomic():
        ticket_services.message_add(
            actor=actor,
            ticket_id=ticket.pk,
            body=f"{selectors.PROBE_NOTE_MARK} {report.url} — "
            + ("reachable" if report.ok else "FAILED")
            + "\n\n"
            + "\n".join(
                f"- {s['step']}: {'ok' if s['ok'] else 'failed'} — {s['detail']}"
                for s in report.steps
            ),
            internal=True,
        )
        return Probe.objects.create(
            ticket=ticket,
            url=report.url,
            ok=report.ok,
            summary=report.summary,
            steps=report.steps,
            created_by=actor.user,
            created_at=clock.now(),
        )


def _sendable(ticket: Ticket, article: Article) -> None:
    """Only an article the ticket's customer may read goes to them."""
    readable = article.status == ArticleStatus.PUBLISHED and (
        article.audience == Audience.PUBLIC
        or (article.audience == Audience.PARTNER and article.partner_id == ticket.partner_id)
    )
    if not readable:
        raise InvalidInput(
            {"article": "is not published for this customer (internal, draft or another partner's)"}
        )


def article_reply_body(article: Article, base_url: str = "") -> str:
    link = base_url + reverse("portal:kb-article", args=[article.pk, article.slug])
    return f"**{article.title}**\n\n{article.body.strip()}\n\n({link})"


def article_send(*, actor: Actor, ticket_id: int, article_id: int, base_url: str = ""):
    """The article as a public reply to the customer."""
    ticket = _staff_ticket(actor, ticket_id)
    article = get_article(actor, article_id)
    _sendable(ticket, article)
    return ticket_services.message_add(
        actor=actor, ticket_id=ticket.pk, body=article_reply_body(article, base_url)
    )


@transaction.atomic
def ticket_resolve_with_cause(
    *, actor: Actor, ticket_id: int, cause: str, resolution: str, version: int | None = None
) -> Ticket:
    """Resolve through the ticket's own `resolve` action (its gate and refusals apply),
    with the resolution cause of this triage cause; keep the triage cause alongside."""
    if cause not in Cause.values:
        raise InvalidInput({"cause": f"must be one of {', '.join(Cause.values)}"})
    ticket = ticket_services.ticket_resolve(
        actor=actor,
        ticket_id=ticket_id,
        resolution=resolution,
        cause=RESOLUTION_CAUSE[Cause(cause)],
        version=version,
    )
    rule_article = next(
        (f["article"] for f in selectors.ticket_findings(actor, ticket) if f["cause"] == cause),
        None,
    )
    Resolution.objects.create(
        ticket=ticket,
        cause=cause,
        article_id=(rule_article or {}).get("id"),
        created_by=actor.user,
        created_at=clock.now(),
    )
    return ticket


@transaction.atomic
def rule_save(*, actor: Actor, rule: Rule) -> Rule:
    """Save a new rule, or a changed one keeping the rule as it was (a RuleVersion naming
    who replaced it) and raising its version. Forbidden unless a vendor admin (or the
    system). The caller has run `rule.full_clean()` (the admin form does)."""
    if not (actor.is_system or (actor.is_vendor and actor.role == "admin")):
        raise Forbidden("Only vendor admins change triage rules.")
    if rule.pk is not None:
        before = Rule.objects.select_for_update().get(pk=rule.pk)
        RuleVersion.objects.create(
            rule=before,
            version=before.version,
            cause=before.cause,
            patterns=before.patterns,
            excludes=before.excludes,
            confidence=before.confidence,
            article_id=before.article_id,
            examples=before.examples,
            enabled=before.enabled,
            replaced_by=actor.user,
            replaced_at=clock.now(),
        )
        rule.version = before.version + 1
    rule.save()
    return rule
