"""Charts as server-rendered SVG: no script, no CDN, no inline style (colours come from
the stylesheet's classes; SVG presentation attributes only for geometry)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD_L, PAD_B, PAD_T = 640, 220, 40, 28, 12


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]
) -> SafeString:
    """Lines over days (one per series), with a legend; each point carries its value
    as a <title> for hover."""
    top = max([1.0, *(v for _n, values in series for v in values)])
    n = max(1, len(labels) - 1)
    plot_w, plot_h = WIDTH - PAD_L - 8, HEIGHT - PAD_B - PAD_T
    x = lambda i: PAD_L + plot_w * i / n  # noqa: E731
    y = lambda v: PAD_T + plot_h * (1 - v / top)  # noqa: E731
    parts = [_frame(title, top)]
    for k, (name, values) in enumerate(series, start=1):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline class="chart-line series-{k}" fill="none" points="{points}"/>')
        for i, v in enumerate(values):
            parts.append(
                f'<circle class="chart-dot series-{k}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5">'
                f"<title>{escape(name)} {escape(labels[i])}: {v:g}</title></circle>"
            )
    if labels:
        parts.append(_axis_label(PAD_L, labels[0], "start"))
        parts.append(_axis_label(WIDTH - 8, labels[-1], "end"))
    parts.append(_legend([name for name, _v in series]))
    return _svg(title, parts)


def bar_chart(title: str, bars: Sequence[tuple[str, float, str]]) -> SafeString:
    """Horizontal bars: (label, value, link or "")."""
    height = PAD_T + 24 * max(1, len(bars)) + 8
    top = max([1.0, *(v for _l, v, _u in bars)])
    parts = []
    for i, (label, value, link) in enumerate(bars):
        y = PAD_T + 24 * i
        w = (WIDTH - 220) * value / top
        bar = (
            f'<text class="chart-label" x="0" y="{y + 14}">{escape(label)}</text>'
            f'<rect class="chart-bar series-1" x="180" y="{y + 2}" width="{w:.1f}" height="16">'
            f"<title>{escape(label)}: {value:g}</title></rect>"
            f'<text class="chart-value" x="{184 + w:.1f}" y="{y + 14}">{value:g}</text>'
        )
        parts.append(f'<a href="{escape(link)}">{bar}</a>' if link else bar)
    return _svg(title, parts, height=height)


def _svg(title: str, parts: list[str], height: int = HEIGHT) -> SafeString:
    body = "".join(parts)
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _frame(title: str, top: float) -> str:
    bottom = HEIGHT - PAD_B
    return (
        f'<line class="chart-axis" x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{bottom}"/>'
        f'<line class="chart-axis" x1="{PAD_L}" y1="{bottom}" x2="{WIDTH - 8}" y2="{bottom}"/>'
        f'<text class="chart-label" x="{PAD_L - 4}" y="{PAD_T + 4}" '
        f'text-anchor="end">{top:g}</text>'
        f'<text class="chart-label" x="{PAD_L - 4}" y="{bottom}" text-anchor="end">0</text>'
    )


def _axis_label(x: float, text: str, anchor: str) -> str:
    return (
        f'<text class="chart-label" x="{x:.1f}" y="{HEIGHT - PAD_B + 16}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def _legend(names: Sequence[str]) -> str:
    out = []
    for k, name in enumerate(names, start=1):
        x = PAD_L + 120 * (k - 1)
        out.append(
            f'<rect class="chart-bar series-{k}" x="{x}" y="{HEIGHT - 10}" width="10" height="10"/>'
            f'<text class="chart-label" x="{x + 14}" y="{HEIGHT - 1}">{escape(name)}</text>'
        )
    return "".join(out)
