"""A calendar change re-plans the running clocks on it: the stored deadlines and the
ticket's denormalised SLA fields move, no risk or breach fires for the old time, the
re-plan is idempotent and takes a constant number of statements per batch."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import new_ticket
from tierdesk.core.actor import SYSTEM
from tierdesk.core.clock import travel_to
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.sla import selectors, services
from tierdesk.sla.models import Calendar, Clock, ManualDay, Policy, SlaEvent
from tierdesk.sla.tasks import sla_sweep_task
from tierdesk.tickets import services as tickets

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
MONDAY = datetime(2026, 11, 30, 9, tzinfo=BERLIN)
TUESDAY = date(2026, 12, 1)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def fresh_calendar_values():
    # Calendar values are cached per process by (id, updated_at, revision); rolled-back
    # tests reuse those numbers with other data.
    selectors._cache.clear()
    yield
    selectors._cache.clear()


@pytest.fixture
def policies(db):
    # premium/normal on support hours (Mon–Fri 09–18): resolution 16 working hours.
    Policy.objects.filter(plan="premium", priority="normal", incident=False).update(
        first_response=4 * H, next_response=2 * H, resolution=16 * H
    )


def taken(world, n: int = 1) -> list:
    """Tickets opened and taken Monday 09:00: the resolution clock runs, due Tue 16:00;
    the first response is met, so the resolution is the ticket's next deadline."""
    out = []
    with travel_to(MONDAY):
        for _ in range(n):
            ticket = new_ticket(world, occurred_at=MONDAY - H)
            tickets.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
            # (a public answer meets the customer's own first response too)
            tickets.message_add(
                actor=world.actor("acme_l1"), ticket_id=ticket.pk, body="We are on it."
            )
            out.append(ticket)
    return out


def resolution(ticket) -> Clock:
    return Clock.objects.get(ticket=ticket, kind="resolution")


def close_tuesday(now: datetime = MONDAY + H) -> None:
    services.calendar_day_set(
        actor=SYSTEM, calendar_code="support-hours", day=TUESDAY, now=now, name="Works outing"
    )


def test_a_holiday_tomorrow_moves_the_stored_deadline_by_a_working_day(world, policies):
    (t,) = taken(world)
    # given a resolution due Tue 16:00, which is the ticket's next deadline
    assert resolution(t).due_at == berlin(2026, 12, 1, 16)
    t.refresh_from_db()
    assert t.next_deadline == berlin(2026, 12, 1, 16)
    cycle = resolution(t).cycle
    # when Tuesday is closed and the worker's re-plan runs
    close_tuesday()
    assert Calendar.objects.get(code="support-hours").replan_pending
    result = services.replan_dirty(now=MONDAY + H)
    # then the clock and the ticket are due Wed 16:00, a new cycle, the calendar clean
    # (two clocks moved: the resolution, and the risk moment of the needed_by deadline)
    assert result == {"calendars": 1, "clocks": 2}
    assert Clock.objects.get(ticket=t, kind="needed_by").due_at == t.needed_by
    clock = resolution(t)
    assert clock.due_at == berlin(2026, 12, 2, 16) and clock.cycle == cycle + 1
    assert clock.at_risk_at == berlin(2026, 12, 2, 12)  # 75 % of 16 h: 9 h Mon + 3 h Wed
    t.refresh_from_db()
    assert t.next_deadline == berlin(2026, 12, 2, 16)
    assert not Calendar.objects.get(code="support-hours").replan_pending


def test_no_breach_and_no_event_at_the_old_time(world, policies):
    (t,) = taken(world)
    close_tuesday()
    # when the periodic job runs after the old deadline (Tue 16:30), twice
    with travel_to(berlin(2026, 12, 1, 16, 30)):
        sla_sweep_task.call()
    with travel_to(berlin(2026, 12, 1, 16, 31)):
        sla_sweep_task.call()
    # then the resolution neither breached nor turned at risk, and nothing was announced
    clock = resolution(t)
    assert not clock.breached and not clock.at_risk
    assert not SlaEvent.objects.filter(ticket=t, clock_kind="resolution").exists()
    t.refresh_from_db()
    assert not t.sla_breached and not t.sla_at_risk
    # and it breaches at the new time, once
    services.sweep_and_notify(now=berlin(2026, 12, 2, 16, 1))
    kinds = SlaEvent.objects.filter(ticket=t, clock_kind="resolution").values_list("kind", "due_at")
    assert list(kinds) == [("breached", berlin(2026, 12, 2, 16))]


def test_the_sweep_leaves_a_changed_calendar_alone_until_it_is_re_planned(world, policies):
    (t,) = taken(world)
    # given Tuesday closed but the re-plan not run yet (the task is still queued)
    close_tuesday()
    assert resolution(t).due_at == berlin(2026, 12, 1, 16)
    # when the sweep alone runs past the stale deadline
    result = services.sweep(now=berlin(2026, 12, 1, 16, 30))
    # then nothing on that calendar turns
    assert (result.breached, result.at_risk) == (0, 0)
    assert not SlaEvent.objects.filter(ticket=t).exists()


def test_a_breach_already_announced_is_withdrawn_when_the_deadline_moves_away(world, policies):
    (t,) = taken(world)
    # given the resolution at risk (Tue 13:00 passed) and announced
    services.sweep_and_notify(now=berlin(2026, 12, 1, 13, 30))
    assert resolution(t).at_risk
    # when Tuesday becomes a holiday after all (used time that day no longer counts)
    close_tuesday(now=berlin(2026, 12, 1, 13, 31))
    services.replan_dirty(now=berlin(2026, 12, 1, 13, 31))
    # then the flag is off, the ticket too, and it may turn again at the new moment
    clock = resolution(t)
    assert not clock.at_risk and clock.at_risk_at == berlin(2026, 12, 2, 12)
    t.refresh_from_db()
    assert not t.sla_at_risk
    services.sweep_and_notify(now=berlin(2026, 12, 2, 12, 1))
    assert SlaEvent.objects.filter(ticket=t, kind="at_risk", clock_kind="resolution").count() == 2


def test_changing_weekly_hours_re_plans(world, policies):
    (t,) = taken(world)
    # when Tuesdays become 09:00–13:00 (4 h instead of 9 h)
    services.calendar_hours_set(
        actor=SYSTEM,
        calendar_code="support-hours",
        weekday=1,
        hours=[(time(9), time(13))],
        now=MONDAY + H,
    )
    services.replan_dirty(now=MONDAY + H)
    # then 9 h Monday + 4 h Tuesday leave 3 h for Wednesday: due Wed 12:00
    assert resolution(t).due_at == berlin(2026, 12, 2, 12)
    t.refresh_from_db()
    assert t.next_deadline == berlin(2026, 12, 2, 12)


def test_the_re_plan_is_idempotent(world, policies):
    (t,) = taken(world)
    close_tuesday()
    services.replan_dirty(now=MONDAY + H)
    clock = resolution(t)
    # when it runs again (nothing dirty) or is forced on the same calendar
    assert services.replan_dirty(now=MONDAY + 2 * H) == {"calendars": 0, "clocks": 0}
    office = Calendar.objects.get(code="support-hours")
    assert services.replan_calendar(calendar_id=office.pk, now=MONDAY + 2 * H) == 0
    # then nothing moved, not even the cycle
    again = resolution(t)
    assert (again.due_at, again.cycle) == (clock.due_at, clock.cycle)


def test_stopped_clocks_and_other_calendars_are_untouched(world, policies):
    (t,) = taken(world)
    first = Clock.objects.get(ticket=t, kind="first_response")
    assert first.state == "stopped"
    # when the 24/7 calendar changes
    services.calendar_changed(calendar_id=Calendar.objects.get(code="24x7").pk, now=MONDAY)
    services.replan_dirty(now=MONDAY + H)
    assert resolution(t).due_at == berlin(2026, 12, 1, 16)
    # and when the office calendar changes, the stopped clock keeps its record
    close_tuesday()
    services.replan_dirty(now=MONDAY + H)
    again = Clock.objects.get(pk=first.pk)
    assert (again.due_at, again.cycle, again.met) == (first.due_at, first.cycle, first.met)


def test_a_change_made_during_the_re_plan_leaves_the_calendar_dirty(world, policies):
    taken(world)
    close_tuesday()
    office = Calendar.objects.get(code="support-hours")
    # given a re-plan that read revision r, and a second change committed meanwhile
    services.calendar_changed(calendar_id=office.pk, now=MONDAY + H)
    services.replan_calendar(calendar_id=office.pk, now=MONDAY + H)
    office.refresh_from_db()
    assert not office.replan_pending
    # a re-plan that started before the second change would have marked only r
    services.calendar_changed(calendar_id=office.pk, now=MONDAY + H)
    office.refresh_from_db()
    assert office.replan_pending and office.planned_revision == office.revision - 1


def test_statements_per_batch_do_not_grow_with_the_batch(world, policies):
    taken(world, 2)
    close_tuesday()
    office = Calendar.objects.get(code="support-hours")
    with CaptureQueriesContext(connection) as few:
        services.replan_calendar(calendar_id=office.pk, now=MONDAY + H, batch=100)
    taken(world, 8)
    # Tuesday back to an ordinary working day: ten tickets to move back
    ManualDay.objects.filter(calendar=office, year=2026, month=12, day=1).delete()
    services.calendar_changed(calendar_id=office.pk, now=MONDAY + H)
    with CaptureQueriesContext(connection) as many:
        moved = services.replan_calendar(calendar_id=office.pk, now=MONDAY + H, batch=100)
    assert moved >= 10
    assert len(many) == len(few)


def test_batches_are_bounded(world, policies):
    batch = taken(world, 3)
    close_tuesday()
    office = Calendar.objects.get(code="support-hours")
    # when the re-plan takes one clock per transaction
    moved = services.replan_calendar(calendar_id=office.pk, now=MONDAY + H, batch=1)
    # then every live clock was still re-planned
    assert moved >= 3
    assert {resolution(t).due_at for t in batch} == {berlin(2026, 12, 2, 16)}


def test_calendar_changes_are_refused_to_non_admins_and_bad_input_names_the_field(world):
    with pytest.raises(Forbidden):
        services.calendar_day_set(
            actor=world.actor("l2"), calendar_code="support-hours", day=TUESDAY, now=MONDAY
        )
    with pytest.raises(InvalidInput) as bad:
        services.calendar_day_set(
            actor=SYSTEM,
            calendar_code="support-hours",
            day=TUESDAY,
            now=MONDAY,
            kind="short",
            hours=(time(13), time(9)),
        )
    assert bad.value.fields
    with pytest.raises(InvalidInput) as bad:
        services.calendar_hours_set(
            actor=SYSTEM, calendar_code="support-hours", weekday=9, hours=[], now=MONDAY
        )
    assert "weekday" in bad.value.fields
    # nothing was written, nothing marked
    assert not Calendar.objects.get(code="support-hours").replan_pending


def _calendar_form(office: Calendar, extra_day: dict | None = None) -> dict:
    data = {
        "code": office.code,
        "name": office.name,
        "time_zone": office.time_zone,
        "holiday_regions": office.holiday_regions,
    }
    hours = list(office.hours.all())
    data.update({"hours-TOTAL_FORMS": len(hours), "hours-INITIAL_FORMS": len(hours)})
    for i, row in enumerate(hours):
        data.update(
            {
                f"hours-{i}-id": row.pk,
                f"hours-{i}-calendar": office.pk,
                f"hours-{i}-weekday": row.weekday,
                f"hours-{i}-start": row.start.strftime("%H:%M"),
                f"hours-{i}-end": row.end.strftime("%H:%M"),
            }
        )
    days = list(office.days.all())
    rows = [
        {
            "id": d.pk,
            "year": d.year or "",
            "month": d.month,
            "day": d.day,
            "kind": d.kind,
            "start": d.start.strftime("%H:%M") if d.start else "",
            "end": d.end.strftime("%H:%M") if d.end else "",
            "name": d.name,
        }
        for d in days
    ]
    if extra_day:
        rows.append({"id": "", "start": "", "end": "", "name": "", **extra_day})
    data.update({"days-TOTAL_FORMS": len(rows), "days-INITIAL_FORMS": len(days)})
    for i, row in enumerate(rows):
        data.update({f"days-{i}-{k}": v for k, v in row.items()})
        data[f"days-{i}-calendar"] = office.pk
    return data


def test_an_admin_adding_a_holiday_re_plans_within_the_minute(client, world, policies):
    (t,) = taken(world)
    office = Calendar.objects.get(code="support-hours")
    client.force_login(world.user("admin"))
    # when the admin closes Tuesday in the calendar's change form
    url = reverse("admin:sla_calendar_change", args=[office.pk])
    with travel_to(MONDAY + H):
        answer = client.post(
            url, _calendar_form(office, {"year": 2026, "month": 12, "day": 1, "kind": "closed"})
        )
    assert answer.status_code == 302, answer.content[:2000]
    # then the calendar is dirty, and the next sweep job re-plans it (after sweeping)
    assert Calendar.objects.get(pk=office.pk).replan_pending
    with travel_to(berlin(2026, 12, 1, 16, 30)):
        sla_sweep_task.call()
    assert resolution(t).due_at == berlin(2026, 12, 2, 16)
    assert not SlaEvent.objects.filter(ticket=t, clock_kind="resolution").exists()


def test_the_cli_closes_a_day_and_re_plans(world, policies, capsys):
    from tierdesk import cli

    (t,) = taken(world)
    # when an operator closes Tuesday and re-plans at once
    with travel_to(MONDAY + H):
        assert cli.main(["calendar", "day", "support-hours", "2026-12-01", "--name", "Outing"]) == 0
        assert cli.main(["calendar", "replan"]) == 0
    out = capsys.readouterr().out
    assert "re-planned within a minute" in out and "2 clock(s) moved" in out
    assert resolution(t).due_at == berlin(2026, 12, 2, 16)
    # bad input is refused with the reason, exit 2, nothing changed
    assert cli.main(["calendar", "hours", "support-hours", "tue", "13:00-09:00"]) == 2
    assert "hours" in capsys.readouterr().err
    assert cli.main(["calendar", "day", "support-hours", "2026-13-01"]) == 2
    assert not Calendar.objects.get(code="support-hours").replan_pending


def test_a_failing_re_plan_does_not_stop_the_sweep(world, policies, monkeypatch):
    (t,) = taken(world)
    close_tuesday()
    import importlib

    sweep_module = importlib.import_module("tierdesk.sla.services.sweep")

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sweep_module, "replan_dirty", broken)
    # when the re-plan fails inside the periodic job, past the old deadline
    result = services.sweep_and_notify(now=berlin(2026, 12, 1, 16, 30))
    # then the job still swept, and the clock on the changed calendar did not turn
    assert result["replanned"] == 0 and result["rounds"] == 1
    assert not SlaEvent.objects.filter(ticket=t, clock_kind="resolution").exists()
