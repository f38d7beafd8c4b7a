from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "tierdesk.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        # Mail rows are written with the change that causes them; the worker sends them.
        from tierdesk.mail import (
            checks,  # noqa: F401  (registers the deployment checks)
            notifications,
        )
        from tierdesk.tickets import bus

        bus.subscribe(notifications.on_ticket_event, order=bus.ORDER_MAIL)
