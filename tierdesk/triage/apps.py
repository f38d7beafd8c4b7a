from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "tierdesk.triage"
    label = "triage"
    verbose_name = "L1 triage"

    def ready(self) -> None:
        from tierdesk.tickets import sections
        from tierdesk.triage import selectors
        from tierdesk.triage.schemas import FindingOut

        sections.contribute_api(
            "triage", schema=list[FindingOut], resolve=selectors.ticket_findings_out
        )
