from django.contrib import admin
from django.urls import include, path

from tierdesk.accounts import session_views
from tierdesk.accounts import views as account_views
from tierdesk.api import api
from tierdesk.connectors.urls import inbound_patterns as connector_inbound
from tierdesk.core import health
from tierdesk.identity import views as identity_views
from tierdesk.identity.sso import views as sso_views
from tierdesk.reports.prometheus import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(connector_inbound)),  # a partner tool's calls: its own secret
    path("api/v1/", api.urls),
    path("connectors/", include("tierdesk.connectors.urls")),
    path("portal/", include("tierdesk.portal.urls")),
    path("rate/", include("tierdesk.satisfaction.urls")),
    path("kb/", include("tierdesk.kb.urls")),
    path("triage/", include("tierdesk.triage.urls")),
    path("rota/", include("tierdesk.rota.urls")),
    path("notifications/", include("tierdesk.notifications.urls")),
    path("presence/", include("tierdesk.presence.urls")),
    path("time/", include("tierdesk.timelog.urls")),
    path("views/", include("tierdesk.savedviews.urls")),
    path("macros/", include("tierdesk.macros.urls")),
    path("", include("tierdesk.logs.urls")),
    path("", include("tierdesk.search.urls")),
    path("", include("tierdesk.automation.urls")),
    path("", include("tierdesk.chat.urls")),
    path("", include("tierdesk.grants.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("reports/", include("tierdesk.reports.urls")),
    # Signing in and out, password reset by mail, the person's own settings
    path("login/", account_views.sign_in, name="login"),
    path("logout/", account_views.sign_out, name="logout"),
    path("login/verify/", identity_views.second_factor_verify, name="second-factor-verify"),
    # Single sign-on: by the email's domain, or an organisation's own sign-in address
    path("login/sso/", sso_views.sso_login, name="sso-login"),
    path("login/sso/callback/", sso_views.sso_callback, name="sso-callback"),
    path("login/<slug:slug>/", sso_views.org_sign_in, name="sso-org-login"),
    path("login/<slug:slug>/start/", sso_views.org_start, name="sso-org-start"),
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
    path("settings/sessions/", session_views.session_list, name="sessions"),
    path("settings/sessions/<int:session_id>/end/", session_views.session_end, name="session-end"),
    path(
        "settings/sessions/end-others/",
        session_views.sessions_end_others,
        name="sessions-end-others",
    ),
    path("password-strength/", account_views.password_strength, name="password-strength"),
    path("settings/", include("tierdesk.identity.urls")),
    # The agent console (customers are sent to the portal: tickets/urls.py)
    path("", include("tierdesk.tickets.urls")),
    path("", include("tierdesk.problems.urls")),
]
