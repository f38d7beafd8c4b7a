from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "tierdesk.connectors"
    label = "connectors"
    verbose_name = "Partner connectors"

    def ready(self) -> None:
        # A linked ticket's replies, questions, status moves and files are written to the
        # connector's outbox in the change's own transaction; the worker delivers them.
        from tierdesk.connectors import sync
        from tierdesk.tickets import bus

        bus.subscribe(sync.record_ticket_event, order=bus.ORDER_OUTBOX + 5, kinds=sync.KINDS)
