from django.urls import path

from tierdesk.identity import views, views_partners, views_webhooks
from tierdesk.identity.sso import views as sso_views

app_name = "identity"

urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("second-factor/", views.second_factor, name="second-factor"),
    path("administration/", views.administration, name="administration"),
    path("administration/people/<int:user_id>/", views.person, name="person"),
    path("administration/brand/", views.brand, name="brand"),
    path("administration/sso/", sso_views.sso_settings, name="sso"),
    path("administration/people/<int:user_id>/export/", views.person_export, name="export"),
    path("export/", views.person_export, name="export-own"),
    path("administration/webhooks/", views_webhooks.webhooks, name="webhooks"),
    path("administration/webhooks/<int:webhook_id>/", views_webhooks.webhook, name="webhook"),
    path(
        "administration/webhooks/<int:webhook_id>/deliveries/<str:delivery_id>/redeliver/",
        views_webhooks.webhook_redeliver,
        name="webhook-redeliver",
    ),
    path("administration/partners/", views_partners.partners, name="partners"),
    path("administration/partners/<int:partner_id>/", views_partners.partner, name="partner"),
]
