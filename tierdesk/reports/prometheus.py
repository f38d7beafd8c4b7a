"""Operations metrics for Prometheus at `/metrics`: the queues, SLA risk, the outbox and
mail backlog and the task queue, read from the database at each scrape (a constant few
aggregate queries), and request latency measured by `LatencyMiddleware`.

Access: `Authorization: Bearer $TIERDESK_METRICS_TOKEN`, or a client address in
`TIERDESK_METRICS_ALLOW`; with neither configured the page does not exist (404).

Processes: each gunicorn worker measures the requests it served. With
`PROMETHEUS_MULTIPROC_DIR` set (an empty directory shared by the workers, cleared at
start), prometheus-client's multiprocess mode sums them and any worker's `/metrics`
answers for all; without it each worker exposes only its own requests. The database
figures are the same whichever worker answers.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from tierdesk.core import clock

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
# Per process (or, in multiprocess mode, the files of every process).
REQUEST_REGISTRY = None if MULTIPROCESS else CollectorRegistry()
REQUEST_SECONDS = Histogram(
    "tierdesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern, method and status class.",
    ["route", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REQUEST_REGISTRY if REQUEST_REGISTRY is not None else CollectorRegistry(),
)


class LatencyMiddleware:
    """Times every request; labelled by the URL pattern, never the raw path (bounded)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "unmatched"
        REQUEST_SECONDS.labels(
            route=route[:100],
            method=request.method or "",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


def _rows(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


class DatabaseCollector:
    """The figures of the database as they stand at the scrape."""

    def collect(self):
        now = connection.ops.adapt_datetimefield_value(clock.now())
        tickets = GaugeMetricFamily(
            "tierdesk_tickets", "Tickets per level and status (closed excluded).",
            labels=["level", "status"],
        )  # fmt: skip
        at_risk = GaugeMetricFamily(
            "tierdesk_tickets_sla_at_risk", "Open tickets with an SLA clock at risk.",
            labels=["level"],
        )  # fmt: skip
        breached = GaugeMetricFamily(
            "tierdesk_tickets_sla_breached", "Open tickets with a breached SLA clock.",
            labels=["level"],
        )  # fmt: skip
        for level, status, n in _rows(
            "SELECT level, status, COUNT(*) FROM tickets_ticket "
            "WHERE status <> 'closed' GROUP BY level, status"
        ):
            tickets.add_metric([str(level), status], n)
        for level, risk, breach in _rows(
            "SELECT level, SUM(CASE WHEN sla_at_risk THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN sla_breached THEN 1 ELSE 0 END) FROM tickets_ticket "
            "WHERE status NOT IN ('resolved', 'closed') GROUP BY level"
        ):
            at_risk.add_metric([str(level)], risk or 0)
            breached.add_metric([str(level)], breach or 0)
        yield from (tickets, at_risk, breached)

        ((outbox, deliveries, _oldest),) = _rows(
            "SELECT (SELECT COUNT(*) FROM notify_outboxevent WHERE fanned_out_at IS NULL), "
            "(SELECT COUNT(*) FROM notify_delivery WHERE status = 'pending'), "
            "(SELECT MIN(created_at) FROM notify_delivery WHERE status = 'pending')"
        )
        yield GaugeMetricFamily(
            "tierdesk_outbox_events_pending", "Ticket events not yet fanned out to webhooks.",
            value=outbox,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "tierdesk_webhook_deliveries_pending", "Webhook deliveries waiting to be sent.",
            value=deliveries,
        )  # fmt: skip
        mail = GaugeMetricFamily(
            "tierdesk_mail_outbound", "Outbound mail per status.", labels=["status"]
        )
        for status, n in _rows("SELECT status, COUNT(*) FROM mail_outboundmail GROUP BY status"):
            mail.add_metric([status], n)
        yield mail

        tasks = GaugeMetricFamily(
            "tierdesk_tasks", "Background tasks per status (django-tasks database backend).",
            labels=["status"],
        )  # fmt: skip
        for status, n in _rows(
            "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
        ):
            tasks.add_metric([status.lower()], n)
        yield tasks
        ((lag,),) = _rows(
            "SELECT MIN(enqueued_at) FROM django_tasks_database_dbtaskresult "
            "WHERE status = 'READY' AND (run_after IS NULL OR run_after <= %s)",
            [now],
        )
        yield GaugeMetricFamily(
            "tierdesk_task_queue_lag_seconds",
            "Age of the oldest task ready to run (0 when none waits).",
            value=_age(lag),
        )


def _age(oldest) -> float:
    if oldest is None:
        return 0.0
    if isinstance(oldest, str):  # SQLite: UTC text
        oldest = datetime.fromisoformat(oldest).replace(tzinfo=UTC)
    return max(0.0, (clock.now() - oldest).total_seconds())


def _allowed(request: HttpRequest) -> bool:
    token = settings.TIERDESK_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        if hmac.compare_digest(header[7:].strip().encode(), token.encode()):
            return True
    address = request.META.get("REMOTE_ADDR", "")
    for allowed in settings.TIERDESK_METRICS_ALLOW:
        try:
            if ipaddress.ip_address(address) in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: the Prometheus text exposition, for a token or an allowed address."""
    if not (settings.TIERDESK_METRICS_TOKEN or settings.TIERDESK_METRICS_ALLOW):
        raise Http404("Not found.")
    if not _allowed(request):
        response = HttpResponse("Unauthorised.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry()
    registry.register(DatabaseCollector())
    body = generate_latest(registry)
    if MULTIPROCESS:
        requests = CollectorRegistry()
        MultiProcessCollector(requests)
        body += generate_latest(requests)
    elif REQUEST_REGISTRY is not None:
        body += generate_latest(REQUEST_REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
