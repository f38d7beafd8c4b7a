"""The rating page behind the resolved mail's link: no sign-in, in the partner's brand."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from tierdesk.core.actor import actor_for
from tierdesk.core.errors import DomainError, InvalidInput
from tierdesk.portal.selectors import brand_for
from tierdesk.satisfaction import services


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = services.check_link(token)
    except DomainError as exc:
        return render(request, "satisfaction/rate.html", {"refused": str(exc)}, status=410)
    context = {
        "brand": brand_for(actor_for(target.customer)),
        "ticket": target.ticket,
        "scores": range(1, 6),
        "errors": {},
    }
    if request.method == "POST":
        try:
            services.rating_from_link(
                token=token,
                score=request.POST.get("score"),
                comment=request.POST.get("comment", ""),
            )
        except InvalidInput as exc:
            context["errors"] = exc.fields
            return render(request, "satisfaction/rate.html", context, status=422)
        except DomainError as exc:
            return render(request, "satisfaction/rate.html", {"refused": str(exc)}, status=410)
        return render(request, "satisfaction/rate.html", {**context, "thanks": True})
    return render(request, "satisfaction/rate.html", context)
