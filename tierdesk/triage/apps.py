from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "tierdesk.triage"
    label = "triage"
    verbose_name = "L1 triage"

    def ready(self) -> None:
        from tierdesk.core import hooks
        from tierdesk.triage import selectors

        hooks.register_ticket_section("triage", selectors.ticket_findings_out)
