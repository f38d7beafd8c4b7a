from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("savedviews/_nav_slot.html", takes_context=True)
def saved_views_nav(context) -> dict:
    """The sidebar's place for the saved views, drawn without a query: htmx loads them
    with their counts at once (`/views/nav/`), as the bell loads its count."""
    request = context.get("request")
    current = request.GET.get("view", "") if request is not None else ""
    query = f"?{urlencode({'view': current})}" if current else ""
    return {"url": reverse("saved-views-nav") + query}


@register.inclusion_tag("savedviews/_save_form.html", takes_context=True)
def save_view_form(context) -> dict:
    """"Save this view" on a queue page: the queue and its filters as they are."""
    request = context["request"]
    query = request.GET.copy()
    for key in ("after", "view"):
        query.pop(key, None)
    return {"queue": context.get("current_queue", ""), "query": query.urlencode()}
