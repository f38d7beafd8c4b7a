"""Liveness (`/healthz`) and readiness (`/readyz`): what a load balancer or an
orchestrator asks before it sends traffic, answered without a sign-in and without a
secret (core/health.py, docs/operations.md)."""

from __future__ import annotations

import socket

import pytest
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from tierdesk.core import health


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_from_the_process_alone(db, django_assert_num_queries):
    # when a load balancer asks whether the process lives
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    # then it answers without touching the database, uncached, and says who asked nothing
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_lives_while_the_database_is_gone(db, monkeypatch):
    # given a database that no longer answers
    monkeypatch.setattr(health, "_database", _refuse("connection to db.internal refused"))
    # then the process is alive (not restarted) but not ready (taken out of rotation)
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/readyz").status_code == 503


def test_readyz_is_ready_when_the_database_answers_and_is_migrated(db):
    health._migrated = False
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok"},
    }


def _refuse(detail: str):
    def refuse(*args, **kwargs):
        raise RuntimeError(detail)

    return refuse


def test_readyz_names_the_failing_part_but_never_the_reason(db, monkeypatch, caplog):
    # given a database that refuses with a message naming a host and a password
    monkeypatch.setattr(
        health, "_database", _refuse("postgres://tierdesk:s3cr3t-pw@db.internal:5432")
    )
    # when readiness is asked
    response = Client().get("/readyz")
    # then 503 names the database (and the migrations cannot be known), nothing else
    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "checks": {"database": "failing", "migrations": "failing"},
    }
    assert b"s3cr3t" not in response.content and b"db.internal" not in response.content
    # and the reason is in the log for the operator
    assert "readiness check database failed" in caplog.text


def test_readyz_refuses_while_a_migration_of_this_code_is_unapplied(db, monkeypatch):
    # given code newer than the database: a migration not yet applied
    health._migrated = False
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [object()])
    # then the process is not ready (a rolling deploy waits for `tierdesk migrate`)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "failing"}
    # and once they are applied it is, and stays so without asking again
    monkeypatch.undo()
    assert Client().get("/readyz").status_code == 200
    monkeypatch.setattr(MigrationExecutor, "migration_plan", _refuse("not asked again"))
    assert Client().get("/readyz").status_code == 200


def test_readyz_checks_a_shared_channel_layer_and_cache(db, settings):
    # given a Redis channel layer and a Redis cache configured where nothing listens
    url = f"redis://127.0.0.1:{_free_port()}/0"
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
    }
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    # when readiness is asked
    response = Client().get("/readyz")
    # then both are named failing, and the URL is not shown
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "cache": "failing",
        "channel_layer": "failing",
    }
    assert url.encode() not in response.content


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_need_no_sign_in_and_no_csrf_token(db, path):
    # given a client that enforces CSRF, without a session
    client = Client(enforce_csrf_checks=True)
    # then the probes answer to GET and HEAD alike
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200
