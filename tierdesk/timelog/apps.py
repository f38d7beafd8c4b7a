from django.apps import AppConfig


class TimelogConfig(AppConfig):
    name = "tierdesk.timelog"
    label = "timelog"
    verbose_name = "Time spent"

    def ready(self) -> None:
        from tierdesk.tickets import sections
        from tierdesk.timelog import schemas, selectors

        sections.contribute_api("time", schema=schemas.TimeOut, resolve=selectors.api_block)
        sections.contribute_page(
            "time", resolve=selectors.page_block, template="timelog/_time.html", order=200
        )
