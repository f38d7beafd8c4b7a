# ruff: noqa: S608  (only constants and Django-compiled SQL are interpolated; every value
# a person typed is a bound parameter)
"""The text query itself, once per database. Each takes the SQL of the documents the
actor may see (already filtered: the access rules and the `name:value` filters are a
subquery of this statement, never applied to its results; None for someone who sees
every ticket and filters nothing) and returns one page of
(ticket id, score, snippet) with the total, capped.

Snippets mark matches with \\x02 … \\x03; `selectors` escapes the text and turns the
marks into <mark>."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection

from tierdesk.search.query import Parsed, Term

COUNT_CAP = 1000
START, STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Row:
    ticket_id: int
    score: float
    snippet: str


# PostgreSQL --------------------------------------------------------------------------------

# The query in every configuration the documents are indexed in (the knowledge base's
# search uses it too: `kb/selectors`). Three placeholders, each the websearch text.
PG_QUERY = (
    "(websearch_to_tsquery('simple'::regconfig, %s) || websearch_to_tsquery('english'::regconfig,"
    " %s) || websearch_to_tsquery('german'::regconfig, %s))"
)


def _pg(
    parsed: Parsed,
    allowed: tuple[str, list] | None,
    *,
    scope: tuple[str, list] | None,
    staff: bool,
    after,
    limit: int,
) -> tuple[list[Row], int]:
    tsv = "staff_tsv" if staff else "public_tsv"
    body = "d.public_body || E'\\n' || d.staff_body" if staff else "d.public_body"
    text = parsed.text
    allowed_sql, allowed_params = allowed or ("", [])
    restrict = "TRUE" if allowed is None else f"d.ticket_id IN ({allowed_sql})"
    if scope is not None and allowed is not None and _common(tsv, text):
        # The access rule on the document's own columns first — an index of its own,
        # (partner, ticket) or (customer, ticket), walked newest first — then the access
        # subquery, which decides, for each document that walk reaches. Asked per
        # document (a correlated EXISTS the planner keeps as a filter: OFFSET 0), not as
        # a join: as a join its row estimate multiplies with the scope's as if the two
        # were unrelated (one partner of twenty, twice: 1 in 400 instead of 1 in 20), and
        # the planner then walks every partner's tickets to find this one's newest.
        restrict = (
            f"{scope[0]} AND EXISTS (SELECT 1 FROM ({allowed_sql}) AS a(id) "
            "WHERE a.id = d.ticket_id OFFSET 0)"
        )
        allowed_params = [*scope[1], *allowed_params]
    cap = COUNT_CAP + 1
    # The candidates: the newest COUNT_CAP + 1 matches, found through the indexes (GIN for
    # a rare word, the primary key newest first for a common one; references by number)
    # — then only these are ranked, so a word in half the tickets costs what a rare one
    # does.
    branches: list[str] = []
    params: list = []
    text_match: list[str] = []
    if parsed.positive:
        text_match.append(f"d.{tsv} @@ {PG_QUERY}")
        params += [text, text, text]
        for term in parsed.positive:
            if term.id_like:
                # A piece of an ID or an address: the trigram index answers substrings.
                text_match.append("d.ids ILIKE %s")
                params.append("%" + _like_escape(term.text) + "%")
        branches.append(
            f"(SELECT d.ticket_id FROM search_searchdocument d WHERE {restrict} AND "
            f"({' OR '.join(text_match)}) ORDER BY d.ticket_id DESC LIMIT {cap})"
        )
        params = [*allowed_params, *params]
    if parsed.numbers:
        marks = ", ".join(["%s"] * len(parsed.numbers))
        branches.append(
            "(SELECT d.ticket_id FROM search_searchdocument d JOIN tickets_ticket t ON "
            f"t.id = d.ticket_id WHERE {restrict} AND t.number IN ({marks}))"
        )
        params += [*allowed_params, *parsed.numbers]
    if not branches:
        branches.append(
            f"(SELECT d.ticket_id FROM search_searchdocument d WHERE {restrict} "
            f"ORDER BY d.ticket_id DESC LIMIT {cap})"
        )
        params += allowed_params
    candidates = " UNION ".join(branches)
    numbers = parsed.numbers or [0]
    score = (
        f"ts_rank_cd(d.{tsv}, {PG_QUERY}) + CASE WHEN t.number IN ("
        + ", ".join(["%s"] * len(numbers))
        + ") THEN 10 ELSE 0 END"
    )
    keyset, keyset_params = _keyset(after)
    options = (
        f"StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=8, MaxFragments=2, "
        "FragmentDelimiter= … "
    )
    query_text = text or " "
    # One statement: the candidates once, ranked, counted (a window over all of them),
    # the page cut by the keyset, and headlines for the page's rows only.
    sql = (
        f"WITH c AS MATERIALIZED (SELECT ticket_id FROM ({candidates}) u "
        f"ORDER BY ticket_id DESC LIMIT {cap}), "
        f"s AS (SELECT d.ticket_id, ({score})::float8 AS score, count(*) OVER () AS total "
        "FROM c JOIN search_searchdocument d ON d.ticket_id = c.ticket_id "
        "JOIN tickets_ticket t ON t.id = d.ticket_id), "
        f"p AS (SELECT * FROM s WHERE {keyset} ORDER BY score DESC, ticket_id DESC LIMIT %s) "
        f"SELECT p.ticket_id, p.score, ts_headline('english'::regconfig, d.title || E'\\n' || "
        f"{body}, {PG_QUERY}, %s), p.total FROM p JOIN search_searchdocument d ON "
        "d.ticket_id = p.ticket_id ORDER BY p.score DESC, p.ticket_id DESC"
    )
    sql_params = [
        *params,
        query_text,
        query_text,
        query_text,
        *numbers,
        *keyset_params,
        limit,
        query_text,
        query_text,
        query_text,
        options,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        fetched = cursor.fetchall()
        rows = [Row(r[0], float(r[1]), r[2] or "") for r in fetched]
        if fetched:
            count = fetched[0][3]
        else:  # past the last page (or nothing at all): count the candidates alone
            count_sql = (
                f"SELECT count(*) FROM (SELECT ticket_id FROM ({candidates}) u LIMIT {cap:d}) c"
            )
            cursor.execute(count_sql, params)
            count = cursor.fetchone()[0]
    return rows, count


def _common(tsv: str, text: str) -> bool:
    """Whether the newest-first walk of the document scope's index finds a common word's
    matches sooner than its GIN index reads them all. From the planner's own estimates —
    M documents hold the text, N documents in all (a plan and the table's statistics, not
    a search): the walk reads about COUNT_CAP × N / M documents to find COUNT_CAP of the
    scope's matches, the GIN index all M, so the walk wins from M ≥ √(COUNT_CAP × N)
    (about 31,600 of a million). Below that the scope is left out: the planner would also
    read the scope's whole index into a bitmap to AND with the few matches, which costs
    more than it saves. No text: the walk."""
    if not text.strip():
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'search_searchdocument'::regclass"
        )
        documents = max(float(cursor.fetchone()[0]), 0.0)
        estimate = (
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM search_searchdocument d WHERE d.{tsv} @@ "
            f"{PG_QUERY}"
        )
        cursor.execute(estimate, [text, text, text])
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    matches = float(plan[0]["Plan"]["Plan Rows"])
    return matches * matches >= (COUNT_CAP + 1) * documents


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _keyset(after) -> tuple[str, list]:
    if after is None:
        return "TRUE", []
    score, ticket_id = after
    return "(score < %s OR (score = %s AND ticket_id < %s))", [score, score, ticket_id]


# SQLite (FTS5) -----------------------------------------------------------------------------


def _fts_term(term: Term) -> str:
    quoted = '"' + term.text.replace('"', '""') + '"'
    return quoted + "*" if term.id_like and not term.phrase else quoted


def fts_expression(parsed: Parsed, *, staff: bool) -> str:
    """The FTS5 query of the text part: terms ANDed (OR where typed), NOT for `-word`;
    customers' terms only in the columns they may see."""
    groups: list[list[str]] = []
    for term in parsed.positive:
        if term.alternative and groups:
            groups[-1].append(_fts_term(term))
        else:
            groups.append([_fts_term(term)])
    if not groups:
        return ""
    expression = " AND ".join("(" + " OR ".join(group) + ")" for group in groups)
    for term in parsed.terms:
        if term.negated:
            expression = f"({expression}) NOT {_fts_term(term)}"
    if not staff:
        expression = "{title public_body ids} : (" + expression + ")"
    return expression


def _sqlite(
    parsed: Parsed, allowed: tuple[str, list] | None, *, staff: bool, after, limit: int
) -> tuple[list[Row], int]:
    # (FTS5 matches first and the access subquery filters its matches: the document
    # scope would narrow nothing an index could use here)
    allowed_sql, allowed_params = allowed or ("SELECT ticket_id FROM search_searchdocument", [])
    expression = fts_expression(parsed, staff=staff)
    # customers' snippets come from the public text only (column 1)
    column = -1 if staff else 1
    parts: list[str] = []
    params: list = []
    cte = ""
    if expression:
        # bm25() and snippet() only work right next to the MATCH: materialised apart.
        cte = (
            "WITH fts(ticket_id, score, snippet) AS MATERIALIZED (SELECT rowid, "
            f"-bm25(search_fts, 10.0, 4.0, 2.0, 10.0), snippet(search_fts, {column}, %s, %s, "
            "' … ', 16) FROM search_fts WHERE search_fts MATCH %s) "
        )
        params += [START, STOP, expression]
        parts.append("SELECT ticket_id, score, snippet FROM fts")
    if parsed.numbers:
        marks = ", ".join(["%s"] * len(parsed.numbers))
        parts.append(
            "SELECT id AS ticket_id, 1000.0 AS score, '' AS snippet FROM tickets_ticket "
            f"WHERE number IN ({marks})"
        )
        params += parsed.numbers
    if not parts:
        parts.append("SELECT ticket_id, 0.0 AS score, '' AS snippet FROM search_searchdocument")
    union = " UNION ALL ".join(parts)
    base = (
        cte
        + "SELECT ticket_id, max(score) AS score, max(snippet) AS snippet FROM ("
        + union
        + f") m WHERE ticket_id IN ({allowed_sql}) GROUP BY ticket_id"
    )
    base_params = [*params, *allowed_params]
    keyset, keyset_params = _keyset(after)
    page_sql = (
        f"SELECT s.ticket_id, s.score, s.snippet FROM ({base}) s WHERE {keyset} "
        "ORDER BY s.score DESC, s.ticket_id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(page_sql, [*base_params, *keyset_params, limit])
        rows = [Row(r[0], float(r[1]), r[2] or "") for r in cursor.fetchall()]
        count_sql = f"SELECT count(*) FROM ({base} LIMIT {COUNT_CAP + 1:d}) c"
        cursor.execute(count_sql, base_params)
        count = cursor.fetchone()[0]
    return rows, count


def run(
    parsed: Parsed,
    allowed: tuple[str, list] | None,
    *,
    scope: tuple[str, list] | None = None,
    staff: bool,
    after,
    limit: int,
) -> tuple[list[Row], int]:
    """`scope`: the access rule restated on the document (`selectors.document_scope`),
    AND-ed to the access subquery `allowed`, never instead of it."""
    if connection.vendor == "postgresql":
        return _pg(parsed, allowed, scope=scope, staff=staff, after=after, limit=limit)
    return _sqlite(parsed, allowed, staff=staff, after=after, limit=limit)
