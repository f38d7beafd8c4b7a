"""Template helpers of the web UI: Markdown that cannot carry script, labels in the
viewer's language, times in the viewer's zone and in UTC, links back to the platform, and
one way to render a form field (label, help, errors beside it)."""

from __future__ import annotations

from datetime import UTC, datetime

import nh3
from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from tierdesk.directory.platform import PlatformRef, platform_url
from tierdesk.tickets import ui_text

register = template.Library()

# html=False: raw HTML in a message is shown as text; nh3 then removes anything a
# Markdown construct could still smuggle in (javascript: links, odd attributes).
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)
_ALLOWED_TAGS = {
    "p", "br", "em", "strong", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def render_markdown(text: str) -> str:
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


@register.filter
def markdown(text: str) -> str:
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3 just above


@register.filter
def label(value, table: str) -> str:
    """{{ ticket.status|label:"status" }} → the value's label in the active language."""
    return ui_text.label(table, value)


@register.filter
def say(text: str) -> str:
    """A fixed domain message (a gate's) in the active language where translated."""
    return ui_text.say(text)


@register.filter
def item_title(code: str) -> str:
    return ui_text.item_title(code)


@register.simple_tag
def take_label(level: int) -> str:
    return str(ui_text.TAKE_AT_LEVEL.get(level, ui_text.ACTION["take"]))


@register.filter
def utc(moment: datetime | None) -> str:
    if not moment:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@register.filter
def local(moment: datetime | None) -> str:
    """Date and time in the viewer's zone, with the zone's name."""
    if not moment:
        return ""
    here = timezone.localtime(moment)
    return f"{date_format(here, 'DATETIME_FORMAT')} ({here.tzname()})"


@register.filter
def time_left(moment: datetime | None) -> str:
    """"in 2 days, 3 hours" or "overdue by 5 hours", from now."""
    if not moment:
        return ""
    now = timezone.now()
    if moment >= now:
        return _("in %(time)s") % {"time": timeuntil(moment, now, depth=2)}
    return _("overdue by %(time)s") % {"time": timesince(moment, now, depth=2)}


@register.filter
def urgency(moment: datetime | None) -> str:
    """A CSS class for a deadline: overdue, soon (within a day), or nothing."""
    if not moment:
        return ""
    left = (moment - timezone.now()).total_seconds()
    return "overdue" if left < 0 else "soon" if left < 86400 else ""


@register.simple_tag
def platform_link(contract_id: str, workspace_id: str = "", flow_id: str = "", version: str = ""):
    """A link to the platform page the IDs came from (the most specific one known)."""
    if not contract_id:
        return ""
    url = platform_url(
        settings.TIERDESK_PLATFORM_URL,
        PlatformRef(contract_id, workspace_id or "", flow_id or "", version or ""),
    )
    text = _("Open on the platform")
    return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', url, text)


@register.inclusion_tag("tickets/_field.html")
def field(bound_field, help_text: str = "", css: str = ""):
    """One form field with its <label>, help and errors beside it."""
    return {"f": bound_field, "help": help_text or bound_field.help_text, "css": css}


@register.simple_tag
def handover_item(code: str) -> dict[str, str]:
    """A handover checklist item's title and help (how to find it), translated."""
    from tierdesk.tickets.workflow import HANDOVER_ITEMS

    for item in HANDOVER_ITEMS:
        if item.code == code:
            return {"code": code, "title": ui_text.say(item.title), "help": ui_text.say(item.help)}
    return {"code": code, "title": code, "help": ""}


@register.simple_tag
def checklist_rows(checklist: dict) -> list[dict[str, object]]:
    """Every handover item in order, ok or with the reason it is still missing."""
    from tierdesk.tickets.workflow import HANDOVER_ITEMS

    missing = {m["code"]: m["message"] for m in checklist.get("missing", [])}
    return [
        {
            "code": item.code,
            "title": ui_text.say(item.title),
            "ok": item.code not in missing,
            "why": ui_text.say(missing.get(item.code, "")),
        }
        for item in HANDOVER_ITEMS
    ]


_CHOICE_TABLES = {"priority": "priority", "reproducibility": "reproducibility"}


def _change_value(name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name in _CHOICE_TABLES:
        return ui_text.label(_CHOICE_TABLES[name], value)
    if isinstance(value, str) and name in ("needed_by", "occurred_at", "occurred_until"):
        try:
            return local(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


@register.filter
def event_changes(event) -> list[str]:
    """What an event changed, as the history says it: "priority: Normal → High" for the
    fields the event carries before and after, "description changed" for the others,
    "assignee: → ana@…" for an assignment."""
    data = event.data or {}
    lines = []
    before_after = data.get("changes") or {}
    for name in data.get("fields") or []:
        field = ui_text.field_name(name)
        if name in before_after:
            old, new = before_after[name]
            lines.append(f"{field}: {_change_value(name, old)} → {_change_value(name, new)}")
        else:
            lines.append(_("%(field)s changed") % {"field": field})
    if event.kind in ("assigned", "unassigned"):
        lines.append(f"{_('assignee')}: → {data.get('assignee') or '—'}")
    return lines
