from django.apps import AppConfig


class RotaConfig(AppConfig):
    name = "tierdesk.rota"
    label = "rota"
    verbose_name = "Rota and auto-assignment"

    def ready(self) -> None:
        # Auto-assignment runs after the change that put a ticket in a queue committed, in
        # a transaction of its own that locks the queue's rule (see services.auto_assign).
        from tierdesk.rota import services
        from tierdesk.tickets import bus

        bus.subscribe(services.on_ticket_event, phase=bus.AFTER_COMMIT, order=bus.ORDER_ROTA)
