"""Forms of single sign-on (shape only; the rules are in identity/services/sso.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import Role


class SsoEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Work email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


class SsoConfigForm(forms.Form):
    enabled = forms.BooleanField(label=_("Single sign-on enabled"), required=False)
    slug = forms.SlugField(
        label=_("Sign-in address"),
        max_length=50,
        help_text=_("Your people sign in at /login/<this>/, in your brand."),
    )
    issuer = forms.URLField(
        label=_("Issuer URL"),
        max_length=300,
        assume_scheme="https",
        help_text=_(
            "Your identity provider's issuer; its discovery document is read from "
            "<issuer>/.well-known/openid-configuration."
        ),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=200)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted and never shown again; leave empty to keep the stored one."),
    )
    domains = forms.CharField(
        label=_("Email domains"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One per line: addresses of these domains sign in through this provider."),
    )
    allowed_roles = forms.MultipleChoiceField(
        label=_("Roles single sign-on may give"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    role_claim = forms.CharField(label=_("Role claim"), max_length=100, initial="roles")
    role_map = forms.CharField(
        label=_("Claim value → role"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "One per line, like “support-agents = l1_agent”. A value that is a role "
            "name itself gives that role."
        ),
    )
    default_role = forms.ChoiceField(label=_("Role when no value maps"), required=False)
    passwords_enabled = forms.BooleanField(
        label=_("Local passwords allowed"),
        required=False,
        initial=True,
        help_text=_("Switch off to let your people sign in only through your provider."),
    )

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["allowed_roles"].choices = [(r, labels[r]) for r in roles]
        self.fields["default_role"].choices = [("", _("none: refuse"))] + [
            (r, labels[r]) for r in roles
        ]

    def clean_domains(self) -> list[str]:
        return _lines(self.cleaned_data.get("domains", ""))

    def clean_role_map(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for line in (self.cleaned_data.get("role_map") or "").splitlines():
            if not line.strip():
                continue
            value, sep, role = line.partition("=")
            if not sep or not value.strip() or not role.strip():
                raise forms.ValidationError(_("Write each line as “claim value = role”."))
            mapping[value.strip()] = role.strip()
        return mapping
