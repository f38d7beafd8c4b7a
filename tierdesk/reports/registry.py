"""The registry of reports: the dashboards, the CSV and the API list what is registered
here, so a new measure (deflections, satisfaction…) adds one module that calls
`register()` and is imported by `catalogue.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tierdesk.reports import sql as q
from tierdesk.reports.access import Scope
from tierdesk.reports.tables import Table


@dataclass(frozen=True)
class Report:
    name: str
    title: Any
    build: Callable[[Scope, q.Period], Table]


REPORTS: dict[str, Report] = {}


def register(name: str, title: Any) -> Callable[[Callable], Callable]:
    def wrap(build: Callable[[Scope, q.Period], Table]) -> Callable:
        if name in REPORTS:
            raise ValueError(f"report {name!r} is already registered")
        REPORTS[name] = Report(name, title, build)
        return build

    return wrap


def statement(scope: Scope, period: q.Period, *, intervals: bool = False) -> q.Statement:
    st = q.Statement(scope)
    st.period(period)
    st.with_events()
    st.with_flags()
    if intervals:
        st.with_intervals()
    return st
