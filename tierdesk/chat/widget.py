"""The embeddable widget: one script tag on a partner's site or product

    <script src="https://support.example/static/chat/widget-loader.js"
            data-partner="7" async></script>

opens an iframe of `/chat/widget/<partner>/` in the partner's brand. A third-party frame
cannot rely on our cookies (browsers block or partition them), so the widget has its own
session: after the customer signs in inside the frame, they hold a signed, expiring chat
token (in the frame's memory only), sent as `X-Chat-Token` to these views and as
`?token=` on the WebSocket. The page may be framed only by the partner's configured
origins (`frame-ancestors`); everything else about it is as strict as the console's.
"""

from __future__ import annotations

import json

from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tierdesk.accounts.models import Organisation
from tierdesk.chat import services
from tierdesk.chat.models import WidgetSettings
from tierdesk.chat.routing import read_widget_token, widget_token
from tierdesk.core.actor import Actor, actor_for
from tierdesk.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from tierdesk.core.web import logo_data_url, readable_primary

# The token is carried by a header, never by an ambient cookie: these views cannot be
# driven by another site's form, so they need no CSRF token (which a frame could not keep).


def _brand(org: Organisation) -> dict:
    background, text = readable_primary(org.primary_colour)
    return {
        "name": org.display_name or org.name,
        "primary": background,
        "on_primary": text,
        "logo_url": logo_data_url(org.logo),
    }


def _frame_ancestors(org: Organisation) -> str:
    origins = WidgetSettings.origins_of(org.pk)
    return "frame-ancestors " + " ".join(["'self'", *origins])


@require_GET
@xframe_options_exempt
def widget_page(request: HttpRequest, org_id: int) -> HttpResponse:
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise Http404("No such widget.")
    response = render(request, "chat/widget.html", {"brand": _brand(org), "org": org})
    response["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' ws: wss:; " + _frame_ancestors(org)
    )
    return response


@require_GET
def widget_brand(request: HttpRequest, org_id: int) -> HttpResponse:
    """The partner's colours as a style sheet (a strict CSP allows no inline style)."""
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise Http404("No such widget.")
    brand = _brand(org)
    css = f":root {{ --brand: {brand['primary']}; --on-brand: {brand['on_primary']}; }}\n"
    return HttpResponse(css, content_type="text/css")


def _token_actor(request: HttpRequest) -> tuple[Actor, int | None]:
    found = read_widget_token(request.headers.get("X-Chat-Token", ""))
    if found is None:
        raise Forbidden("Sign in again.", code="not_authenticated")
    from tierdesk.accounts.models import User

    user = User.objects.filter(pk=found[0], is_active=True).first()
    return actor_for(user), found[1]


def _error(exc: DomainError) -> JsonResponse:
    body = {"code": exc.code, "message": exc.message}
    if isinstance(exc, InvalidInput):
        body["fields"] = exc.fields
        return JsonResponse(body, status=422)
    return JsonResponse(body, status=exc.status)


@csrf_exempt
@require_POST
def widget_session(request: HttpRequest, org_id: int) -> JsonResponse:
    """Sign in inside the frame: a customer of this organisation gets a chat token."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"code": "invalid", "message": "Send JSON."}, status=400)
    user = authenticate(request, username=data.get("email", ""), password=data.get("password", ""))
    if user is None:
        return JsonResponse(
            {"code": "not_authenticated", "message": "Wrong email or password."}, status=403
        )
    actor = actor_for(user)
    if not actor.is_customer or actor.org_id != org_id:
        return JsonResponse(
            {"code": "forbidden", "message": "This chat is for customers of this brand."},
            status=403,
        )
    return JsonResponse({"token": widget_token(user_id=user.pk, chat_id=None), "name": str(user)})


@csrf_exempt
@require_POST
def widget_start(request: HttpRequest) -> JsonResponse:
    try:
        actor, _chat = _token_actor(request)
        data = json.loads(request.body or b"{}")
        chat = services.chat_start(actor=actor, body=data.get("body", ""))
    except DomainError as exc:
        return _error(exc)
    except ValueError:
        return JsonResponse({"code": "invalid", "message": "Send JSON."}, status=400)
    return JsonResponse(
        {
            "chat": chat.pk,
            "ticket": chat.ticket.number if chat.ticket_id else None,
            "token": widget_token(user_id=actor.user_id, chat_id=chat.pk),
        }
    )


@csrf_exempt
@require_POST
def widget_upload(request: HttpRequest, chat_id: int) -> JsonResponse:
    try:
        actor, token_chat = _token_actor(request)
        if token_chat != chat_id:
            raise Http404("Chat not found.")
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput({"file": "is missing"})
        message = services.chat_attach(
            actor=actor,
            chat_id=chat_id,
            file=upload,
            filename=upload.name or "upload",
            kind=request.POST.get("kind", "other"),
        )
    except DomainError as exc:
        return _error(exc)
    return JsonResponse({"ok": True, "seq": message.seq})


@require_GET
def widget_download(request: HttpRequest, chat_id: int, file_id: int) -> HttpResponse:
    """A file of the widget's chat, for the holder of that chat's token (sent as a header by
    the widget's script, which saves the answer as a download): never shown inline."""
    from django.http import FileResponse

    from tierdesk.chat.access import get_chat, get_file

    try:
        actor, token_chat = _token_actor(request)
        if token_chat != chat_id:
            raise NotFound("File not found.")
        stored = get_file(actor, get_chat(actor, chat_id), file_id)
    except DomainError as exc:
        return _error(exc)
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
