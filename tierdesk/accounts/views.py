"""Signing in and out, password reset by mail and password change (Django's auth views
with our templates, throttled in accounts/throttle.py), and the person's own settings."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from tierdesk.accounts import sessions, throttle
from tierdesk.accounts.forms import PasswordChangeForm, PreferencesForm, SignInForm
from tierdesk.accounts.passwords import STRENGTH_LABELS, StrengthValidator, strength
from tierdesk.accounts.services import user_preferences_update
from tierdesk.core.actor import actor_for
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.core.security import client_address


class SignInView(auth.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Without a page to return to, customers go to their portal, staff to the console."""
        try:
            customer = actor_for(self.request.user).is_customer
        except Forbidden:
            customer = False
        if customer and apps.is_installed("tierdesk.portal"):
            return reverse("portal:tickets")
        return super().get_default_redirect_url()


sign_in = SignInView.as_view()


class PasswordResetView(auth.PasswordResetView):
    """Django's reset by mail, throttled per email address and per client address. Over
    the limit nothing is sent, and the answer is the same "if the address is known, a
    mail is on its way" as always — whether the account exists or not."""

    def form_valid(self, form):
        if apps.is_installed("tierdesk.identity"):
            from tierdesk.identity.sso.policy import passwords_refused

            # No password to reset where the organisation signs in through its provider.
            if passwords_refused(form.cleaned_data["email"]):
                return HttpResponseRedirect(self.get_success_url())
        if throttle.password_reset_admit(
            email=form.cleaned_data["email"], address=client_address(self.request)
        ):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


password_reset = PasswordResetView.as_view(
    template_name="registration/password_reset_form.html",
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
    success_url=reverse_lazy("password_reset_done"),
)


def tell_password_changed(user, request: HttpRequest, *, reset: bool = False) -> None:
    """A mail to the person: their password was changed (ASVS 2.2.3, 2.5.5), so a change
    they did not make does not go unnoticed. Through the branded outbound mail, with when
    and from which address (`identity/notices.py`); without identity, plain after the
    commit."""
    if apps.is_installed("tierdesk.identity"):
        from tierdesk.identity.notices import Change, tell_factor_change

        change = Change.PASSWORD_RESET if reset else Change.PASSWORD_CHANGED
        tell_factor_change(user, change, address=client_address(request))
        return
    with translation.override(user.language or None):
        subject = _("Your Tierdesk password was changed")
        body = _(
            "The password of your Tierdesk account %(email)s was changed just now, and every "
            "other session was signed out.\n\nIf this was not you, reset your password at once "
            "and tell your administrator."
        ) % {"email": user.email}
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


class PasswordChangeView(auth.PasswordChangeView):
    """A new password from the current one. Django gives this session a new key and the
    new password's hash; every other session of the person ends at its next request."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("profile")
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 422
        return response

    def form_valid(self, form):
        details = sessions.session_details(self.request.session.session_key)
        response = super().form_valid(form)  # this session gets a new key
        sessions.session_record(request=self.request, user=form.user, details=details)
        # The others would be signed out at their next request; end them in the store now.
        sessions.sessions_end_others(user=form.user, keep_key=self.request.session.session_key)
        tell_password_changed(form.user, self.request)
        messages.success(
            self.request, _("Your password is changed. Every other session is signed out.")
        )
        return response


password_change = PasswordChangeView.as_view()
password_reset_done = auth.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html"
)


class PasswordResetConfirmView(auth.PasswordResetConfirmView):
    """Django's new password from a reset link (valid once, for PASSWORD_RESET_TIMEOUT);
    the person is told by mail."""

    def form_valid(self, form):
        response = super().form_valid(form)
        sessions.sessions_end_others(user=form.user, keep_key=None)
        tell_password_changed(form.user, self.request, reset=True)
        return response


password_reset_confirm = PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"),
)
password_reset_complete = auth.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html"
)


@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """POST signs out; GET asks first (a link can be followed by anything, a sign-out
    should not happen by accident)."""
    if request.method == "POST":
        logout(request)
        messages.success(request, _("You are signed out."))
        response = redirect("login")
        # The browser drops what it kept of the signed-in pages (ASVS 8.2.3); the session
        # cookie is already worthless, and the new one carries the message above.
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
    return render(request, "registration/logout_confirm.html")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"time_zone": user.time_zone, "language": user.language}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_preferences_update(user=user, **form.cleaned_data)
        except InvalidInput as exc:
            for name, reason in exc.fields.items():
                form.add_error(name if name in form.fields else None, reason)
        else:
            translation.activate(user.language)
            messages.success(request, _("Your settings are saved."))
            return redirect("profile")
    status = 422 if form.errors else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


MAX_SCORED = 128  # longer: refused for its length, not worth scoring


@sensitive_post_parameters("password")
@require_POST
def password_strength(request: HttpRequest) -> JsonResponse:
    """The strength meter beside a new password (ASVS 2.1.8): zxcvbn's score 0-4 and the
    rules' verdict on what is typed so far — the same validators the form applies, so the
    meter never calls good what the form refuses for the signed-in person. POST only (a
    password never goes into a URL), CSRF-checked, never stored, nothing logged."""
    if not throttle.strength_admit(client_address(request)):
        refused = JsonResponse(
            {"message": _("Too many checks for now; the form still checks the password.")},
            status=429,
        )
        refused["Retry-After"] = "60"
        return refused
    password = request.POST.get("password", "")
    user = request.user if request.user.is_authenticated else None
    validators = get_default_password_validators()
    scoring = [v for v in validators if isinstance(v, StrengthValidator)]
    try:  # every rule but the strength, which is scored once below
        validate_password(password, user, [v for v in validators if v not in scoring])
    except ValidationError as exc:
        problems = list(exc.messages)
    else:
        problems = []
    score = 0
    if password and len(password) <= MAX_SCORED:
        score, why = strength(password, user)
        problems += [m for v in scoring if v.scores(password) and (m := v.refusal(score, why))]
    if problems:
        score = min(score, 2)  # never "good" for what the form refuses
    return JsonResponse(
        {
            "score": score,
            "label": str(STRENGTH_LABELS[score]),
            "acceptable": not problems,
            "message": " ".join(problems),
        }
    )
