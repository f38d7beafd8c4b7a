"""Time spent on tickets: minutes logged by staff with a reply, a note or an action,
totalled per ticket by level and by person (the ticket page, the API's ticket detail,
and the reports)."""
