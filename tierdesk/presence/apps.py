from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "tierdesk.presence"
    label = "presence"
    verbose_name = "Presence on tickets"

    def ready(self) -> None:
        from tierdesk.presence import services
        from tierdesk.tickets import sections

        # First in the side column: who else is here.
        sections.contribute_page(
            "presence", resolve=services.page_block, template="presence/_presence.html", order=10
        )
