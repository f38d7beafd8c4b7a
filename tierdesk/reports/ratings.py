"""Satisfaction: the customers' ratings (`satisfaction.Rating`, one per resolution) per
level, partner and agent — how many, the average, the distribution of scores, and the
response rate (the share of the tickets resolved in the period whose resolution was
rated). The figures count the same rows as `satisfaction.selectors.ratings_by`; here
they are set-based SQL over the reader's scope so each one drills down to its tickets."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tierdesk.reports import sets as S
from tierdesk.reports import sql as q
from tierdesk.reports.access import Scope
from tierdesk.reports.registry import register
from tierdesk.reports.tables import Column, Table, ratio

SCORES = (1, 2, 3, 4, 5)
_RATINGS = "satisfaction_rating r JOIN scope s ON s.id = r.ticket_id"


def _ratings_where(dims: set[str], when: str) -> str:
    where = [when]
    for dim, column in (("level", "r.level"), ("agent", "r.agent_id"), ("score", "r.score")):
        if dim in dims:
            where.append(f"{column} = %(d_{dim})s")
    return " AND ".join(where)


def _rated(dims: set[str]) -> str:
    """Tickets with a rating given in the period."""
    where = _ratings_where(dims, S.IN_RANGE.format(a="r"))
    return f"SELECT DISTINCT r.ticket_id FROM {_RATINGS} WHERE {where}"


def _rating_due(dims: set[str]) -> str:
    """Tickets resolved in the period (each resolution may be rated)."""
    where = ["e.kind = 'resolved'", S.IN_RANGE.format(a="e")]
    if "level" in dims:
        where.append("e.from_level = %(d_level)s")
    if "agent" in dims:
        where.append("e.actor_id = %(d_agent)s")
    return f"SELECT DISTINCT e.ticket_id FROM ev e WHERE {' AND '.join(where)}"


def _rated_resolution(dims: set[str]) -> str:
    """Tickets resolved in the period whose resolution in it was rated (whenever)."""
    when = "r.resolved_at >= %(lo)s AND r.resolved_at < %(hi)s"
    return f"SELECT DISTINCT r.ticket_id FROM {_RATINGS} WHERE {_ratings_where(dims, when)}"


for _set in (
    S.TicketSet("rated", _("Rated by the customer"), _rated, ("level", "agent", "score")),
    S.TicketSet("rating_due", _("Resolved (could be rated)"), _rating_due, ("level", "agent")),
    S.TicketSet("rated_resolution", _("Resolved and rated"), _rated_resolution, ("level", "agent")),
):
    S.register(_set)

# group -> (the rating's column, the resolved event's column)
_GROUPS = {
    "all": ("CAST(NULL AS INTEGER)", "CAST(NULL AS INTEGER)"),
    "level": ("r.level", "e.level"),
    "partner": ("r.partner_id", "e.partner_id"),
    "agent": ("r.agent_id", "e.agent_id"),
}
# The scope's ratings given or rating a resolution in the period, and its resolutions in
# the period: each read once (a CTE the twelve parts below share), not once per part.
_RR = (
    "rr AS (SELECT r.ticket_id, r.score, r.level, r.partner_id, r.agent_id, r.created_at, "
    f"r.resolved_at FROM {_RATINGS} WHERE ({S.IN_RANGE.format(a='r')}) OR "
    "(r.resolved_at >= %(lo)s AND r.resolved_at < %(hi)s))"
)
_DD = (
    "dd AS (SELECT DISTINCT e.ticket_id, e.from_level AS level, e.actor_id AS agent_id, "
    "t.partner_id FROM ev e JOIN tickets_ticket t ON t.id = e.ticket_id "
    f"WHERE e.kind = 'resolved' AND {S.IN_RANGE.format(a='e')})"
)


def _body() -> str:
    """One row per (group, key, measure): 'rated' (count, sum and each score's count of the
    ratings given in the period), 'due' (tickets resolved), 'answered' (of those, rated)."""
    zeros = ", ".join("0" for _s in SCORES)
    scores = ", ".join(f"SUM(CASE WHEN r.score = {n} THEN 1 ELSE 0 END) AS s{n}" for n in SCORES)
    parts = []
    for group, (rating_key, event_key) in _GROUPS.items():
        by = "" if group == "all" else f" GROUP BY {rating_key}"
        by_event = "" if group == "all" else f" GROUP BY {event_key}"
        parts.append(
            f"SELECT '{group}' AS grp, {rating_key} AS k, 'rated' AS m, COUNT(*) AS n, "
            f"SUM(r.score) AS total, {scores} FROM rr r "
            f"WHERE {S.IN_RANGE.format(a='r')}{by}"
        )
        parts.append(
            f"SELECT '{group}', {event_key}, 'due', COUNT(DISTINCT e.ticket_id), 0, {zeros} "
            f"FROM dd e{by_event}"
        )
        parts.append(
            f"SELECT '{group}', {rating_key}, 'answered', COUNT(DISTINCT r.ticket_id), 0, "
            f"{zeros} FROM rr r WHERE r.resolved_at >= %(lo)s AND "
            f"r.resolved_at < %(hi)s{by}"
        )
    score_cols = ", ".join(f"x.s{n}" for n in SCORES)
    return (
        f"SELECT x.grp, x.k, x.m, x.n, x.total, {score_cols}, o.name, "
        "COALESCE(NULLIF(u.full_name, ''), u.email) "
        f"FROM ({' UNION ALL '.join(parts)}) x "
        "LEFT JOIN accounts_organisation o ON x.grp = 'partner' AND o.id = x.k "
        "LEFT JOIN accounts_user u ON x.grp = 'agent' AND u.id = x.k"
    )


def _label(group: str, key: Any, partner: str | None, agent: str | None) -> str:
    if group == "all":
        return str(_("All ratings"))
    if group == "level":
        return f"L{key}" if key is not None else "—"
    if group == "partner":
        return partner or "—"
    return agent or "—"


_ORDER = {"all": 0, "level": 1, "partner": 2, "agent": 3}
_BY = {"all": _("All"), "level": _("Level"), "partner": _("Partner"), "agent": _("Agent")}


def rating_rows(scope: Scope, period: q.Period) -> list[dict[str, Any]]:
    st = q.Statement(scope)
    st.period(period)
    st.with_events()
    st.ctes += [_RR, _DD]
    found = st.run(_body())
    rows: dict[tuple[str, Any], dict[str, Any]] = {}
    for grp, key, measure, n, total, *rest in found:
        scores, (partner, agent) = rest[: len(SCORES)], rest[len(SCORES) :]
        if grp != "all" and key is None:
            continue  # a rating without an agent (their account was erased)
        row = rows.setdefault((grp, key), _empty_row(grp, key, partner, agent))
        if measure == "rated":
            row["ratings"] = n or 0
            row["_total"] = total or 0
            for score, count in zip(SCORES, scores, strict=True):
                row[f"score_{score}"] = count or 0
        elif measure == "due":
            row["resolved"] = n or 0
        else:
            row["rated"] = n or 0
    rows.setdefault(("all", None), _empty_row("all", None, None, None))
    out = []
    for row in rows.values():
        total = row.pop("_total", 0)
        row["average"] = round(total / row["ratings"], 2) if row["ratings"] else None
        row["response_rate"] = ratio(row["rated"], row["resolved"])
        out.append(row)
    out.sort(key=lambda r: (_ORDER[r["group"]], r["group"] != "level" and r["label"], r["key"]))
    return out


def _empty_row(grp: str, key: Any, partner: str | None, agent: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "group": grp,
        "by": str(_BY[grp]),
        "key": key,
        "label": _label(grp, key, partner, agent),
        "ratings": 0,
        "average": None,
        **{f"score_{n}": 0 for n in SCORES},
        "resolved": 0,
        "rated": 0,
        "response_rate": None,
    }
    if grp == "level":
        row["level"] = key
    elif grp == "partner":
        row["partner_id"] = key
    elif grp == "agent":
        row["agent_id"] = key
    return row


@register("satisfaction", _("Satisfaction"))
def satisfaction(scope: Scope, period: q.Period) -> Table:
    rows = rating_rows(scope, period)
    dims = (("level", "level"), ("agent", "agent_id"))
    columns = [
        Column("by", _("By"), "text"),
        Column("label", _("Who"), "text"),
        Column("ratings", _("Ratings"), drill="rated", dims=dims),
        Column("average", _("Average (1–5)"), "text", "rated", dims),
        *[
            Column(f"score_{n}", _("Rated %(n)s") % {"n": n}, drill="rated",
                   dims=(*dims, ("score", ("=", n))))
            for n in SCORES
        ],
        Column("resolved", _("Resolved"), drill="rating_due", dims=dims),
        Column("rated", _("Of those rated"), drill="rated_resolution", dims=dims),
        Column("response_rate", _("Response rate"), "rate", "rated_resolution", dims),
    ]  # fmt: skip
    return Table("satisfaction", _("Satisfaction (the customers' ratings)"), columns, rows)
