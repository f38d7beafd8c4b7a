import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations

from tests.factories import World, build_world

_truncate_flush = PostgresOperations.sql_flush


def _delete_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """How a transactional test empties the PostgreSQL test database after itself.

    Django's flush is one TRUNCATE of every table: each of the ~110 tables and ~300 indexes
    gets a new file, seconds per test under load, for tables that hold a few rows. DELETE
    takes ~0.2 s for the same result; the foreign keys are deferred (Django creates them
    DEFERRABLE) and checked at the flush's commit, when every row is gone. Sequences are
    not reset either way (TRUNCATE without RESTART IDENTITY keeps them too); a flush that
    asks for it, or for CASCADE, keeps Django's statements."""
    if reset_sequences or allow_cascade or not tables:
        return _truncate_flush(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    return ["SET CONSTRAINTS ALL DEFERRED"] + [
        f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
        for table in tables
    ]


PostgresOperations.sql_flush = _delete_flush


def _live_server_one_request_at_a_time() -> None:
    """On SQLite the live server's request threads all share the test's one in-memory
    connection; two requests at once (a page's poll beside a form's POST) then meet inside
    one transaction ("cannot start a transaction within a transaction"). There, the live
    server answers one request at a time (each connection closed after its answer); on
    PostgreSQL each request thread has its own connection and they stay concurrent."""
    from django.core.servers.basehttp import WSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    if connection.vendor != "sqlite":
        return

    class SerialWSGIServer(WSGIServer):
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.connections_override = connections_override  # set by the thread's run()

    LiveServerThread.server_class = SerialWSGIServer


_live_server_one_request_at_a_time()


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Each test stores attachments in its own folder; passwords hash fast in tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "tierdesk.core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments"), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _session_stamp_not_on_the_wall_clock(monkeypatch):
    """A signed-in request rewrites its session when the last stamp is older than a minute;
    a query-count test whose setup takes longer than that on a slow machine would count
    that write. Tests stamp at most every 50 minutes (test_hardening ages sessions by an
    hour to see the stamp move)."""
    monkeypatch.setattr("tierdesk.core.middleware.SEEN_GRANULARITY_SECONDS", 50 * 60)


@pytest.fixture(autouse=True)
def _second_factor_off(request, settings):
    """Tests sign staff in without a second factor, unless they test the second factor
    itself (marked `second_factor`): then the production defaults apply."""
    if request.node.get_closest_marker("second_factor") is None:
        settings.TIERDESK_SECOND_FACTOR_ROLES = []


@pytest.fixture
def world(db) -> World:
    return build_world()


_DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, a test that uses no database is left to the SQLite run: it never
    opens a connection (pytest-django refuses it one), so running it on PostgreSQL too
    would repeat the same computation. Every test that touches a database, and every test
    whose running depends on the database (a skipif, the `postgres` mark), runs on both."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    kept, pure = [], []
    for item in items:
        uses_database = (
            item.get_closest_marker("django_db") is not None
            or item.get_closest_marker("postgres") is not None
            or item.get_closest_marker("skipif") is not None
            or bool(_DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
        )
        (kept if uses_database else pure).append(item)
    if pure:
        config.hook.pytest_deselected(items=pure)
        items[:] = kept
