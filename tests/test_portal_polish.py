"""The portal names the customer's contract, workspace and flow, not only their IDs."""

from __future__ import annotations

import pytest

from tests.factories import ACME_CONTRACT, ACME_FLOW, ticket_at

pytestmark = pytest.mark.django_db


def test_the_ticket_page_names_contract_workspace_and_flow(world, client):
    # given a customer's ticket on Acme's production contract, Main workspace, Orders sync
    ticket = ticket_at(world, "in_progress@L1")
    client.force_login(world.user("acme_customer"))
    # when they open it
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    # then each is named, with its ID one click away and a button to copy it
    assert '<span class="platform-name">Acme production</span>' in page
    assert '<span class="platform-name">Main</span>' in page
    assert '<span class="platform-name">Orders sync</span>' in page
    for platform_id in (ACME_CONTRACT, ACME_FLOW):
        assert f'<code class="mono">{platform_id}</code>' in page
        assert f'data-copy="{platform_id}"' in page
    assert "tierdesk/copy.js" in page
