from django.apps import AppConfig


class TimelogConfig(AppConfig):
    name = "tierdesk.timelog"
    label = "timelog"
    verbose_name = "Time spent"

    def ready(self) -> None:
        from tierdesk.tickets import bus, sections
        from tierdesk.timelog import policy, schemas, selectors

        # Before the outbox and the mail: a refused reply must not have announced itself.
        bus.subscribe(policy.on_worked, to=bus.Worked, order=bus.ORDER_CLOCKS - 5)

        sections.contribute_api("time", schema=schemas.TimeOut, resolve=selectors.api_block)
        sections.contribute_page(
            "time", resolve=selectors.page_block, template="timelog/_time.html", order=200
        )
