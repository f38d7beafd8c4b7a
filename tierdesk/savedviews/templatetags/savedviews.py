from django import template

from tierdesk.savedviews import selectors

register = template.Library()


@register.inclusion_tag("savedviews/_nav.html", takes_context=True)
def saved_views_nav(context) -> dict:
    """The sidebar's saved views with their counts (two queries; none without views)."""
    actor, request = context.get("actor"), context.get("request")
    if actor is None or request is None or actor.is_customer:
        return {"views": []}
    return {"views": selectors.sidebar(actor), "current_view": request.GET.get("view", "")}


@register.inclusion_tag("savedviews/_save_form.html", takes_context=True)
def save_view_form(context) -> dict:
    """"Save this view" on a queue page: the queue and its filters as they are."""
    request = context["request"]
    query = request.GET.copy()
    for key in ("after", "view"):
        query.pop(key, None)
    return {"queue": context.get("current_queue", ""), "query": query.urlencode()}
