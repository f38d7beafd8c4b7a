"""ASVS V5.3 evidence for the report charts: the SVG is built as text and marked safe,
so every name in it (partners, labels, series, links) must arrive escaped."""

from __future__ import annotations

from tierdesk.reports.svg import bar_chart, line_chart

HOSTILE = '"><script>alert(1)</script><a href="javascript:x'


def test_chart_texts_and_links_are_escaped_in_the_svg():
    # given names a partner could choose, in every place a chart writes text
    bars = bar_chart(HOSTILE, [(HOSTILE, 3, f"/reports/tickets/?partner={HOSTILE}")])
    lines = line_chart(HOSTILE, [HOSTILE, "2026-12-07"], [(HOSTILE, [1, 2])])
    for svg in (bars, lines):
        # then no tag or attribute breaks out: the markup is the chart's own
        assert "<script" not in svg and 'href="javascript' not in svg
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
        assert "&quot;&gt;" in svg
        assert svg.startswith("<svg") and svg.endswith("</svg>")
