from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("notifications/_bell.html")
def bell() -> dict:
    """The bell as every console page first draws it: no query; htmx loads the count
    at once and polls it."""
    return {"unread": None, "poll_seconds": settings.TIERDESK_BELL_POLL_SECONDS}
