"""Console forms of identity (shape only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.models import TokenScope


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What it is for."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.READ],
        help_text=_(
            "Read: GET requests. Write: every other request. Admin: tokens, webhooks, people."
        ),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for a token that does not expire."),
    )
    allowed_networks = forms.CharField(
        label=_("Allowed networks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One CIDR network per line (203.0.113.0/24); empty: any address."),
    )

    def __init__(self, *args, allowed_scopes: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed_scopes is not None:
            self.fields["scopes"].choices = [
                (v, label) for v, label in TokenScope.choices if v in allowed_scopes
            ]

    def clean_allowed_networks(self) -> list[str]:
        text = self.cleaned_data.get("allowed_networks") or ""
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _roles_for(org_kind: str | None) -> list[tuple[str, str]]:
    from tierdesk.accounts.models import PARTNER_ROLES, OrgKind, Role

    return [
        (v, label) for v, label in Role.choices if org_kind != OrgKind.PARTNER or v in PARTNER_ROLES
    ]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"))
    contract_ids = forms.CharField(
        label=_("Contracts"),
        required=False,
        help_text=_("Customers only: platform IDs of their contracts, one per line."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, org_kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _roles_for(org_kind)

    def clean_contract_ids(self) -> list[str]:
        text = self.cleaned_data.get("contract_ids") or ""
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class PersonForm(InviteForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["email"]


class AcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class BrandForm(forms.Form):
    display_name = forms.CharField(label=_("Name shown"), max_length=120, required=False)
    sender_name = forms.CharField(label=_("Sender name"), max_length=120, required=False)
    primary_colour = forms.CharField(
        label=_("Primary colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    accent_colour = forms.CharField(
        label=_("Accent colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    logo = forms.CharField(
        label=_("Logo"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("An SVG document or a data:image/ URL."),
    )
    customers_share_contract_tickets = forms.BooleanField(
        label=_("Customers see their colleagues' tickets"),
        required=False,
        help_text=_(
            "A customer also sees and answers the tickets of colleagues tied to one of their "
            "contracts. Ratings stay with each ticket's own customer."
        ),
    )


class SenderForm(forms.Form):
    sender_email = forms.EmailField(
        label=_("Sender address"),
        help_text=_("We mail a link to it; it is used once the link is followed."),
    )
