"""Reads of the console page: a connector's latest exchanges and jobs."""

from __future__ import annotations

from django.db.models import QuerySet

from tierdesk.connectors.models import Connector, ConnectorJob, Exchange


def exchanges(connector: Connector, limit: int = 50) -> QuerySet[Exchange]:
    return connector.exchanges.order_by("-pk")[:limit]


def recent_jobs(connector: Connector, limit: int = 20) -> QuerySet[ConnectorJob]:
    return connector.jobs.order_by("-pk")[:limit]
