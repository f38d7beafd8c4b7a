from django.apps import AppConfig


class RotaConfig(AppConfig):
    name = "tierdesk.rota"
    label = "rota"
    verbose_name = "Rota and auto-assignment"

    def ready(self) -> None:
        # In the change's transaction it only checks the queue's rule; the assignment runs
        # after the commit, in a transaction of its own that locks the rule (auto_assign).
        from tierdesk.rota import services
        from tierdesk.tickets import bus

        bus.subscribe(
            services.on_ticket_event,
            order=bus.ORDER_ROTA,
            kinds=services.ARRIVALS,
        )
