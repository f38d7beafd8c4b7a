from django.apps import AppConfig


class SatisfactionConfig(AppConfig):
    name = "tierdesk.satisfaction"
    label = "satisfaction"
    verbose_name = "Customer satisfaction"

    def ready(self) -> None:
        from tierdesk.mail import notifications
        from tierdesk.satisfaction import services

        # The resolved mail carries the signed link to rate the help.
        notifications.add_customer_lines(services.resolved_mail_lines)

        # The ratings join the ticket's API detail (`tickets.sections`).
        from tierdesk.satisfaction.models import Rating
        from tierdesk.satisfaction.schemas import RatingOut
        from tierdesk.tickets import sections

        def ratings_block(actor, ticket):
            rows = Rating.objects.filter(ticket=ticket).order_by("-created_at", "-pk")
            if actor.is_customer:
                rows = rows.filter(customer_id=actor.user_id)
            fields = ("score", "comment", "level", "created_at")
            return [{f: getattr(r, f) for f in fields} for r in rows[:10]]

        sections.contribute_api(
            "satisfaction", schema=list[RatingOut], resolve=ratings_block, order=120
        )
        # The console's ticket page: the ratings and, after a low one, "reopen".
        from tierdesk.satisfaction import selectors

        sections.contribute_page(
            "satisfaction",
            resolve=selectors.page_block,
            template="satisfaction/_ticket_block.html",
            order=120,
        )
