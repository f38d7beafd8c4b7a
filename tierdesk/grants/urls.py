"""The customer's support access pages, under the portal's ticket URLs."""

from django.urls import path

from tierdesk.grants import views

app_name = "grants"

urlpatterns = [
    path("portal/tickets/<int:number>/support-access/", views.grant, name="grant"),
    path(
        "portal/tickets/<int:number>/support-access/<int:grant_id>/revoke/",
        views.revoke,
        name="revoke",
    ),
]
