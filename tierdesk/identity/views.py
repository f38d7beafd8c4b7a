"""Console pages of identity: parse → call a service or access → render."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tierdesk.core import clock
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.core.web import request_actor
from tierdesk.identity import access, services
from tierdesk.identity.forms import TokenForm


def pages(view: Callable) -> Callable:
    """Signed-in only; "missing or not yours" is the 404 page, a role that may not is 403."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from None

    return wrapper


def _actor(request: HttpRequest):
    actor = request_actor(request)
    if actor is None:
        raise Forbidden("This account has no role in any organisation.", code="no_role")
    return actor


@pages
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The actor's tokens and those of the people they administer; a form for a new one,
    whose secret is shown on the answer page only."""
    actor = _actor(request)
    form = TokenForm(request.POST or None, allowed_scopes=access.token_scopes_allowed(actor))
    secret = None
    if request.method == "POST" and form.is_valid():
        expires_at = form.cleaned_data["expires_at"]
        if expires_at is not None and timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at)
        try:
            _record, secret = services.api_token_create(
                actor=actor,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=expires_at,
                allowed_networks=form.cleaned_data["allowed_networks"],
            )
        except InvalidInput as exc:
            for name, reason in exc.fields.items():
                form.add_error(name if name in form.fields else None, reason)
        else:
            form = TokenForm(allowed_scopes=access.token_scopes_allowed(actor))
    rows = access.visible_tokens(actor).order_by("-created_at")
    context = {"form": form, "tokens": rows, "secret": secret, "now": clock.now()}
    status = 422 if form.errors else 200
    return render(request, "identity/tokens.html", context, status=status)


@pages
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    record = services.api_token_revoke(actor=_actor(request), token_id=token_id)
    messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": record.prefix})
    return redirect("identity:tokens")
