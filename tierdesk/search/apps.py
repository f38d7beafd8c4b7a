from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "tierdesk.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Keep each ticket's search document current: on every ticket event (in the
        # same transaction as the change) and when one of its logs has been read.
        from tierdesk.logs.services import parsed
        from tierdesk.search import services
        from tierdesk.tickets.events import recorded

        recorded.connect(services.on_ticket_event, dispatch_uid="search.on_ticket_event")
        parsed.connect(services.on_log_parsed, dispatch_uid="search.on_log_parsed")
