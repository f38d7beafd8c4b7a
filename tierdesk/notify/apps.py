from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "tierdesk.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The outbox row is written with the change; its fan-out is scheduled on commit.
        from tierdesk.notify import outbox
        from tierdesk.tickets import bus

        bus.subscribe(outbox.record_ticket_event, order=bus.ORDER_OUTBOX)
