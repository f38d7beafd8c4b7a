"""Chat pages: the customer's chat in the portal and the L1 agents' chat console.

Parse → call a chat service or selector → render. Form posts work without script (a
redirect back); the page's script (static/chat/chat.js) posts the same forms with
`X-Requested-With: fetch` and gets JSON (422 naming the field on bad input).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tierdesk.chat import access, assist, handover, selectors, services
from tierdesk.core.actor import Actor
from tierdesk.core.errors import DomainError, InvalidInput, NotFound, TransitionRefused
from tierdesk.portal.views import Portal, _page, customer_view
from tierdesk.tickets.models import AttachmentKind
from tierdesk.tickets.views.common import actor_or_403

STATUS_OF = {
    NotFound: 404,
    InvalidInput: 422,
    TransitionRefused: 422,
}


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _error_body(exc: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, InvalidInput):
        body["fields"] = exc.fields
    if isinstance(exc, TransitionRefused):
        body["missing"] = [m.as_dict() for m in exc.missing]
    return body


def _refused(request: HttpRequest, exc: DomainError, back: str) -> HttpResponse:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if _wants_json(request):
        status = next((s for k, s in STATUS_OF.items() if isinstance(exc, k)), exc.status)
        return JsonResponse(_error_body(exc), status=status)
    messages.error(request, exc.message)
    return redirect(back)


def _done(request: HttpRequest, back: str, **data: Any) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": True, **data})
    return redirect(back)


def _staff(request: HttpRequest) -> Actor:
    actor = actor_or_403(request)
    if not access.answers_chats(actor) and actor.is_customer:
        raise PermissionDenied(_("The chat console is for support staff."))
    return actor


def _chat_or_404(actor: Actor, chat_id: int):
    try:
        return access.get_chat(actor, chat_id)
    except NotFound:
        raise Http404("Chat not found.") from None


# --- the customer's side (portal) ------------------------------------------------------
@require_GET
@customer_view
def customer_home(request: HttpRequest, portal: Portal) -> HttpResponse:
    chats = access.visible_chats(portal.actor).order_by("-created_at")[:20]
    available = services.available_agents(portal.actor.org_id)
    return _page(
        request, portal, "chat/customer_home.html", {"chats": chats, "available": available}
    )


@require_POST
@customer_view
def customer_start(request: HttpRequest, portal: Portal) -> HttpResponse:
    back = reverse("chat:customer-home")
    try:
        chat = services.chat_start(
            actor=portal.actor,
            body=request.POST.get("body", ""),
            topic=request.POST.get("topic", ""),
        )
    except DomainError as exc:
        return _refused(request, exc, back)
    if chat.ticket_id:
        messages.info(
            request,
            _("Nobody is available right now: your message is now ticket %(ref)s.")
            % {"ref": portal.reference(chat.ticket.number)},
        )
        return redirect("portal:ticket", chat.ticket.number)
    return redirect("chat:customer-chat", chat.pk)


@require_GET
@customer_view
def customer_chat(request: HttpRequest, portal: Portal, chat_id: int) -> HttpResponse:
    chat = access.get_chat(portal.actor, chat_id)
    wait = selectors.expected_wait_seconds(chat)
    context = {
        "chat": chat,
        "place": selectors.place_in_line(chat),
        "expected_minutes": None if wait is None else max(1, -(-wait // 60)),
        "timeout_minutes": -(-settings.TIERDESK_CHAT_WAIT_TIMEOUT_SECONDS // 60),
        "kinds": AttachmentKind.choices,
    }
    return _page(request, portal, "chat/customer_chat.html", context)


# --- the agent's side (console) --------------------------------------------------------
@login_required
@require_GET
def console(request: HttpRequest, chat_id: int | None = None) -> HttpResponse:
    actor = _staff(request)
    chat = _chat_or_404(actor, chat_id) if chat_id else None
    presence = selectors.presence_of(actor)
    context = {
        "actor": actor,
        "presence": presence,
        "waiting": selectors.waiting_chats(actor),
        "mine": selectors.my_chats(actor),
        "chat": chat,
        "kinds": AttachmentKind.choices,
        "answers": access.answers_chats(actor),
    }
    if chat is not None:
        context["findings"] = assist.findings(actor, chat)
        context["state"] = handover.checklist(chat, timezone.now(), found=context["findings"])
        query = request.GET.get("articles", "").strip()[:200]
        context["article_query"] = query
        context["articles"] = assist.sendable_articles(actor, chat, query) if query else None
    return render(request, "chat/console.html", context)


@login_required
@require_GET
def waiting(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    return render(request, "chat/_waiting.html", {"waiting": selectors.waiting_chats(actor)})


@login_required
@require_POST
def presence(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    back = reverse("chat:console")
    raw_cap = request.POST.get("max_chats", "").strip()
    try:
        cap = int(raw_cap) if raw_cap else None
    except ValueError:
        return _refused(request, InvalidInput({"max_chats": "must be a number"}), back)
    try:
        services.presence_set(
            actor=actor, available=request.POST.get("available") == "1", max_chats=cap
        )
    except DomainError as exc:
        return _refused(request, exc, back)
    return _done(request, back)


@login_required
@require_POST
def accept(request: HttpRequest, chat_id: int) -> HttpResponse:
    actor = _staff(request)
    try:
        services.chat_accept(actor=actor, chat_id=chat_id)
    except DomainError as exc:
        return _refused(request, exc, reverse("chat:console"))
    return _done(request, reverse("chat:chat", args=[chat_id]))


@login_required
@require_POST
def post_message(request: HttpRequest, chat_id: int) -> HttpResponse:
    actor = actor_or_403(request)
    back = _back(actor, chat_id)
    try:
        message = services.chat_post(
            actor=actor,
            chat_id=chat_id,
            body=request.POST.get("body", ""),
            internal=request.POST.get("internal") == "1",
        )
    except DomainError as exc:
        return _refused(request, exc, back)
    return _done(request, back, seq=message.seq)


@login_required
@require_POST
def upload(request: HttpRequest, chat_id: int) -> HttpResponse:
    actor = actor_or_403(request)
    back = _back(actor, chat_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput({"file": "is missing"})
        message = services.chat_attach(
            actor=actor,
            chat_id=chat_id,
            file=upload,
            filename=upload.name or "upload",
            kind=request.POST.get("kind", AttachmentKind.OTHER),
        )
    except DomainError as exc:
        return _refused(request, exc, back)
    return _done(request, back, seq=message.seq)


@login_required
@require_GET
def download(request: HttpRequest, chat_id: int, file_id: int) -> HttpResponse:
    from django.http import FileResponse

    actor = actor_or_403(request)
    chat = _chat_or_404(actor, chat_id)
    try:
        stored = access.get_file(actor, chat, file_id)
    except NotFound:
        raise Http404("File not found.") from None
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def end(request: HttpRequest, chat_id: int) -> HttpResponse:
    actor = actor_or_403(request)
    back = _back(actor, chat_id)
    try:
        services.chat_end(actor=actor, chat_id=chat_id)
    except DomainError as exc:
        return _refused(request, exc, back)
    if actor.is_customer:
        return _done(request, reverse("chat:customer-home"))
    return _done(request, reverse("chat:console"))


DRAFT_POSTED = handover.DRAFT_KEYS


def _draft_fields(request: HttpRequest) -> dict[str, Any]:
    return {key: request.POST.get(key, "") for key in DRAFT_POSTED if key in request.POST}


@login_required
def draft(request: HttpRequest, chat_id: int) -> HttpResponse:
    """GET: the draft and its live checklist (a partial). POST: save what the agent typed,
    answer the partial again."""
    actor = _staff(request)
    chat = _chat_or_404(actor, chat_id)
    if request.method == "POST":
        try:
            chat = services.chat_draft_update(
                actor=actor, chat_id=chat_id, fields=_draft_fields(request)
            )
        except DomainError as exc:
            return _refused(request, exc, reverse("chat:chat", args=[chat_id]))
        if not _wants_json(request):
            return redirect("chat:chat", chat_id)
    found = assist.findings(actor, chat)
    state = handover.checklist(chat, timezone.now(), found=found)
    context = {"chat": chat, "state": state, "findings": found}
    return render(request, "chat/_draft.html", context)


@login_required
@require_POST
def to_ticket(request: HttpRequest, chat_id: int) -> HttpResponse:
    actor = _staff(request)
    back = reverse("chat:chat", args=[chat_id])
    try:
        ticket = services.chat_to_ticket(
            actor=actor,
            chat_id=chat_id,
            fields=_draft_fields(request),
            hand_over=request.POST.get("hand_over") == "1",
        )
    except DomainError as exc:
        return _refused(request, exc, back)
    url = reverse("ticket-detail", args=[ticket.number])
    if _wants_json(request):
        return JsonResponse({"ok": True, "ticket": ticket.number, "url": url})
    return redirect(url)


@login_required
@require_POST
def invite(request: HttpRequest, chat_id: int) -> HttpResponse:
    """The chat's agent pulls in a colleague, named by email."""
    actor = _staff(request)
    back = reverse("chat:chat", args=[chat_id])
    try:
        services.chat_invite(
            actor=actor, chat_id=chat_id, helper_email=request.POST.get("email", "")
        )
    except DomainError as exc:
        return _refused(request, exc, back)
    return _done(request, back)


@login_required
@require_POST
def send_article(request: HttpRequest, chat_id: int) -> HttpResponse:
    """The chat's agent sends a knowledge-base article into the chat."""
    actor = _staff(request)
    back = reverse("chat:chat", args=[chat_id])
    try:
        raw = request.POST.get("article", "")
        if not raw.isdigit():
            raise InvalidInput({"article": "must be an article id"})
        message = services.chat_send_article(actor=actor, chat_id=chat_id, article_id=int(raw))
    except DomainError as exc:
        return _refused(request, exc, back)
    return _done(request, back, seq=message.seq)


def _back(actor: Actor, chat_id: int) -> str:
    if actor.is_customer:
        return reverse("chat:customer-chat", args=[chat_id])
    return reverse("chat:chat", args=[chat_id])
