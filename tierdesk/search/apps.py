from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "tierdesk.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Keep each ticket's search document current: on every ticket event (in the
        # same transaction as the change, after the other listeners wrote) and when one
        # of its logs has been read.
        from tierdesk.logs.services import parsed
        from tierdesk.search import services
        from tierdesk.tickets import bus

        bus.subscribe(services.on_ticket_event, order=bus.ORDER_INDEX + 1)
        parsed.connect(services.on_log_parsed, dispatch_uid="search.on_log_parsed")
