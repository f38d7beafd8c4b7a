"""The REST clients of the partners' tools (one module per tool)."""

from tierdesk.connectors.clients.base import (
    Client,
    ExternalComment,
    ExternalFile,
    ExternalTicket,
    Upload,
    text_of,
)
from tierdesk.connectors.clients.freshdesk import FreshdeskClient
from tierdesk.connectors.clients.http import ToolError
from tierdesk.connectors.clients.jsm import JsmClient
from tierdesk.connectors.clients.zendesk import ZendeskClient
from tierdesk.connectors.models import Connector, Tool

CLIENTS: dict[str, type[Client]] = {
    Tool.ZENDESK: ZendeskClient,
    Tool.FRESHDESK: FreshdeskClient,
    Tool.JSM: JsmClient,
}


def client_for(connector: Connector) -> Client:
    return CLIENTS[connector.tool](connector)


__all__ = [
    "CLIENTS",
    "Client",
    "ExternalComment",
    "ExternalFile",
    "ExternalTicket",
    "ToolError",
    "Upload",
    "client_for",
    "text_of",
]
