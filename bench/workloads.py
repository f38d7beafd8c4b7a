"""The workloads of `make bench` (bench/run.py), each from this process over HTTP against
a served Tierdesk, and the counters read around them: the web workers' CPU time and
memory (/proc), PostgreSQL's per-database counters, and the statement counts."""

from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path

import psycopg
import requests

TICK = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def timed_gets(session: requests.Session, url: str, repeat: int, **kwargs) -> dict:
    """GET `url` once to warm up, then `repeat` times: milliseconds, median and p95."""
    first = session.get(url, timeout=900, **kwargs)
    if first.status_code != 200:
        raise RuntimeError(f"GET {url}: {first.status_code} {first.text[:300]}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = session.get(url, timeout=900, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "calls": repeat,
        "bytes": len(first.content),
    }


def create_tickets(url: str, token: str, payloads, concurrency: int, seconds: float) -> dict:
    """POST tickets from `concurrency` threads for `seconds`: how many were created (201)."""
    created, errors, lock = [0], [], threading.Lock()
    stop = time.perf_counter() + seconds

    def run(n: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        k = n
        while time.perf_counter() < stop:
            response = session.post(url, json=payloads(k), timeout=120)
            k += concurrency
            with lock:
                if response.status_code == 201:
                    created[0] += 1
                else:
                    errors.append(f"{response.status_code} {response.text[:200]}")

    start = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {"created": created[0], "seconds": elapsed, "errors": errors[:5], "failed": len(errors)}


RAW_TABLE = "bench_raw_insert"


def raw_inserts(dsn: str, concurrency: int, seconds: float) -> dict:
    """Single-row INSERTs, each its own transaction, from `concurrency` connections:
    what PostgreSQL alone gives on this machine in the same round."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        conn.execute(
            f"CREATE TABLE {RAW_TABLE} (id bigserial PRIMARY KEY, partner_id integer, "
            "title text, description text, created_at timestamptz)"
        )
    counts = [0] * concurrency
    stop = time.perf_counter() + seconds

    def run(n: int) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            while time.perf_counter() < stop:
                conn.execute(
                    f"INSERT INTO {RAW_TABLE} (partner_id, title, description, created_at) "
                    "VALUES (%s, %s, %s, now())",
                    [n, f"Orders flow fails {counts[n]}", "Every order since 14:05 fails."],
                )
                counts[n] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {RAW_TABLE}")
    return {"rows": sum(counts), "seconds": elapsed, "rows_per_s": sum(counts) / elapsed}


# --- processes ----------------------------------------------------------------------------
def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers under its arbiter)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (not its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


# --- PostgreSQL ---------------------------------------------------------------------------
COUNTERS = (
    "xact_commit",
    "xact_rollback",
    "tup_returned",
    "tup_fetched",
    "tup_inserted",
    "tup_updated",
    "tup_deleted",
)


def pg_counters(dsn: str) -> dict[str, int]:
    """pg_stat_database's counters of this database (as of the last stats flush)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            f"SELECT {', '.join(COUNTERS)} FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return dict(zip(COUNTERS, row, strict=True))


def pg_statement_calls(dsn: str) -> int | None:
    """Statements executed in this database per pg_stat_statements (None: not loaded)."""
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT sum(calls) FROM pg_stat_statements s JOIN pg_database d "
                "ON d.oid = s.dbid WHERE d.datname = current_database()"
            ).fetchone()
        return int(row[0] or 0)
    except psycopg.Error:
        return None


def hook_statements(folder: Path) -> int:
    """The web workers' statement totals (bench/gunicorn_hooks.py)."""
    return sum(int(p.read_text().strip() or 0) for p in folder.iterdir() if p.is_file())
