from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tierdesk.notifications"
    label = "notifications"
    verbose_name = "In-app notifications"

    def ready(self) -> None:
        from tierdesk.notifications import mailing, services
        from tierdesk.tickets import bus, sections

        # Rows are written with the change (a rollback leaves no notification).
        bus.subscribe(services.on_ticket_event, order=bus.ORDER_NOTIFICATIONS)
        # The ticket page's block: follow, and whom a note may mention.
        sections.contribute_page(
            "notifications",
            resolve=services.page_block,
            template="notifications/_ticket_block.html",
        )
        mailing.register()
