from django.apps import AppConfig


class UpdatesConfig(AppConfig):
    name = "tierdesk.updates"
    label = "updates"
    verbose_name = "Customer updates"

    def ready(self) -> None:
        from tierdesk.mail import notifications
        from tierdesk.tickets import bus
        from tierdesk.updates import services

        # In the move's transaction: the update's message and mail commit with the move.
        bus.subscribe(
            services.on_ticket_event, order=bus.ORDER_MAIL + 5, kinds=services.STEP_OF_EVENT
        )
        # The resolved mail the mail app writes carries the resolution's update (one mail).
        notifications.add_customer_lines(services.resolved_mail_lines)
