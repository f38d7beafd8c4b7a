from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "tierdesk.problems"
    label = "problems"
    verbose_name = "Problems"

    def ready(self) -> None:
        # A ticket's problem and links join its API detail (`tickets.sections`), read as
        # the caller may: the problem's public parts for partners and customers, links
        # only to tickets the caller sees (none for customers).
        from tierdesk.problems import selectors
        from tierdesk.problems.models import ProblemTicket
        from tierdesk.problems.schemas import ProblemOut, TicketLinkOut
        from tierdesk.tickets import sections

        def problem_block(actor, ticket):
            link = ProblemTicket.objects.filter(ticket=ticket).select_related("problem").first()
            return selectors.problem_view(actor, link.problem) if link else None

        sections.contribute_api("problem", schema=ProblemOut | None, resolve=problem_block)
        sections.contribute_api(
            "links", schema=list[TicketLinkOut], resolve=selectors.link_rows, order=110
        )
