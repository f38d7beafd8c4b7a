from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "tierdesk.problems"
    label = "problems"
    verbose_name = "Problems"

    def ready(self) -> None:
        from tierdesk.problems import selectors
        from tierdesk.problems.access import ticket_problem_link
        from tierdesk.problems.schemas import ProblemOut, TicketLinkOut
        from tierdesk.problems.services import escalation
        from tierdesk.tickets import bus, sections

        # Every escalation ends on a problem, in the escalation's transaction (a refusal
        # refuses the escalation); after the ticket's own outbox row, so a partner's
        # hook hears `ticket.escalated` before `problem.ticket_linked`.
        bus.subscribe(
            escalation.on_ticket_escalated,
            order=bus.ORDER_OUTBOX + 8,
            kinds=escalation.ESCALATION_KINDS,
        )

        # A ticket's problem and links join its API detail (`tickets.sections`), read as
        # the caller may: the problem's public parts for partners and customers, links
        # only to tickets the caller sees (none for customers).
        def problem_block(actor, ticket):
            link = ticket_problem_link(ticket)
            return selectors.problem_view(actor, link.problem) if link else None

        sections.contribute_api("problem", schema=ProblemOut | None, resolve=problem_block)
        sections.contribute_api(
            "links", schema=list[TicketLinkOut], resolve=selectors.link_rows, order=110
        )
