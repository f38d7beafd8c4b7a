"""Hand a ticket over to Tierdesk's L2 from a partner's helpdesk, with the Python client
generated from the API (openapi-python-client, see docs/api.md)."""

import uuid

from tierdesk_client import AuthenticatedClient
from tierdesk_client.api.tickets import ticket_create
from tierdesk_client.models import RefusedOut, TicketDetailOut, TicketIn


def hand_over(base_url: str, token: str, fields: dict) -> tuple[str, list[str]]:
    client = AuthenticatedClient(base_url=base_url, token=token)
    body = TicketIn.from_dict({**fields, "hand_over": True})
    # one key per ticket of yours: a retry after a timeout cannot open a second ticket
    key = str(uuid.uuid4())
    answer = ticket_create.sync_detailed(client=client, body=body, idempotency_key=key)
    if isinstance(answer.parsed, TicketDetailOut):
        return "handed_over", []
    if isinstance(answer.parsed, RefusedOut):  # show your agent what L2 still needs
        return "refused", [item.code.value for item in answer.parsed.missing]
    raise RuntimeError(f"{answer.status_code}: {answer.content!r}")
