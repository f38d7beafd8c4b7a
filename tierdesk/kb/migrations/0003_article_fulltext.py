# ruff: noqa: S608  (the SQL is built from constants of this file only)
"""The articles' full-text index, each database on its own terms — the way the ticket
search keeps its own (tierdesk/search/migrations/0001_initial.py):

- PostgreSQL: a generated `search_tsv` column (title A, summary B, body C; each in the
  `simple`, `english` and `german` configurations, so both languages stem), kept current
  by the database on every write, with a GIN index.
- SQLite: an FTS5 table `kb_fts` (porter stemming) over title, summary and body, kept in
  step with `kb_article` by triggers; filled once here for the articles already there.

Neither is a field of the model: `kb/selectors.search_articles` queries them. (An
AlterField on Article rebuilds the table on SQLite and drops the triggers: such a
migration must recreate them, as search 0002 explains.)"""

from django.db import migrations

_CONFIGS = ("simple", "english", "german")


def _vector(column: str, weight: str) -> str:
    return " || ".join(
        f"setweight(to_tsvector('{c}'::regconfig, {column}), '{weight}')" for c in _CONFIGS
    )


_TSV = " || ".join([_vector("title", "A"), _vector("summary", "B"), _vector("body", "C")])
POSTGRES = [
    f"ALTER TABLE kb_article ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({_TSV}) STORED",
    "CREATE INDEX kb_article_search_tsv ON kb_article USING gin (search_tsv)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS kb_article_search_tsv",
    "ALTER TABLE kb_article DROP COLUMN IF EXISTS search_tsv",
]
_COLUMNS = "title, summary, body"
_NEW = "new.id, new.title, new.summary, new.body"
_OLD = "'delete', old.id, old.title, old.summary, old.body"
SQLITE = [
    f"CREATE VIRTUAL TABLE kb_fts USING fts5({_COLUMNS}, content='kb_article', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER kb_fts_insert AFTER INSERT ON kb_article BEGIN "
    f"INSERT INTO kb_fts(rowid, {_COLUMNS}) VALUES ({_NEW}); END",
    "CREATE TRIGGER kb_fts_delete AFTER DELETE ON kb_article BEGIN "
    f"INSERT INTO kb_fts(kb_fts, rowid, {_COLUMNS}) VALUES ({_OLD}); END",
    "CREATE TRIGGER kb_fts_update AFTER UPDATE ON kb_article BEGIN "
    f"INSERT INTO kb_fts(kb_fts, rowid, {_COLUMNS}) VALUES ({_OLD}); "
    f"INSERT INTO kb_fts(rowid, {_COLUMNS}) VALUES ({_NEW}); END",
    "INSERT INTO kb_fts(kb_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS kb_fts_update",
    "DROP TRIGGER IF EXISTS kb_fts_delete",
    "DROP TRIGGER IF EXISTS kb_fts_insert",
    "DROP TABLE IF EXISTS kb_fts",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_seed_articles")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
