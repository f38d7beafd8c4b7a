"""A hand-built week of tickets for the report tests: every move at a known minute,
through the ordinary services under `clock.travel_to`, so each figure can be worked out
by hand (see the comments in test_reports_metrics.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.factories import World, new_ticket, record_reproduction
from tierdesk.core.clock import travel_to
from tierdesk.tickets import services

# Tuesday 3 November 2026, 09:00 UTC (10:00 in Berlin): inside the week 2–8 November.
DAY = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return DAY + timedelta(minutes=minutes)


def _open(world: World, partner: str, minutes: int):
    with travel_to(at(minutes)):
        return new_ticket(
            world,
            partner,
            occurred_at=at(minutes) - timedelta(hours=3),
            needed_by=at(minutes) + timedelta(days=2),
        )


def _do(minutes: int, fn, **kwargs):
    with travel_to(at(minutes)):
        return fn(**kwargs)


def build_week(world: World) -> dict[str, int]:
    """A: L1 first-contact resolution. B: L1 resolution after waiting on the customer.
    C: handed over, resolved at L2. D (Globex): bounced once, then resolved at L2.
    E: escalated to L3, the fix fails verification, stays at L3.
    F: resolved at L1 then reopened. P: opened in the previous week."""
    w = world
    l1 = lambda: w.actor("acme_l1")  # noqa: E731
    l2 = lambda: w.actor("l2")  # noqa: E731
    ids: dict[str, int] = {}

    with travel_to(DAY - timedelta(days=7)):
        ids["P"] = new_ticket(w, occurred_at=DAY - timedelta(days=7, hours=3), needed_by=DAY).pk

    a = ids["A"] = _open(w, "acme", 0).pk
    _do(30, services.ticket_take, actor=l1(), ticket_id=a)
    _do(90, services.ticket_resolve, actor=l1(), ticket_id=a, resolution="Key", cause="credentials")

    b = ids["B"] = _open(w, "acme", 0).pk
    _do(10, services.ticket_take, actor=l1(), ticket_id=b)
    _do(20, services.ticket_ask_customer, actor=l1(), ticket_id=b, message="Which order?")
    _do(
        140,
        services.ticket_customer_reply,
        actor=w.actor("acme_customer"),
        ticket_id=b,
        message="Order 4711",
    )
    _do(170, services.ticket_resolve, actor=l1(), ticket_id=b, resolution="Use X", cause="usage")

    c = ids["C"] = _open(w, "acme", 0).pk
    _do(5, services.ticket_take, actor=l1(), ticket_id=c)
    _do(35, services.ticket_hand_over, actor=l1(), ticket_id=c)
    _do(95, services.ticket_take, actor=l2(), ticket_id=c)
    _do(
        215,
        services.ticket_resolve,
        actor=l2(),
        ticket_id=c,
        resolution="Cfg",
        cause="configuration",
    )

    g = w.actor("globex_l1")
    d = ids["D"] = _open(w, "globex", 0).pk
    _do(15, services.ticket_take, actor=g, ticket_id=d)
    _do(45, services.ticket_hand_over, actor=g, ticket_id=d)
    _do(
        105,
        services.ticket_bounce,
        actor=l2(),
        ticket_id=d,
        items=["platform_ids", "logs"],
        note="Wrong flow",
    )
    _do(165, services.ticket_hand_over, actor=g, ticket_id=d)
    _do(225, services.ticket_take, actor=l2(), ticket_id=d)
    _do(
        285,
        services.ticket_resolve,
        actor=l2(),
        ticket_id=d,
        resolution="Cfg",
        cause="configuration",
    )

    e = ids["E"] = _open(w, "acme", 0).pk
    _do(10, services.ticket_take, actor=l1(), ticket_id=e)
    _do(20, services.ticket_hand_over, actor=l1(), ticket_id=e)
    _do(30, services.ticket_take, actor=l2(), ticket_id=e)
    with travel_to(at(40)):
        record_reproduction(w, e)
    _do(50, services.ticket_escalate, actor=l2(), ticket_id=e)
    _do(60, services.ticket_take, actor=w.actor("l3"), ticket_id=e)
    _do(120, services.ticket_deliver_fix, actor=w.actor("l3"), ticket_id=e, reference="HF-1")
    _do(150, services.ticket_verify_fix, actor=l2(), ticket_id=e, passed=False, notes="Still 401")

    f = ids["F"] = _open(w, "acme", 0).pk
    _do(10, services.ticket_take, actor=l1(), ticket_id=f)
    _do(20, services.ticket_resolve, actor=l1(), ticket_id=f, resolution="Key", cause="credentials")
    _do(80, services.ticket_reopen, actor=w.actor("acme_customer"), ticket_id=f, reason="No")
    return ids


def build_outcomes(world: World, ids: dict[str, int]) -> dict[str, int]:
    """On top of `build_week`: the customers' ratings, reports deflected in the portal and
    problem records, each at a known minute (the figures are worked out in
    test_reports_outcomes.py).

    Ratings: A 5 (min 300), B 2 (320), C 4 (330), D 1 (340, Globex).
    Deflections: Acme 2 credentials + 1 without cause, Globex 1 dns (this week); Acme 1
    the week before. Problems: X opened at 50 by E's escalation (named at 300), then D
    (Globex) and C linked, fix delivered at 3180; Y opened at 400 with B, still open; Z
    opened the week before with P, closed at 500."""
    from tierdesk.accounts.models import Organisation
    from tierdesk.kb.models import Article
    from tierdesk.problems.access import ticket_problem
    from tierdesk.problems.services import fixes, records
    from tierdesk.satisfaction import services as rating
    from tierdesk.triage.models import Deflection

    w = world
    out: dict[str, int] = {}
    for key, customer, score, minutes, comment in (
        ("A", "acme_customer", 5, 300, ""),
        ("B", "acme_customer", 2, 320, "Took ages"),
        ("C", "acme_customer", 4, 330, ""),
        ("D", "globex_customer", 1, 340, "Still broken for us"),
    ):
        _do(minutes, rating.rating_submit, actor=w.actor(customer), ticket_id=ids[key],
            score=score, comment=comment)  # fmt: skip

    article = Article.objects.create(title="Renew your API key", slug="renew-key", body="…")
    partners: dict[str, Organisation] = {"acme": w.acme, "globex": w.globex}
    for partner, cause, minutes in (
        ("acme", "credentials", 60),
        ("acme", "credentials", 600),
        ("acme", "", 700),
        ("globex", "dns", 800),
        ("acme", "credentials", -3 * 1440),
    ):
        Deflection.objects.create(
            partner=partners[partner],
            customer=w.user(f"{partner}_customer"),
            article=article if cause else None,
            cause=cause,
            created_at=at(minutes),
        )

    l2, l3 = w.actor("l2"), w.actor("l3")
    with travel_to(DAY - timedelta(days=7)):
        z = records.problem_create(
            actor=l2, fields={"title": "Z", "public_summary": "Old"}, ticket_id=ids["P"]
        )
    # E's escalation at minute 50 opened its problem (every escalation ends on one): X.
    x = ticket_problem(l2, ids["E"])
    _do(300, records.problem_update, actor=l2, problem_id=x.pk,
        fields={"title": "X", "public_summary": "401 on sync"})  # fmt: skip
    _do(310, records.problem_link_ticket, actor=l2, problem_id=x.pk, ticket_id=ids["D"])
    _do(320, records.problem_link_ticket, actor=l2, problem_id=x.pk, ticket_id=ids["C"])
    y = _do(400, records.problem_create, actor=l2,
            fields={"title": "Y", "public_summary": "Slow"}, ticket_id=ids["B"])  # fmt: skip
    _do(500, fixes.problem_close, actor=l3, problem_id=z.pk)
    _do(3180, fixes.problem_deliver_fix, actor=l3, problem_id=x.pk, reference="HF-2")
    out.update(X=x.pk, Y=y.pk, Z=z.pk)
    return out
