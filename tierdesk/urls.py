from django.contrib import admin
from django.urls import include, path

from tierdesk.accounts import views as account_views
from tierdesk.api import api
from tierdesk.identity import views as identity_views
from tierdesk.tickets import views as ticket_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("portal/", include("tierdesk.portal.urls")),
    path("healthz", ticket_views.healthz, name="healthz"),
    # Signing in and out, password reset by mail, the person's own settings
    path("login/", account_views.sign_in, name="login"),
    path("logout/", account_views.sign_out, name="logout"),
    path("login/verify/", identity_views.second_factor_verify, name="second-factor-verify"),
    path("invitation/<str:token>/", identity_views.invitation_accept, name="invitation-accept"),
    path("sender/<str:token>/", identity_views.sender_verify, name="sender-verify"),
    path("password-reset/", account_views.password_reset, name="password_reset"),
    path("password-reset/sent/", account_views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        account_views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("settings/", account_views.profile, name="profile"),
    path("settings/password/", account_views.password_change, name="password_change"),
    path("settings/", include("tierdesk.identity.urls")),
    # The agent console
    path("", ticket_views.home, name="home"),
    path("queues/<slug:key>/", ticket_views.queue, name="queue"),
    path("tickets/new/", ticket_views.ticket_new, name="ticket-new"),
    path("tickets/new/checklist/", ticket_views.checklist, name="ticket-new-checklist"),
    path("tickets/platform-ids/", ticket_views.platform_ids, name="platform-ids"),
    path("tickets/<int:number>/", ticket_views.ticket_detail, name="ticket-detail"),
    path("tickets/<int:number>/edit/", ticket_views.ticket_edit, name="ticket-edit"),
    path("tickets/<int:number>/checklist/", ticket_views.checklist, name="ticket-checklist"),
    path(
        "tickets/<int:number>/act/<slug:action>/",
        ticket_views.ticket_action,
        name="ticket-action",
    ),
    path("tickets/<int:number>/messages/", ticket_views.message_post, name="ticket-message"),
    path("tickets/<int:number>/attachments/", ticket_views.attachment_upload, name="ticket-upload"),
    path(
        "tickets/<int:number>/reproduction/",
        ticket_views.reproduction_post,
        name="ticket-reproduction",
    ),
    path(
        "tickets/<int:number>/reproduction/check/",
        ticket_views.reproduction_check,
        name="ticket-reproduction-check",
    ),
    path("attachments/<int:attachment_id>/", ticket_views.attachment_download, name="attachment"),
    path(
        "attachments/<int:attachment_id>/image/",
        ticket_views.attachment_image,
        name="attachment-image",
    ),
]
