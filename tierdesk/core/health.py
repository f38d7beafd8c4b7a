"""The load balancer's and the orchestrator's questions: is the process up (`/healthz`),
and may it take traffic (`/readyz`)?

`/healthz` (liveness) answers from the process alone: no database, no network. A process
that cannot answer it is stuck and should be restarted.

`/readyz` (readiness) answers 200 only when every part a request needs answers: the
database (`SELECT 1`), its migrations (none of this code's is unapplied), the cache and the
chat's channel layer when they are shared services (Redis). Otherwise 503 naming the part
that failed — never the reason, a host, a URL or a password: the body is the same for
anyone who asks, signed in or not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

log = logging.getLogger(__name__)

# Migrations only ever get applied while a process runs: once all are, they stay so.
_migrated = False
PROCESS_LOCAL_CACHES = ("LocMemCache", "DummyCache")


def _database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def _migrations() -> None:
    global _migrated
    if _migrated:
        return
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migrations not applied")
    _migrated = True


def _caches() -> None:
    for alias, config in settings.CACHES.items():
        if config["BACKEND"].rsplit(".", 1)[-1] in PROCESS_LOCAL_CACHES:
            continue
        cache = caches[alias]
        cache.set("tierdesk:readyz", "1", timeout=10)
        if cache.get("tierdesk:readyz") != "1":
            raise RuntimeError(f"cache {alias} did not keep a value")


def _channel_layer() -> None:
    import redis

    url = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def checks() -> dict[str, Callable[[], None]]:
    """The parts this process depends on, by the name `/readyz` reports."""
    found: dict[str, Callable[[], None]] = {"database": _database, "migrations": _migrations}
    if any(
        c["BACKEND"].rsplit(".", 1)[-1] not in PROCESS_LOCAL_CACHES
        for c in settings.CACHES.values()
    ):
        found["cache"] = _caches
    if settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("RedisChannelLayer"):
        found["channel_layer"] = _channel_layer
    return found


@never_cache
@csrf_exempt
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing outside it."""
    return JsonResponse({"status": "ok"})


@never_cache
@csrf_exempt
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 `{"status": "ready", "checks": {name: "ok"}}` when every part
    answers; 503 with `"failing"` for the parts that did not (the reason is logged)."""
    results: dict[str, str] = {}
    for name, check in checks().items():
        if name == "migrations" and results.get("database") == "failing":
            results[name] = "failing"  # cannot be known without the database
            continue
        try:
            check()
        except Exception:
            # The reason (an exception text may name hosts or URLs) goes to the log only.
            log.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "failing"
        else:
            results[name] = "ok"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": results},
        status=200 if ready else 503,
    )
