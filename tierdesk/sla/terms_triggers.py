"""The database triggers that bump `TermsRevision` on every write of what the SLA clocks
count on (see `models.TermsRevision`). Created by migration 0005; a migration that
rebuilds one of these tables on SQLite calls `create(schema_editor)` again."""

from __future__ import annotations

TABLES = ("sla_calendar", "sla_workinghours", "sla_manualday", "sla_teamcalendar", "sla_policy")
# A random value, not a count: a rolled-back write must not leave a revision that a later,
# different write could reach again (a process that read the terms inside the rolled-back
# transaction holds them under that revision).
BUMP = {
    "postgresql": "UPDATE sla_termsrevision "
    "SET revision = floor(random() * 4503599627370496)::bigint WHERE id = 1",
    "sqlite": "UPDATE sla_termsrevision SET revision = abs(random()) WHERE id = 1",
}


def _bump(vendor: str) -> str:
    return BUMP[vendor]


def _postgresql() -> list[str]:
    statements = [
        "CREATE OR REPLACE FUNCTION sla_terms_changed() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {_bump('postgresql')}; RETURN NULL; END $$"
    ]
    for table in TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_terms ON {table}",
            f"CREATE TRIGGER {table}_terms AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION sla_terms_changed()",
        ]
    return statements


def _sqlite() -> list[str]:
    statements = []
    for table in TABLES:
        for op in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_terms_{op.lower()}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} AFTER {op} ON {table} BEGIN {_bump('sqlite')}; END",
            ]
    return statements


def create(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": _postgresql, "sqlite": _sqlite}.get(vendor, list)()
    for sql in statements:
        schema_editor.execute(sql, params=None)


def drop(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = []
    for table in TABLES:
        if vendor == "postgresql":
            statements.append(f"DROP TRIGGER IF EXISTS {table}_terms ON {table}")
        elif vendor == "sqlite":
            for op in ("insert", "update", "delete"):
                statements.append(f"DROP TRIGGER IF EXISTS {table}_terms_{op}")
    if vendor == "postgresql":
        statements.append("DROP FUNCTION IF EXISTS sla_terms_changed()")
    for sql in statements:
        schema_editor.execute(sql, params=None)
