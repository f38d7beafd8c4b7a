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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as django_otp_login

from tierdesk.accounts.throttle import Throttled
from tierdesk.core import clock
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tierdesk.core.security import client_address
from tierdesk.core.web import request_actor
from tierdesk.identity import access, services
from tierdesk.identity.forms import (
    AcceptForm,
    BrandForm,
    CodeForm,
    InviteForm,
    PersonForm,
    SenderForm,
    TokenForm,
)
from tierdesk.identity.second_factor import SESSION_KEY
from tierdesk.identity.services import brand as brand_services
from tierdesk.identity.services import people as people_services
from tierdesk.identity.services.second_factor import totp_secret_text, totp_uri


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
                address=client_address(request),
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


def _qr_data_uri(text: str) -> str:
    """The QR code of `text` as an inline SVG `data:` URL (the CSP allows data: images)."""
    import base64

    import qrcode
    import qrcode.image.svg

    svg = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@pages
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator (QR code and the key as text, confirmed by a first code),
    see the recovery codes once, renew them, or remove the second factor."""
    actor, address = _actor(request), client_address(request)
    confirmed = request.user.totpdevice_set.filter(confirmed=True).exists()
    action = request.POST.get("action", "")
    # No queues beside this page: it is reached before the second factor is passed.
    context: dict[str, Any] = {
        "confirmed": confirmed,
        "next": _next_url(request),
        "queue_nav": [],
    }
    status = 200
    if confirmed:
        if action == "renew":
            context["codes"] = services.recovery_codes_renew(actor=actor, address=address)
        elif action == "remove":
            services.second_factor_reset(actor=actor, user_id=actor.user_id, address=address)
            messages.success(request, _("Your second factor is removed."))
            return redirect("identity:second-factor")
        context["left"] = sum(d.codes.count() for d in request.user.recoverydevice_set.all())
        return render(request, "identity/second_factor.html", context)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.second_factor_confirm(
                actor=actor, code=form.cleaned_data["code"], address=address
            )
        except InvalidInput as exc:
            form.add_error("code", exc.fields.get("code", exc.message))
            status = 422
        except Throttled as exc:
            form.add_error("code", _throttled_text(exc))
            status = 429
        except Conflict:
            pass
        else:
            django_otp_login(request, device)
            request.session.pop(SESSION_KEY, None)
            context.update(confirmed=True, codes=codes, enrolled=True)
            return render(request, "identity/second_factor.html", context)
    device = services.second_factor_begin(actor=actor)
    context.update(
        form=form, qr=_qr_data_uri(totp_uri(device)), secret_text=totp_secret_text(device)
    )
    return render(request, "identity/second_factor.html", context, status=status)


def _throttled_text(exc: Throttled) -> str:
    minutes = max(1, round(exc.retry_after / 60))
    return _("Too many wrong codes. Try again in %(minutes)s minutes.") % {"minutes": minutes}


@login_required
@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the authenticator or a recovery code."""
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_check(
                user=request.user, code=form.cleaned_data["code"], address=client_address(request)
            )
        except Throttled as exc:
            form.add_error("code", _throttled_text(exc))
            status = 429
        else:
            if device is not None:
                django_otp_login(request, device)
                request.session.pop(SESSION_KEY, None)
                return redirect(_next_url(request))
            form.add_error("code", _("That code is not right. Try the current one."))
            status = 422
    context = {"form": form, "next": _next_url(request), "queue_nav": []}
    return render(request, "registration/second_factor.html", context, status=status)


def _form_errors(form, exc: InvalidInput) -> None:
    for name, reason in exc.fields.items():
        form.add_error(name if name in form.fields else None, reason)


@pages
@require_http_methods(["GET", "POST"])
def administration(request: HttpRequest) -> HttpResponse:
    """The people the actor administers, their open invitations, and the invitation form."""
    actor = _actor(request)
    rows = (
        access.administered_people(actor)
        .select_related("membership__organisation")
        .order_by("membership__organisation__name", "email")
    )
    form = InviteForm(request.POST or None, org_kind=actor.org_kind)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            invitation = people_services.person_invite(actor=actor, **form.cleaned_data)
        except InvalidInput as exc:
            _form_errors(form, exc)
        except Conflict as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request,
                _("%(email)s is invited: the mail is on its way.") % {"email": invitation.email},
            )
            return redirect("identity:administration")
    if form.errors:
        status = 422
    context = {
        "form": form,
        "people": rows,
        "invitations": access.visible_invitations(actor),
    }
    return render(request, "identity/administration.html", context, status=status)


@pages
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, user_id: int) -> HttpResponse:
    """One person: name, role, contracts; deactivate; reset their second factor."""
    actor = _actor(request)
    if not access.may_administer(actor):
        raise Forbidden("Only an admin or a partner admin administers people.")
    target = access.get_person(actor, user_id)
    membership = target.membership
    initial = {
        "full_name": target.full_name,
        "role": membership.role,
        "contract_ids": "\n".join(membership.contracts.values_list("platform_id", flat=True)),
    }
    action = request.POST.get("action", "save")
    data = request.POST if request.method == "POST" and action == "save" else None
    form = PersonForm(data, initial=initial, org_kind=membership.organisation.kind)
    if request.method == "POST" and action == "deactivate":
        try:
            people_services.person_deactivate(actor=actor, user_id=target.pk)
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(who)s is deactivated.") % {"who": target})
        return redirect("identity:person", user_id=target.pk)
    if request.method == "POST" and action == "erase":
        from tierdesk.identity.erasure import person_erase

        # Irreversible: the administrator types the person's email address to confirm.
        if request.POST.get("confirm", "").strip().lower() != target.email.lower():
            messages.error(request, _("Type the email address of the person to erase them."))
            context = {"form": form, "person": target, "membership": membership}
            return render(request, "identity/person.html", context, status=422)
        try:
            person_erase(actor=actor, user_id=target.pk)
        except Conflict as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The person is erased."))
        return redirect("identity:administration")
    if request.method == "POST" and action == "reset_second_factor":
        services.second_factor_reset(actor=actor, user_id=target.pk)
        messages.success(request, _("The second factor of %(who)s is reset.") % {"who": target})
        return redirect("identity:person", user_id=target.pk)
    if data is not None and form.is_valid():
        try:
            people_services.person_update(actor=actor, user_id=target.pk, **form.cleaned_data)
        except InvalidInput as exc:
            _form_errors(form, exc)
        except Conflict as exc:
            form.add_error("role", exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("identity:person", user_id=target.pk)
    context = {"form": form, "person": target, "membership": membership}
    return render(request, "identity/person.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person chooses their password; then they sign in."""
    try:
        invitation = people_services.invitation_for_token(token)
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = AcceptForm(request.POST or None, initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            people_services.invitation_accept(
                token=token,
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
            )
        except InvalidInput as exc:
            _form_errors(form, exc)
        except (NotFound, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Welcome. Sign in with your new password."))
            return redirect("login")
    context = {"form": form, "invitation": invitation, "queue_nav": []}
    status = 422 if form.errors else 200
    return render(request, "registration/invitation_accept.html", context, status=status)


@pages
@require_http_methods(["GET", "POST"])
def brand(request: HttpRequest) -> HttpResponse:
    """The administrator's organisation's brand, and a new sender address to verify."""
    actor = _actor(request)
    if not access.may_administer(actor):
        raise Forbidden("Only an admin or a partner admin manages the brand.")
    org = access.own_organisation(actor)
    initial = {
        "display_name": org.display_name,
        "sender_name": org.sender_name,
        "primary_colour": org.primary_colour,
        "accent_colour": org.accent_colour,
        "logo": org.logo,
        "customers_share_contract_tickets": org.customers_share_contract_tickets,
    }
    action = request.POST.get("action", "")
    brand_form = BrandForm(request.POST if action == "brand" else None, initial=initial)
    sender_form = SenderForm(request.POST if action == "sender" else None)
    if action == "brand" and brand_form.is_valid():
        try:
            brand_services.brand_update(actor=actor, **brand_form.cleaned_data)
        except InvalidInput as exc:
            _form_errors(brand_form, exc)
        else:
            messages.success(request, _("The brand is saved."))
            return redirect("identity:brand")
    if action == "sender" and sender_form.is_valid():
        try:
            pending = brand_services.sender_address_request(
                actor=actor, email=sender_form.cleaned_data["sender_email"]
            )
        except InvalidInput as exc:
            _form_errors(sender_form, exc)
        else:
            messages.success(
                request,
                _("A link is on its way to %(email)s; it is used once confirmed.")
                % {"email": pending.email},
            )
            return redirect("identity:brand")
    context = {"brand_form": brand_form, "sender_form": sender_form, "org": org}
    status = 422 if brand_form.errors or sender_form.errors else 200
    return render(request, "identity/brand.html", context, status=status)


@require_http_methods(["GET", "POST"])
def sender_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The link mailed to a new sender address: a button confirms it (a GET changes
    nothing, so a mail scanner following links confirms nothing)."""
    if request.method == "POST":
        try:
            org = brand_services.sender_address_confirm(token=token)
        except NotFound as exc:
            raise Http404(exc.message) from None
        messages.success(
            request, _("%(email)s is confirmed as the sender.") % {"email": org.sender_email}
        )
        return redirect("login")
    return render(request, "registration/sender_verify.html", {"queue_nav": []})


@pages
@require_http_methods(["GET"])
def person_export(request: HttpRequest, user_id: int | None = None) -> HttpResponse:
    """Everything held about a person (yourself, or someone you administer) as a zip."""
    from tierdesk.identity.privacy import person_export as export

    actor = _actor(request)
    name, data = export(actor=actor, user_id=user_id or actor.user_id)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
