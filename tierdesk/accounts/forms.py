"""Sign-in and the person's own settings (shape only)."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Django's sign-in, asking for the email address people sign in with."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "type": "email"})
        self.fields["password"].label = _("Password")

    def clean(self):
        # An organisation that signs in only through its identity provider: one answer,
        # whatever the password (identity/sso/policy.py); the backend refuses it too.
        email = self.cleaned_data.get("username")
        if email and apps.is_installed("tierdesk.identity"):
            from tierdesk.identity.sso.policy import PASSWORDS_OFF_MESSAGE, passwords_refused

            if passwords_refused(email):
                raise forms.ValidationError(_(PASSWORDS_OFF_MESSAGE), code="sso_only")
        return super().clean()


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's password change, with the current password checked through
    `authenticate()`: a wrong one counts toward the sign-in lockout like a failed sign-in,
    so a borrowed session cannot be used to guess the password."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old = self.cleaned_data["old_password"]
        if authenticate(self.request, username=self.user.get_username(), password=old) is None:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old


def _zones() -> list[tuple[str, str]]:
    return [(z, z.replace("_", " ")) for z in sorted(zoneinfo.available_timezones())]


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Every date and time is shown in this zone (and in UTC where it matters)."),
    )
    language = forms.ChoiceField(label=_("Language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _zones()
        self.fields["language"].choices = [(c, n) for c, n in settings.LANGUAGES]
