"""What the schemathesis run (tests/test_api_schema.py) found, pinned down one request at a
time so each stays fixed without the fuzzer: every answer is a documented status with the
one error body, a bad value is a 422 naming its field, and nothing is written."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import ACME_CONTRACT, ticket_at
from tests.test_api import API, api_body, client_for, post
from tierdesk.api import api
from tierdesk.directory.models import Contract
from tierdesk.tickets.models import Message, Ticket, TicketEvent

NUL = "a\x00b"
LONE_SURROGATE = '"a\\udc80b"'  # a JSON escape that decodes to a string UTF-8 cannot encode


def _document() -> dict:
    return api.get_openapi_schema()


def _assert_error_body(answer, status: int, field: str | None = None) -> dict:
    assert answer.status_code == status, answer.content[:500]
    body = answer.json()
    assert set(body) <= {"code", "message", "missing", "fields"} and body["code"], body
    if field is not None:
        assert field in body["fields"], body
    return body


@pytest.fixture
def l2(world):
    return client_for(world, "l2")


@pytest.fixture
def acme(world):
    return client_for(world, "acme_l1")


@pytest.fixture
def vendor_admin(world):
    return client_for(world, "admin")


# --- undocumented 422: a path or query parameter of the wrong type -----------------------


def test_every_operation_with_parameters_documents_422():
    # found: GET /tickets/AAA answered 422, documented were 200, 401, 403, 404
    for path, operations in _document()["paths"].items():
        for method, operation in operations.items():
            if operation.get("parameters"):
                assert 422 in operation["responses"], f"{method.upper()} {path}"


@pytest.mark.parametrize(
    "path",
    [
        "/tickets/AAA",
        "/tickets/0.5/handover-check",
        "/tickets/null/messages",
        "/tickets/true/attachments",
        "/tickets/AAA/events",
        "/attachments/AAA",
    ],
)
def test_a_path_id_that_is_not_an_integer_is_422(world, l2, path):
    _assert_error_body(l2.get(API + path), 422, field=path.split("/")[1][:-1] + "_id")


@pytest.mark.parametrize("path", ["/tickets/99999999999999999999999999", f"/tickets/{2**63}"])
def test_a_path_id_beyond_64_bits_is_404(world, l2, path):
    _assert_error_body(l2.get(API + path), 404)


# --- NUL characters and lone surrogates: PostgreSQL stores neither (500 there) ----------


@pytest.mark.parametrize("name", ["status", "partner", "contract_id", "flow_id", "q", "cursor"])
def test_nul_in_a_ticket_filter_is_422_naming_it(world, l2, name):
    _assert_error_body(l2.get(f"{API}/tickets", {name: NUL}), 422, field=name)


@pytest.mark.parametrize(
    "path, field",
    [("/contracts/a%00b/workspaces", "contract_id"), ("/workspaces/a%00b/flows", "workspace_id")],
)
def test_nul_in_a_directory_path_is_422(world, l2, path, field):
    _assert_error_body(l2.get(API + path), 422, field=field)


def test_nul_or_lone_surrogate_in_a_message_is_422_and_nothing_written(world, l2):
    ticket = ticket_at(world, "in_progress@L2")
    before = Message.objects.filter(ticket=ticket).count()  # the hand-over's update
    url = f"/tickets/{ticket.pk}/messages"
    _assert_error_body(post(l2, url, {"body": NUL}), 422, field="body")
    raw = l2.post(API + url, f'{{"body": {LONE_SURROGATE}}}', content_type="application/json")
    _assert_error_body(raw, 422, field="body")
    assert Message.objects.filter(ticket=ticket).count() == before


@pytest.mark.parametrize(
    "action, body, field",
    [
        ("ask_customer", {"message": NUL}, "message"),
        ("resolve", {"resolution": NUL, "cause": "usage"}, "resolution"),
        ("bounce", {"items": [NUL], "note": "x"}, "items.0"),
    ],
)
def test_nul_in_an_action_body_is_422_and_the_ticket_stays(world, l2, action, body, field):
    ticket = ticket_at(world, "in_progress@L2")
    events = TicketEvent.objects.filter(ticket=ticket).count()
    answer = post(l2, f"/tickets/{ticket.pk}/actions/{action}", body)
    _assert_error_body(answer, 422, field=field)
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, "in_progress")
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


def test_lone_surrogate_in_an_action_body_is_422(world, l2):
    ticket = ticket_at(world, "in_progress@L2")
    answer = l2.post(
        f"{API}/tickets/{ticket.pk}/actions/ask_customer",
        f'{{"message": {LONE_SURROGATE}}}',
        content_type="application/json",
    )
    _assert_error_body(answer, 422, field="message")


def test_nul_in_a_reproduction_is_422(world, l2):
    ticket = ticket_at(world, "in_progress@L2")
    body = {"reproduced": True, "steps": NUL}
    _assert_error_body(post(l2, f"/tickets/{ticket.pk}/reproduction", body), 422, field="steps")


def test_lone_surrogate_as_the_customer_email_is_422_and_no_ticket(world, acme):
    raw = json.dumps(api_body()).replace(
        '"acme_customer@example.test"', LONE_SURROGATE.replace("a", "x", 1)
    )
    answer = acme.post(f"{API}/tickets", raw, content_type="application/json")
    _assert_error_body(answer, 422, field="customer")
    assert Ticket.objects.count() == 0


def test_nul_in_the_customer_email_is_422(world, acme):
    answer = post(acme, "/tickets", {**api_body(), "customer": NUL})
    _assert_error_body(answer, 422, field="customer")
    assert Ticket.objects.count() == 0


# --- times whose UTC value is outside years 1..9999 (500 on both databases) --------------


@pytest.mark.parametrize(
    "field, value",
    [
        # year 10000 in UTC: PostgreSQL stores it, then the ticket cannot be read back
        ("needed_by", "9999-12-31T23:00:00-05:00"),
        ("occurred_at", "0001-01-01T00:30:00+05:00"),
    ],
)
def test_a_time_out_of_range_in_utc_is_422(world, acme, field, value):
    _assert_error_body(post(acme, "/tickets", {**api_body(), field: value}), 422, field=field)
    assert Ticket.objects.count() == 0


def test_patch_with_a_time_out_of_range_leaves_the_ticket_readable(world, acme):
    ticket = ticket_at(world, "in_progress@L1")
    answer = acme.patch(
        f"{API}/tickets/{ticket.pk}",
        json.dumps({"needed_by": "9999-12-31T23:00:00-05:00", "version": ticket.version}),
        content_type="application/json",
    )
    _assert_error_body(answer, 422, field="needed_by")
    assert acme.get(f"{API}/tickets/{ticket.pk}").status_code == 200


# --- an end of the time window without its start (CHECK constraint: 500) ----------------


def test_occurred_until_without_occurred_at_is_422(world, acme):
    body = {"title": "t", "description": "d", "occurred_until": "2000-01-01T00:00:00Z"}
    _assert_error_body(post(acme, "/tickets", body), 422, field="occurred_until")
    assert Ticket.objects.count() == 0


def test_patch_clearing_the_start_but_setting_the_end_is_422(world, acme):
    ticket = ticket_at(world, "in_progress@L1")
    body = {
        "occurred_at": None,
        "occurred_until": "2000-01-01T00:00:00Z",
        "version": ticket.version,
    }
    answer = acme.patch(
        f"{API}/tickets/{ticket.pk}", json.dumps(body), content_type="application/json"
    )
    _assert_error_body(answer, 422, field="occurred_until")


def test_patch_an_end_onto_a_ticket_without_a_start_is_422(world, acme):
    body = api_body()
    body.pop("occurred_at")
    created = post(acme, "/tickets", body).json()
    change = {"occurred_until": "2020-01-01T00:00:00Z", "version": created["version"]}
    answer = acme.patch(
        f"{API}/tickets/{created['id']}", json.dumps(change), content_type="application/json"
    )
    _assert_error_body(answer, 422, field="occurred_until")


# --- the ticket search: digits int() refuses ----------------------------------------------


@pytest.mark.parametrize("q", ["²", "9" * 5000, "١٢٣"])
def test_search_by_odd_digits_is_a_plain_text_search(world, acme, q):
    answer = acme.get(f"{API}/tickets", {"q": q})
    assert answer.status_code == 200 and answer.json()["items"] == []


def test_search_by_number_still_finds_the_ticket(world, acme):
    ticket = ticket_at(world, "in_progress@L1")
    items = acme.get(f"{API}/tickets", {"q": str(ticket.number)}).json()["items"]
    assert [t["id"] for t in items] == [ticket.pk]


def test_limit_bounds_are_documented_and_enforced(world, acme):
    (limit,) = [
        p
        for p in _document()["paths"]["/api/v1/tickets"]["get"]["parameters"]
        if p["name"] == "limit"
    ]
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    for value in (0, 101, -5523, 10**30):
        _assert_error_body(acme.get(f"{API}/tickets", {"limit": value}), 422, field="limit")


# --- the directory import: the service trusted the document's shapes ---------------------


@pytest.mark.parametrize(
    "doc, field",
    [
        ({"partner": "Acme", "contracts": "x"}, "[0].contracts"),
        ({"partner": "Acme", "contracts": [{"id": "a" * 24, "name": 5}]}, "[0].contracts[0].name"),
        ({"partner": "Acme", "contracts": [{"id": "a" * 24, "name": "x" * 201}]}, None),
        ({"partner": "Acme", "contracts": ["x"]}, "[0].contracts[0].id"),
        ({"partner": ["Acme"]}, "[0].partner"),
        ({"partner": "Ac\x00me"}, "[0].partner"),
        ({"partner": "Acme", "contracts": [{"id": "a" * 24, "name": NUL}]}, None),
        ({"partner": "Acme", "contracts": [{"id": "a" * 24, "name": "n", "plan": ["x"]}]}, None),
    ],
)
def test_a_malformed_directory_document_is_422_and_nothing_imported(
    world, vendor_admin, doc, field
):
    before = Contract.objects.count()
    body = _assert_error_body(post(vendor_admin, "/directory/import", doc), 422)
    if field is not None:
        assert field in body["fields"], body
    assert Contract.objects.count() == before


def test_a_csv_row_with_nul_is_422(world, vendor_admin):
    csv = (
        "partner,contract_id,contract_name,plan,workspace_id,workspace_name,flow_id,flow_name\n"
        f"Acme,{'d' * 24},Ac\x00me staging,basic,,,,\n"
    )
    answer = vendor_admin.post(f"{API}/directory/import", csv, content_type="text/csv")
    _assert_error_body(answer, 422, field="[0].contracts[0].name")


def test_a_wellformed_directory_document_still_imports(world, vendor_admin):
    doc = {"partner": "Acme", "contracts": [{"id": ACME_CONTRACT, "name": "Renamed"}]}
    answer = post(vendor_admin, "/directory/import", doc)
    assert answer.status_code == 200 and answer.json()["updated"]["contracts"] == 1


def test_the_directory_import_body_is_documented():
    document = _document()
    body = document["paths"]["/api/v1/directory/import"]["post"]["requestBody"]["content"]
    components = document["components"]["schemas"]
    # the JSON body is a named component whose parts are named components too
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/DirectoryPartner"}
    assert "contracts" in components["DirectoryPartner"]["properties"]
    assert "workspaces" in components["DirectoryContract"]["properties"]
    assert "flows" in components["DirectoryWorkspace"]["properties"]
    # and the CSV body names its columns, with an example
    csv = body["text/csv"]
    assert "contract_id" in csv["schema"]["description"]
    assert csv["examples"]["one_flow"]["value"].startswith("partner,contract_id")


# --- the download is documented as what it sends ----------------------------------------


def test_the_download_is_documented_as_binary(world, acme):
    ok = _document()["paths"]["/api/v1/attachments/{attachment_id}"]["get"]["responses"][200]
    assert ok["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }


def test_error_answers_keep_the_one_body_without_a_token(world):
    _assert_error_body(Client().get(f"{API}/tickets/AAA"), 401)
