from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "tierdesk.grants"
    label = "grants"
    verbose_name = "Support access grants"

    def ready(self) -> None:
        from tierdesk.grants import selectors, services
        from tierdesk.grants.schemas import GrantOut
        from tierdesk.tickets import bus, sections
        from tierdesk.tickets.models import EventKind

        # When a ticket closes, its customer is asked to revoke what they granted.
        bus.subscribe(
            services.on_ticket_event,
            order=bus.ORDER_MAIL + 6,
            kinds=frozenset({EventKind.CLOSED}),
        )
        # L2 sees the grants with their expiry on the ticket (page and API).
        sections.contribute_api(
            "support_access", schema=list[GrantOut], resolve=selectors.grants_block, order=125
        )
        sections.contribute_page(
            "support_access",
            resolve=selectors.page_block,
            order=125,
            template="grants/_ticket_block.html",
        )
