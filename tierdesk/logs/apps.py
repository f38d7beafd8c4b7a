from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "tierdesk.logs"
    label = "logs"
    verbose_name = "Logs"

    def ready(self) -> None:
        # Listen to the core's events: a log attached is parsed once the upload commits.
        from tierdesk.logs import services
        from tierdesk.tickets import bus
        from tierdesk.tickets.models import EventKind

        bus.subscribe(
            services.on_ticket_event, order=bus.ORDER_INDEX, kinds={EventKind.ATTACHMENT_ADDED}
        )
