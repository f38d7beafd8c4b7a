"""Single sign-on's pages: parse → call client, service or policy → render.

* `/login/sso/` — enter your email: its domain leads to your organisation's page, which
  goes on to its provider at once (a followed link: the CSP keeps forms on this site).
* `/login/<slug>/` — an organisation's sign-in address, in its brand, before sign-in.
* `/login/<slug>/start/` — off to that organisation's provider.
* `/login/sso/callback/` — back from the provider: the ID token checked, the person
  matched or created, signed in (no local second factor: the provider does MFA).
* `/settings/administration/sso/` — an administrator configures their organisation's."""

from __future__ import annotations

from urllib.parse import urlencode

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tierdesk.core.actor import actor_for
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.core.web import brand_for
from tierdesk.identity import access
from tierdesk.identity.models import SsoConfig
from tierdesk.identity.services import sso as sso_services
from tierdesk.identity.sso import client
from tierdesk.identity.sso.backends import SSO_BACKEND
from tierdesk.identity.sso.forms import SsoConfigForm, SsoEmailForm
from tierdesk.identity.sso.policy import config_for_email
from tierdesk.identity.sso.roles import grantable_roles
from tierdesk.identity.views import _actor, _form_errors, pages


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _start(request: HttpRequest, config: SsoConfig, next_url: str) -> HttpResponse:
    try:
        return client.begin(
            request,
            config,
            redirect_uri=request.build_absolute_uri(reverse("sso-callback")),
            next_url=_safe_next(request, next_url),
        )
    except client.SsoFailed as exc:
        sso_services.sso_refusal_record(config=config, code=exc.code)
        return _refused(request, exc.message, config=config)


def _refused(request: HttpRequest, message: str, *, config: SsoConfig | None) -> HttpResponse:
    context = {"message": message, "config": config, "queue_nav": []}
    if config is not None:
        request._tierdesk_brand = brand_for(config.organisation)
    return render(request, "registration/sso_refused.html", context, status=403)


@require_http_methods(["GET", "POST"])
def sso_login(request: HttpRequest) -> HttpResponse:
    """The email address decides the organisation, whose provider signs the person in.
    The sign-in page's "Continue with single sign-on" posts its email field here."""
    data = None
    if request.method == "POST":
        data = {"email": request.POST.get("email") or request.POST.get("username", "")}
    form = SsoEmailForm(data)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if data is not None and form.is_valid():
        config = config_for_email(form.cleaned_data["email"])
        if config is not None:
            # On to the organisation's page, which follows its provider's link at once: a
            # form's redirect to another site is refused by the CSP's form-action.
            query = urlencode({"continue": 1, "next": _safe_next(request, next_url)})
            target = reverse("sso-org-login", args=[config.slug]) + "?" + query
            return HttpResponseRedirect(target, status=303)
        form.add_error(
            "email",
            _("No single sign-on is set up for this address. Sign in with your password."),
        )
    status = 422 if form.errors else 200
    context = {"form": form, "next": next_url, "queue_nav": []}
    return render(request, "registration/sso_login.html", context, status=status)


def _config_by_slug(slug: str) -> SsoConfig:
    config = (
        SsoConfig.objects.select_related("organisation").filter(slug=slug, enabled=True).first()
    )
    if config is None:
        raise Http404("No such sign-in address.")
    return config


@require_http_methods(["GET"])
def org_sign_in(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's own sign-in page, in its brand: its provider's button, and the
    password form while its passwords are on."""
    from tierdesk.accounts.forms import SignInForm

    config = _config_by_slug(slug)
    request._tierdesk_brand = brand_for(config.organisation)
    next_url = _safe_next(request, request.GET.get("next", ""))
    context = {
        "config": config,
        "org": config.organisation,
        "form": SignInForm(request) if config.passwords_enabled else None,
        "next": next_url,
        "auto_follow": request.GET.get("continue") == "1",
        "queue_nav": [],
    }
    return render(request, "registration/sso_org_login.html", context)


@require_http_methods(["GET"])
def org_start(request: HttpRequest, slug: str) -> HttpResponse:
    return _start(request, _config_by_slug(slug), request.GET.get("next", ""))


def _landing(request: HttpRequest, person) -> str:
    try:
        customer = actor_for(person).is_customer
    except Forbidden:
        customer = False
    if customer and apps.is_installed("tierdesk.portal"):
        return reverse("portal:tickets")
    return "/"


@require_http_methods(["GET"])
def sso_callback(request: HttpRequest) -> HttpResponse:
    """Back from the provider. Every refusal is audited and answers 403 with its reason."""
    config = None
    try:
        config, next_url = client.pending_flow(request)
        claims = client.finish(request, config)
        person = sso_services.sso_sign_in(config=config, claims=claims)
    except client.SsoFailed as exc:
        if not exc.audited:
            sso_services.sso_refusal_record(config=config, code=exc.code)
        return _refused(request, exc.message, config=config)
    login(request, person, backend=SSO_BACKEND)
    return redirect(_safe_next(request, next_url) or _landing(request, person))


@pages
@require_http_methods(["GET", "POST"])
def sso_settings(request: HttpRequest) -> HttpResponse:
    """The administrator's own organisation's single sign-on."""
    actor = _actor(request)
    if not access.may_administer(actor):
        raise Forbidden("Only an admin or a partner admin configures single sign-on.")
    org = access.own_organisation(actor)
    config = SsoConfig.objects.filter(organisation=org).first()
    roles = grantable_roles(org.kind)
    if config is not None:
        initial = {
            "enabled": config.enabled,
            "slug": config.slug,
            "issuer": config.issuer,
            "client_id": config.client_id,
            "domains": "\n".join(config.domains.values_list("domain", flat=True)),
            "allowed_roles": config.allowed_roles,
            "role_claim": config.role_claim,
            "role_map": "\n".join(f"{k} = {v}" for k, v in (config.role_map or {}).items()),
            "default_role": config.default_role,
            "passwords_enabled": config.passwords_enabled,
        }
    else:
        from django.utils.text import slugify

        from tierdesk.identity.sso.roles import default_allowed_roles

        initial = {
            "slug": slugify(org.name)[:50],
            "allowed_roles": default_allowed_roles(org.kind),
            "passwords_enabled": True,
        }
    form = SsoConfigForm(request.POST or None, initial=initial, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            sso_services.sso_config_save(actor=actor, **form.cleaned_data)
        except InvalidInput as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Single sign-on is saved."))
            return redirect("identity:sso")
    context = {
        "form": form,
        "config": config,
        "org": org,
        "callback_url": request.build_absolute_uri(reverse("sso-callback")),
    }
    return render(request, "identity/sso.html", context, status=422 if form.errors else 200)
