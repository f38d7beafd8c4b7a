"""The console's automation page, behind the console's door (`console_path`)."""

from tierdesk.automation import views
from tierdesk.tickets.views.common import console_path

urlpatterns = [
    console_path("automation/", views.rules_page, name="automation"),
    console_path("automation/new/", views.rule_create, name="automation-create"),
    console_path("automation/<int:rule_id>/", views.rule_update, name="automation-update"),
    console_path("automation/<int:rule_id>/delete/", views.rule_delete, name="automation-delete"),
    console_path(
        "automation/<int:rule_id>/dry-run/", views.rule_dry_run, name="automation-dry-run"
    ),
]
