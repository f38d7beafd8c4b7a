"""The connectors page of the console, mounted under /connectors/."""

from django.urls import path

from tierdesk.connectors import views

urlpatterns = [
    path("", views.connector_list, name="connectors"),
    path("<int:connector_id>/", views.connector_detail, name="connector-detail"),
    path("<int:connector_id>/health/", views.connector_health, name="connector-health"),
    path("<int:connector_id>/secret/", views.connector_rotate, name="connector-rotate"),
]

# The URLs the partner's tool calls (mounted before the token API under /api/v1/).
inbound_patterns = [
    path(
        "connectors/<int:connector_id>/handover",
        views.inbound_handover,
        name="connector-inbound-handover",
    ),
    path(
        "connectors/<int:connector_id>/comments",
        views.inbound_comment,
        name="connector-inbound-comment",
    ),
]
