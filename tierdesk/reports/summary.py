"""The reports: each a fixed few set-based statements over a scope and a period,
returning a `Table`. `REPORTS` is the registry the dashboards, the CSV and the API read;
a new measure registers its own report with `register()`. docs/reports.md defines
every figure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from tierdesk.reports import sets as S
from tierdesk.reports import sql as q
from tierdesk.reports.access import Scope
from tierdesk.reports.registry import register, statement
from tierdesk.reports.tables import Column, Table, ratio
from tierdesk.sla.models import ClockKind
from tierdesk.tickets.models import ResolutionCause
from tierdesk.tickets.workflow import HANDOVER_ITEMS

LEVELS = (1, 2, 3)


def item_label(code: str) -> str:
    titles = {item.code: str(item.title) for item in HANDOVER_ITEMS}
    titles["screenshots"] = str(_("Screenshot of the problem"))
    return titles.get(code, code)


# --- summary ---------------------------------------------------------------------------
# (key, label, numerator set, denominator set or None for a plain count)
SUMMARY_ROWS: list[tuple[str, Any, str, str | None]] = [
    ("opened", _("Tickets opened"), "opened", None),
    ("resolved", _("Tickets resolved"), "resolved", None),
    ("l1_fcr_rate", _("L1 first-contact resolution"), "fcr", "opened_resolved"),
    ("handover_rate", _("L1 → L2 handover rate"), "handed_over", "opened"),
    ("first_time_right", _("Handovers complete at the first attempt"), "first_accepted",
     "first_decided"),
    ("l2_resolution_rate", _("L2 resolution rate"), "l2_resolved", "l2_arrived"),
    ("l2_escalation_rate", _("L2 → L3 escalation rate"), "escalated", "l2_arrived"),
    ("overrides", _("Escalations by lead override"), "overridden", None),
    ("reopen_rate", _("Reopen rate"), "reopened", "resolved"),
    ("fix_failure_rate", _("Fix verification failure rate"), "fix_failed", "fix_decided"),
]  # fmt: skip
SLA_KINDS = (
    ClockKind.FIRST_RESPONSE,
    ClockKind.NEXT_RESPONSE,
    ClockKind.RESOLUTION,
    ClockKind.NEEDED_BY,
    ClockKind.CUSTOMER_FIRST,
    ClockKind.CUSTOMER_NEXT,
)


def _counts(scope: Scope, period: q.Period) -> dict[str, int]:
    """Every summary set counted, the handover attempts and the SLA clocks: 1 statement."""
    st = statement(scope, period)
    keys = sorted({k for _k, _l, num, den in SUMMARY_ROWS for k in (num, den) if k})
    parts = [f"(SELECT COUNT(*) FROM ({S.SETS[k].build(set())}) x{i})" for i, k in enumerate(keys)]
    handovers = (
        "SELECT h.outcome FROM tickets_handover h JOIN scope s ON s.id = h.ticket_id "
        f"WHERE {S.IN_RANGE.format(a='h')}"
    )
    parts.append(f"(SELECT COUNT(*) FROM ({handovers}) x WHERE x.outcome <> 'pending')")
    parts.append(f"(SELECT COUNT(*) FROM ({handovers}) x WHERE x.outcome = 'bounced')")
    clocks = (
        "SELECT c.kind, c.met FROM sla_clock c JOIN scope s ON s.id = c.ticket_id WHERE "
        "c.met IS NOT NULL AND c.stopped_at >= %(lo)s AND c.stopped_at < %(hi)s"
    )
    for kind in SLA_KINDS:
        parts.append(f"(SELECT COUNT(*) FROM ({clocks}) x WHERE x.kind = '{kind}')")
        parts.append(
            f"(SELECT COUNT(*) FROM ({clocks}) x WHERE x.kind = '{kind}' AND x.met = {q.true()})"
        )
    (row,) = st.run("SELECT " + ", ".join(parts))
    names = [*keys, "decided_attempts", "bounced_attempts"]
    for kind in SLA_KINDS:
        names += [f"{kind}_clocks", f"{kind}_met"]
    return dict(zip(names, row, strict=True))


def _summary_value(counts: dict[str, int], num: str, den: str | None) -> Any:
    return counts[num] if den is None else ratio(counts[num], counts[den])


@register("summary", _("Summary"))
def summary(scope: Scope, period: q.Period) -> Table:
    now, before = _counts(scope, period), _counts(scope, period.previous())
    prev = period.previous()
    rows: list[dict[str, Any]] = []
    for key, label, num, den in SUMMARY_ROWS:
        rows.append(
            {
                "metric": key,
                "label": str(label),
                "unit": "count" if den is None else "rate",
                "value": _summary_value(now, num, den),
                "numerator": now[num],
                "denominator": now[den] if den else None,
                "previous": _summary_value(before, num, den),
                "_links": {
                    "value": {"set": num},
                    "previous": {"set": num, "from": prev.start, "to": prev.end},
                },
            }
        )
    rows.insert(
        5,
        {
            "metric": "bounce_rate",
            "label": str(_("Handover bounce rate")),
            "unit": "rate",
            "value": ratio(now["bounced_attempts"], now["decided_attempts"]),
            "numerator": now["bounced_attempts"],
            "denominator": now["decided_attempts"],
            "previous": ratio(before["bounced_attempts"], before["decided_attempts"]),
            "_links": {
                "value": {"set": "bounced"},
                "previous": {"set": "bounced", "from": prev.start, "to": prev.end},
            },
        },
    )
    for kind in SLA_KINDS:
        met, total = now[f"{kind}_met"], now[f"{kind}_clocks"]
        rows.append(
            {
                "metric": f"sla_{kind}",
                "label": str(_("%(kind)s met") % {"kind": ClockKind(kind).label}),
                "unit": "rate",
                "value": ratio(met, total),
                "numerator": met,
                "denominator": total,
                "previous": ratio(before[f"{kind}_met"], before[f"{kind}_clocks"]),
                "_links": {
                    "value": {"set": "sla_missed", "kind": kind},
                    "previous": {
                        "set": "sla_missed", "kind": kind, "from": prev.start, "to": prev.end,
                    },
                },
            }
        )  # fmt: skip
    for row in rows:
        if scope.partner_id:
            for link in row["_links"].values():
                link["partner"] = scope.partner_id
    columns = [
        Column("label", _("Measure"), "text"),
        Column("value", _("This period"), "rate"),
        Column("numerator", _("Count"), "int"),
        Column("denominator", _("Out of"), "int"),
        Column("previous", _("Previous period"), "rate"),
    ]
    return Table("summary", _("Summary"), columns, rows)


# --- per level -------------------------------------------------------------------------
@register("levels", _("Per level"))
def levels(scope: Scope, period: q.Period) -> Table:
    st = statement(scope, period, intervals=True)
    st.bind(d_day=period.hi)
    found = st.run(
        f"SELECT 'arrived', e.to_level, COUNT(DISTINCT e.ticket_id) FROM ev e WHERE e.kind IN "
        f"{S.ARRIVALS} AND {S.IN_RANGE.format(a='e')} GROUP BY e.to_level "
        "UNION ALL SELECT 'resolved', e.from_level, COUNT(DISTINCT e.ticket_id) FROM ev e "
        f"WHERE e.kind = 'resolved' AND {S.IN_RANGE.format(a='e')} GROUP BY e.from_level "
        "UNION ALL SELECT 'open', iv.level, COUNT(DISTINCT iv.ticket_id) FROM iv WHERE "
        f"iv.status IN ({q.in_list(q.OPEN_STATUSES)}) AND iv.t0 < %(d_day)s AND "
        "(iv.t1 IS NULL OR iv.t1 >= %(d_day)s) GROUP BY iv.level"
    )
    counts = {(what, level): n for what, level, n in found}
    st2 = statement(scope, period)
    pct = st2.run(q.percentiles_sql(f"({S.timed_sql()}) tl", "level", {"median": 0.5, "p90": 0.9}))
    times = {row[0]: row[-2:] for row in pct}
    rows = []
    for level in LEVELS:
        median, p90 = times.get(level, (None, None))
        rows.append(
            {
                "level": level,
                "arrived": counts.get(("arrived", level), 0),
                "resolved": counts.get(("resolved", level), 0),
                "median_seconds": None if median is None else round(float(median)),
                "p90_seconds": None if p90 is None else round(float(p90)),
                "backlog_at_end": counts.get(("open", level), 0),
                "day": period.end + timedelta(days=1),
            }
        )
    columns = [
        Column("level", _("Level"), "text"),
        Column("arrived", _("Arrived"), drill="arrived", dims=(("level", "level"),)),
        Column("resolved", _("Resolved here"), drill="resolved", dims=(("level", "level"),)),
        Column("median_seconds", _("Time at level, median"), "seconds", "timed",
               (("level", "level"),)),
        Column("p90_seconds", _("Time at level, p90"), "seconds", "timed", (("level", "level"),)),
        Column("backlog_at_end", _("Open at the end"), drill="backlog",
               dims=(("level", "level"), ("day", "day"))),
    ]  # fmt: skip
    return Table("levels", _("Per level"), columns, rows)


@register("l1_causes", _("L1 resolutions by cause"))
def l1_causes(scope: Scope, period: q.Period) -> Table:
    st = statement(scope, period)
    found = st.run(
        "SELECT e.cause, COUNT(DISTINCT e.ticket_id) FROM ev e WHERE e.kind = 'resolved' AND "
        f"e.from_level = 1 AND {S.IN_RANGE.format(a='e')} GROUP BY e.cause ORDER BY 2 DESC, 1"
    )
    labels = dict(ResolutionCause.choices)
    rows = [
        {"cause": cause or "", "label": str(labels.get(cause, cause or "—")), "resolved": n}
        for cause, n in found
    ]
    columns = [
        Column("label", _("Cause"), "text"),
        Column("resolved", _("Resolved at L1"), drill="resolved",
               dims=(("level", ("=", 1)), ("cause", "cause"))),
    ]  # fmt: skip
    return Table("l1_causes", _("L1 resolutions by cause"), columns, rows)
