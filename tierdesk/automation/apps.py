from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "tierdesk.automation"
    label = "automation"
    verbose_name = "Automations"

    def ready(self) -> None:
        from tierdesk.automation import selectors, services
        from tierdesk.tickets import bus, sections

        # After commit: an event rule acts in transactions of its own, on a durable event.
        bus.subscribe(services.on_ticket_event, phase=bus.AFTER_COMMIT, order=bus.ORDER_ROTA + 5)
        # Staff see a ticket's tags and automation runs on its page.
        sections.contribute_page(
            "automation",
            resolve=selectors.page_block,
            template="automation/_ticket_block.html",
            order=210,
        )
