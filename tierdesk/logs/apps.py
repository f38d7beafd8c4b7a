from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "tierdesk.logs"
    label = "logs"
    verbose_name = "Logs"

    def ready(self) -> None:
        # Listen to the core's events: a log attached is parsed once the upload commits.
        from tierdesk.logs import services
        from tierdesk.tickets.events import recorded

        recorded.connect(services.on_ticket_event, dispatch_uid="logs.on_ticket_event")
