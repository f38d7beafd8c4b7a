from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def figure(value, kind: str = "int"):
    """A report value as shown: rates in per cent, durations in hours and minutes."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if kind == "rate" and isinstance(value, (int, float)):
        return f"{value * 100:.1f} %"
    if kind == "seconds":
        minutes = round(float(value) / 60)
        hours, minutes = divmod(minutes, 60)
        return _("%(h)dh %(m)02dm") % {"h": hours, "m": minutes}
    return value


@register.simple_tag
def cell_kind(cell) -> str:
    """A summary row's value column is a count, a rate or a duration, as the row says."""
    if cell["kind"] == "rate" and cell.get("unit") in ("count", "number"):
        return "int"
    if cell["kind"] == "rate" and cell.get("unit") == "seconds":
        return "seconds"
    return cell["kind"]
