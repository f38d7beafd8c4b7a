"""The figures of a `make bench` run (bench/run.py): the top-level keys of
bench/results/<date>.json, and its Markdown summary."""

from __future__ import annotations

TARGETS = {
    "cpu_ms_per_ticket": "≤ 5",
    "sql_per_ticket": "≤ 8",
    "commits_per_ticket": "1",
    "w2": "≤ 50",
    "w3": "≤ 150",
    "w4": "≤ 2",
    "rss": "≤ 150",
}


def summary(runs: dict[str, dict]) -> dict:
    """w1.* (the largest size's round), w2.api.p95_ms / w2.html.p95_ms and w3.p95_ms per
    size, w4.seconds (largest size; each size under by_size), rss_mb (the largest seen)."""
    largest = max(runs, key=int)
    w1 = {k: v for k, v in runs[largest]["w1"].items() if k != "errors"}
    return {
        "w1": {**w1, "size": int(largest)},
        "w2": {
            kind: {"p95_ms": {n: r["w2"][kind]["p95_ms"] for n, r in runs.items()}}
            for kind in ("api", "html")
        },
        "w3": {
            "p95_ms": {
                n: {"common": r["w3"]["common"]["p95_ms"], "rare": r["w3"]["rare"]["p95_ms"]}
                for n, r in runs.items()
            }
        },
        "w4": {
            "seconds": round(runs[largest]["w4"]["seconds"], 3),
            "by_size": {n: round(r["w4"]["seconds"], 3) for n, r in runs.items()},
        },
        "reports_seconds": {n: r["reports"] for n, r in runs.items()},
        "rss_mb": {
            "web": max(r["rss_mb"]["web"] for r in runs.values()),
            "worker": max(r["rss_mb"]["worker"] for r in runs.values()),
        },
        "load": {n: r["load"] for n, r in runs.items()},
    }


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def markdown(data: dict) -> str:
    runs, m = data["sizes"], data["machine"]
    sizes = sorted(runs, key=int)
    head = ["workload", *(f"{int(n):,} tickets" for n in sizes), "target"]
    lines = [
        f"# `make bench` — {data['date']}",
        "",
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), PostgreSQL {m['postgres']} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(m['postgres_settings'].items()))}), "
        f"Python {m['python']}; gunicorn with 2 workers, DEBUG off, on the same host. "
        f"W1 for {data['settings']['w1_seconds']:.0f} s at concurrency "
        f"{data['settings']['concurrency']}; {data['settings']['repeat']} calls per W2/W3 "
        "figure.",
        "",
        _row(head),
        _row(["---", *("---:" for _ in sizes), "---"]),
    ]

    def each(label, get, target=""):
        lines.append(_row([label, *(get(runs[n]) for n in sizes), target]))

    each("W1 tickets/s (c=8)", lambda r: r["w1"]["tickets_per_s"], "as high as the box allows")
    each("raw PostgreSQL single-row inserts/s", lambda r: f"{r['w1']['raw_rows_per_s']:,.0f}")
    each("W1 ratio to raw", lambda r: f"{r['w1']['ratio'] * 100:.2f} %")
    each(
        "W1 app CPU ms per ticket",
        lambda r: r["w1"]["cpu_ms_per_ticket"],
        TARGETS["cpu_ms_per_ticket"],
    )
    each(
        "W1 SQL statements per ticket",
        lambda r: r["w1"]["sql_per_ticket"],
        TARGETS["sql_per_ticket"],
    )
    each(
        "W1 commits per ticket",
        lambda r: r["w1"]["commits_per_ticket"],
        TARGETS["commits_per_ticket"],
    )
    each("W1 rows written per ticket", lambda r: r["w1"]["rows_written_per_ticket"])
    for kind, label in (("api", "API"), ("html", "HTML page")):
        each(
            f"W2 L2 intake, {label}: median / p95 ms",
            lambda r, k=kind: f"{r['w2'][k]['median_ms']} / {r['w2'][k]['p95_ms']}",
            TARGETS["w2"] + " (p95)",
        )
    for kind in ("common", "rare"):
        each(
            f"W3 search, {kind} word: median / p95 ms",
            lambda r, k=kind: f"{r['w3'][k]['median_ms']} / {r['w3'][k]['p95_ms']}",
            TARGETS["w3"] + " (p95)",
        )
    each(
        "W4 one SLA sweep, s (clocks marked)",
        lambda r: f"{r['w4']['seconds']:.3f} ({r['w4']['breached'] + r['w4']['at_risk']})",
        TARGETS["w4"],
    )
    each("RSS web worker, MB", lambda r: r["rss_mb"]["web"], TARGETS["rss"])
    each("RSS task worker, MB", lambda r: r["rss_mb"]["worker"])
    each(
        "data: bench-load s (reused?)",
        lambda r: f"{r['load']['seconds']} ({'yes' if r['load']['reused'] else 'no'})",
    )
    lines += ["", "Reports (`GET /api/v1/reports/<name>`, default period, all partners), s:", ""]
    names = list(runs[sizes[0]]["reports"])
    lines += [
        _row(["report", *(f"{int(n):,}" for n in sizes)]),
        _row(["---", *("---:" for _ in sizes)]),
    ]
    for name in names:
        lines.append(_row([name, *(runs[n]["reports"].get(name, "") for n in sizes)]))
    w1 = runs[sizes[-1]]["w1"]
    lines += [
        "",
        f"SQL statements counted by: {w1['sql_source']}. Commits and rows written: "
        "pg_stat_database deltas over W1 with the task worker stopped (so they are the web's).",
        "Load average (1, 5, 15 min) before / after each size: "
        + "; ".join(
            f"{int(n):,}: {' '.join(f'{x:.1f}' for x in runs[n]['load_average_before'])} / "
            f"{' '.join(f'{x:.1f}' for x in runs[n]['load_average_after'])}"
            for n in sizes
        ),
        "",
    ]
    return "\n".join(lines)
