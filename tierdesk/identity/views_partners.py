"""Console pages for the vendor's admin: the partners with their people, contracts and
open tickets; a new partner; a partner's name and brand basics; its first partner admin
invited. Any other role is refused (403)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tierdesk.accounts.models import Role
from tierdesk.core.errors import Conflict, InvalidInput
from tierdesk.identity import access, selectors
from tierdesk.identity.forms_console import FirstAdminForm, PartnerForm
from tierdesk.identity.services import partners as partner_services
from tierdesk.identity.services import people as people_services
from tierdesk.identity.views import _actor, _form_errors, pages


@pages
@require_http_methods(["GET", "POST"])
def partners(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    rows = selectors.partners_overview(actor)
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = partner_services.partner_create(actor=actor, **form.cleaned_data)
        except InvalidInput as exc:
            _form_errors(form, exc)
        except Conflict as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(
                request,
                _("%(name)s is added. Invite its first partner admin now.") % {"name": org.name},
            )
            return redirect("identity:partner", partner_id=org.pk)
    context = {"form": form, "partners": rows}
    return render(request, "identity/partners.html", context, status=422 if form.errors else 200)


@pages
@require_http_methods(["GET", "POST"])
def partner(request: HttpRequest, partner_id: int) -> HttpResponse:
    actor = _actor(request)
    org = partner_services.get_partner(actor, partner_id)
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    initial = {
        "name": org.name,
        "display_name": org.display_name,
        "sender_name": org.sender_name,
        "primary_colour": org.primary_colour,
        "accent_colour": org.accent_colour,
        "ticket_tag": org.ticket_tag,
    }
    form = PartnerForm(request.POST if action == "save" else None, initial=initial)
    invite_form = FirstAdminForm(request.POST if action == "invite" else None)
    if action == "save" and form.is_valid():
        try:
            partner_services.partner_update(actor=actor, partner_id=org.pk, **form.cleaned_data)
        except InvalidInput as exc:
            _form_errors(form, exc)
        except Conflict as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("identity:partner", partner_id=org.pk)
    if action == "invite" and invite_form.is_valid():
        try:
            invitation = people_services.person_invite(
                actor=actor,
                role=Role.PARTNER_ADMIN,
                organisation_id=org.pk,
                **invite_form.cleaned_data,
            )
        except InvalidInput as exc:
            _form_errors(invite_form, exc)
        except Conflict as exc:
            invite_form.add_error("email", exc.message)
        else:
            messages.success(
                request,
                _("%(email)s is invited: the mail is on its way.") % {"email": invitation.email},
            )
            return redirect("identity:partner", partner_id=org.pk)
    people = access.administered_people(actor).filter(membership__organisation=org)
    context = {
        "org": org,
        "form": form,
        "invite_form": invite_form,
        "people": people.select_related("membership").order_by("email"),
        "invitations": access.visible_invitations(actor).filter(organisation=org),
    }
    status = 422 if form.errors or invite_form.errors else 200
    return render(request, "identity/partner.html", context, status=status)
