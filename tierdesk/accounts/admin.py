"""Admin for organisations, people and API tokens.

Organisations and people are added through `organisation_create` and `user_create`, so the
admin keeps the same rules as the CLI (one vendor; partners hold only partner roles; the
admin role gets `is_staff`). A person's role is shown, not edited: no service changes a
membership yet. API tokens are created by `tierdesk token create` (the secret is shown
once, there) and can only be revoked here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group

from tierdesk.accounts.models import (
    ApiToken,
    Membership,
    Organisation,
    Role,
    ThrottleHit,
    User,
)
from tierdesk.accounts.services import organisation_create, token_revoke, user_create
from tierdesk.core.admin import ReadOnlyInline, ServiceAdmin, add_refusal, dry_run


# ---------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------
class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = (
            "name",
            "kind",
            "display_name",
            "ticket_tag",
            "primary_colour",
            "accent_colour",
            "sender_name",
            "sender_email",
            "logo",
            "customers_share_contract_tickets",
        )

    def _create(self):
        data = self.cleaned_data
        return organisation_create(
            name=data.get("name", ""),
            kind=data.get("kind", ""),
            display_name=data.get("display_name", ""),
            sender_email=data.get("sender_email", ""),
            sender_name=data.get("sender_name", ""),
            primary_colour=data.get("primary_colour", ""),
            accent_colour=data.get("accent_colour", ""),
        )

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not self.errors:
            refusal = dry_run(self._create)
            if refusal:
                add_refusal(self, refusal)
        return data


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdmin):
    form = OrganisationForm
    list_display = ("name", "kind", "display_name", "sender_email", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "display_name", "sender_email")
    fieldsets = (
        (None, {"fields": ("name", "kind")}),
        ("Brand", {"fields": ("display_name", "ticket_tag", "primary_colour", "accent_colour")}),
        ("Mail", {"fields": ("sender_name", "sender_email")}),
        ("Logo", {"fields": ("logo",), "classes": ("collapse",)}),
        ("Portal", {"fields": ("customers_share_contract_tickets",)}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Whether an organisation is the vendor or a partner decides who sees what.
        return ("kind",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = form._create()
        for name in ("logo", "ticket_tag"):
            setattr(created, name, form.cleaned_data.get(name) or "")
        share = bool(form.cleaned_data.get("customers_share_contract_tickets"))
        created.customers_share_contract_tickets = share
        created.save(
            update_fields=["logo", "ticket_tag", "customers_share_contract_tickets", "updated_at"]
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None) -> bool:
        # Tickets, contracts and people hang off organisations (PROTECT); keep the history.
        return False


# ---------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------
class UserCreationForm(forms.ModelForm):
    """Add a person the way `tierdesk user add` does: one organisation, one role."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.all())
    role = forms.ChoiceField(choices=Role.choices)
    password1 = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to create the account without a usable password.",
    )
    password2 = forms.CharField(
        label="Password confirmation",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    contract_ids = forms.CharField(
        label="Contracts",
        required=False,
        help_text="Customers only: platform IDs of their partner's contracts, space-separated.",
    )

    class Meta:
        model = User
        fields = ("email", "full_name")

    def contracts(self) -> list[str]:
        raw = (self.cleaned_data.get("contract_ids") or "").replace(",", " ")
        return [item.lower() for item in raw.split()]

    def create(self) -> User:
        data = self.cleaned_data
        return user_create(
            email=data.get("email", ""),
            organisation=data["organisation"],
            role=data["role"],
            password=data.get("password1") or None,
            full_name=data.get("full_name", ""),
            contract_ids=self.contracts() or None,
        )

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        if not self.errors:
            refusal = dry_run(self.create)
            if refusal:
                add_refusal(self, refusal, {"contract": "contract_ids", "password": "password1"})
        return data


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = ("email", "password", "full_name", "time_zone", "language", "is_active")


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ("organisation", "role", "contract_list")
    readonly_fields = fields
    verbose_name_plural = "role"

    @admin.display(description="contracts")
    def contract_list(self, obj: Membership) -> str:
        return ", ".join(c.platform_id for c in obj.contracts.all()) or "—"


@admin.register(User)
class UserAdmin(ServiceAdmin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    add_form_template = None
    inlines = (MembershipInline,)
    list_display = ("email", "full_name", "role", "organisation", "is_active", "last_login")
    list_filter = ("membership__role", "membership__organisation", "is_active")
    list_select_related = ("membership__organisation",)
    search_fields = ("email", "full_name")
    ordering = ("email",)
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "time_zone", "language")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("email", "full_name", "organisation", "role")}),
        ("Password", {"fields": ("password1", "password2")}),
        ("Customer", {"fields": ("contract_ids",)}),
    )
    # Staff and superuser follow the role (user_create gives them to admins only).
    readonly_fields = ("is_staff", "is_superuser", "last_login", "date_joined")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    @admin.display(description="role", ordering="membership__role")
    def role(self, obj: User) -> str:
        membership = getattr(obj, "membership", None)
        return membership.get_role_display() if membership else "—"

    @admin.display(description="organisation", ordering="membership__organisation__name")
    def organisation(self, obj: User) -> str:
        membership = getattr(obj, "membership", None)
        return membership.organisation.name if membership else "—"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = form.create()
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None) -> bool:
        # People authored tickets and events (PROTECT); deactivate them instead.
        return False


# ---------------------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------------------
@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Never shows a token: only its prefix and SHA-256 digest are stored."""

    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__email")
    fields = (
        "user",
        "name",
        "prefix",
        "digest",
        "created_at",
        "last_used_at",
        "revoked_at",
        "expires_at",
        "expiry_notice_at",
    )
    readonly_fields = fields
    actions = ("revoke",)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for record in queryset:
            token_revoke(token_id=record.pk)
        self.message_user(request, f"Revoked {queryset.count()} token(s).", messages.SUCCESS)

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # `tierdesk token create` shows the secret once; the admin cannot.

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the record says who had access until when


# ---------------------------------------------------------------------------------------
# Throttled requests (sign-in attempts are Axes' own pages)
# ---------------------------------------------------------------------------------------
@admin.register(ThrottleHit)
class ThrottleHitAdmin(admin.ModelAdmin):
    """The record of password reset requests and failed API tokens, read-only."""

    list_display = ("at", "scope", "key", "refused")
    list_filter = ("scope", "refused")
    search_fields = ("key",)
    readonly_fields = ("scope", "key", "at", "refused")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Roles come from memberships, not permission groups; an empty Groups page would mislead.
admin.site.unregister(Group)
admin.site.site_header = "Tierdesk administration"
admin.site.site_title = "Tierdesk admin"
admin.site.index_title = "Vendor administration"
