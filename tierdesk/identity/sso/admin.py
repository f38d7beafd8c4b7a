"""Single sign-on in the Django admin (the vendor's admins: any organisation). Saves go
through `sso_config_save`, asked first in a dry run so a refusal shows beside its field;
the client secret is write-only here too."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from tierdesk.accounts.models import Organisation, OrgKind, Role
from tierdesk.core.actor import Actor, actor_for
from tierdesk.core.admin import ServiceAdmin, add_refusal, dry_run
from tierdesk.core.errors import Forbidden
from tierdesk.identity.models import SsoConfig
from tierdesk.identity.services.sso import sso_config_save


def admin_actor(user) -> Actor:
    """The admin's actor; a superuser without a membership (`createsuperuser`) acts as an
    admin of the vendor, which the Django admin is for."""
    try:
        return actor_for(user)
    except Forbidden:
        vendor = Organisation.objects.filter(kind=OrgKind.VENDOR).first()
        if not user.is_superuser or vendor is None:
            raise
        return Actor(user=user, role=Role.ADMIN, org_id=vendor.pk, org_kind=OrgKind.VENDOR)


class SsoConfigForm(forms.ModelForm):
    client_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted; leave empty to keep the stored one.",
    )
    issuer = forms.URLField(max_length=300, assume_scheme="https")
    domains = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="One per line."
    )
    allowed_roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = SsoConfig
        fields = (
            "organisation",
            "enabled",
            "slug",
            "issuer",
            "client_id",
            "client_secret",
            "domains",
            "allowed_roles",
            "role_claim",
            "role_map",
            "default_role",
            "passwords_enabled",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["domains"] = "\n".join(
                self.instance.domains.values_list("domain", flat=True)
            )
            self.initial["client_secret"] = ""

    def service_values(self) -> dict:
        data = self.cleaned_data
        org = data.get("organisation") or self.instance.organisation
        return {
            "organisation_id": org.pk,
            "enabled": data.get("enabled", False),
            "slug": data.get("slug", ""),
            "issuer": data.get("issuer", ""),
            "client_id": data.get("client_id", ""),
            "client_secret": data.get("client_secret") or None,
            "domains": (data.get("domains") or "").split(),
            "allowed_roles": data.get("allowed_roles") or [],
            "role_claim": data.get("role_claim", ""),
            "role_map": data.get("role_map") or {},
            "default_role": data.get("default_role", ""),
            "passwords_enabled": data.get("passwords_enabled", False),
        }

    def clean(self):
        data = super().clean()
        if not self.errors and (data.get("organisation") or self.instance.pk):
            actor = admin_actor(self.request_user)
            refusal = dry_run(lambda: sso_config_save(actor=actor, **self.service_values()))
            if refusal:
                add_refusal(self, refusal)
        return data


@admin.register(SsoConfig)
class SsoConfigAdmin(ServiceAdmin):
    form = SsoConfigForm
    list_display = ("organisation", "enabled", "slug", "issuer", "passwords_enabled")
    list_filter = ("enabled", "passwords_enabled")
    search_fields = ("organisation__name", "slug", "issuer", "domains__domain")

    def get_readonly_fields(self, request, obj=None):
        # A configuration belongs to its organisation for good (the audit trail says so).
        return ("organisation",) if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        saved = sso_config_save(actor=admin_actor(request.user), **form.service_values())
        obj.pk = saved.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # switch it off instead: the audit trail names the configuration
