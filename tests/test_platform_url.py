"""Platform URLs and IDs (pure: no database).

L1 pastes the address bar of the platform; the parser must read the contract, workspace
and flow out of every real shape, and refuse — naming the part — what it cannot read.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierdesk.directory.platform import (
    PlatformRef,
    PlatformUrlError,
    check_platform_id,
    normalise_platform_id,
    parse_platform_url,
    platform_url,
)
from tierdesk.tickets.fields import clean_ticket_fields

C = "5f1a2b3c4d5e6f7081920a1b"
W = "5f1a2b3c4d5e6f7081920a2c"
F = "5f1a2b3c4d5e6f7081920a3d"
V = "5f1a2b3c4d5e6f7081920a4e"
BASE = "https://app.elastic.io"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------
# Real shapes
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            f"{BASE}/c/{C}/w/{W}/designer/{F}/v/{V}", PlatformRef(C, W, F, V), id="designer"
        ),
        pytest.param(f"{BASE}/c/{C}/w/{W}/designer/{F}", PlatformRef(C, W, F), id="no-version"),
        pytest.param(
            f"{BASE}/c/{C}/w/{W}/designer/{F}/v/{V}/", PlatformRef(C, W, F, V), id="trailing-slash"
        ),
        pytest.param(
            f"{BASE}/c/{C}/w/{W}/designer/{F}/v/{V}?tab=logs&step=2",
            PlatformRef(C, W, F, V),
            id="query-string",
        ),
        pytest.param(
            f"{BASE}/#/c/{C}/w/{W}/designer/{F}/v/{V}", PlatformRef(C, W, F, V), id="hash-route"
        ),
        pytest.param(
            f"{BASE}/#/c/{C}/w/{W}/designer/{F}?tab=logs",
            PlatformRef(C, W, F),
            id="hash-route-with-query",
        ),
        pytest.param(
            f"{BASE}/c/{C}/w/{W}/designer/{F}#logs", PlatformRef(C, W, F), id="plain-anchor"
        ),
        pytest.param(
            f"app.elastic.io/c/{C}/w/{W}/designer/{F}/v/{V}",
            PlatformRef(C, W, F, V),
            id="no-scheme",
        ),
        pytest.param(
            f"http://localhost:8080/c/{C}/w/{W}/designer/{F}", PlatformRef(C, W, F), id="http"
        ),
        pytest.param(f"{BASE}/c/{C}/w/{W}/flows/{F}", PlatformRef(C, W, F), id="flows-list"),
        pytest.param(
            f"{BASE}/c/{C}/w/{W}/flows/{F}/executions", PlatformRef(C, W, F), id="flows-subpage"
        ),
        pytest.param(f"{BASE}/c/{C}", PlatformRef(C), id="contract-only"),
        pytest.param(f"{BASE}/c/{C}/w/{W}", PlatformRef(C, W), id="contract-workspace"),
        pytest.param(f"{BASE}/c/{C}/w/{W}/flows", PlatformRef(C, W), id="flows-overview"),
        pytest.param(
            f"  {BASE}/c/{C}/w/{W}/designer/{F}/v/12  ", PlatformRef(C, W, F, "12"), id="padded"
        ),
    ],
)
def test_real_platform_url_shapes_fill_the_ids(url, expected):
    # given a URL copied from the platform's address bar
    # when it is parsed
    ref = parse_platform_url(url)
    # then every ID it names is read, and nothing else
    assert ref == expected


def test_uppercase_hex_is_normalised_to_lower_case():
    # given a URL whose IDs were typed in upper case
    url = f"{BASE}/c/{C.upper()}/w/{W.upper()}/designer/{F.upper()}/v/{V.upper()}"
    # when it is parsed
    ref = parse_platform_url(url)
    # then the IDs come back as the directory stores them
    assert ref == PlatformRef(C, W, F, V)


# ---------------------------------------------------------------------------------------
# Malformed URLs: refused, naming the part
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "names"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("   ", "empty", id="blank"),
        pytest.param(f"{BASE}/w/{W}/designer/{F}", "contract", id="no-contract"),
        pytest.param(f"{BASE}/", "contract", id="no-path"),
        pytest.param(f"{BASE}/c/{C}/designer/{F}", "workspace", id="flow-without-workspace"),
        pytest.param(f"{BASE}/c/{C}/flows/{F}", "workspace", id="flows-without-workspace"),
        pytest.param(f"{BASE}/c/{C[:-1]}/w/{W}", "contract ID", id="contract-23"),
        pytest.param(f"{BASE}/c/{C}a/w/{W}", "contract ID", id="contract-25"),
        pytest.param(f"{BASE}/c/{C}/w/{W[:-1]}", "workspace ID", id="workspace-23"),
        pytest.param(f"{BASE}/c/{C}/w/{W}/designer/{F}0", "flow ID", id="flow-25"),
        pytest.param(f"{BASE}/c/{'g' * 24}/w/{W}", "contract ID", id="contract-non-hex"),
        pytest.param(f"{BASE}/c/{C}/w/{W}/designer/{'z' * 24}", "flow ID", id="flow-non-hex"),
        pytest.param(f"ftp://app.elastic.io/c/{C}/w/{W}", "https://", id="ftp-scheme"),
        pytest.param(f"{BASE}/c/{C}/w/{W}/designer/{F}/v/not-a-version", "version", id="bad-ver"),
    ],
)
def test_malformed_urls_are_refused_naming_the_part(url, names):
    # given a URL that does not name a readable contract / workspace / flow
    # when it is parsed
    with pytest.raises(PlatformUrlError) as refused:
        parse_platform_url(url)
    # then the message names the part that is wrong
    assert names in str(refused.value)


@pytest.mark.parametrize(
    ("url", "length"),
    [(f"{BASE}/c/{C[:-1]}", 23), (f"{BASE}/c/{C}f", 25)],
)
def test_wrong_length_ids_say_how_long_they_are(url, length):
    # given a contract ID one character short or long
    # when the URL is parsed
    with pytest.raises(PlatformUrlError) as refused:
        parse_platform_url(url)
    # then the message says 24 were expected and how many came
    assert "24" in str(refused.value) and str(length) in str(refused.value)


# ---------------------------------------------------------------------------------------
# The ID checks on their own
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (C, True),
        (C.upper(), True),  # the shape check accepts upper case; normalising lowers it
        (C[:-1], False),
        (C + "0", False),
        ("", False),
        ("x" * 24, False),
        (C[:-1] + " ", False),
    ],
)
def test_check_platform_id(value, ok):
    # given a candidate ID
    # when it is checked
    problem = check_platform_id(value)
    # then only 24 hexadecimal characters pass, and a refusal gives a reason
    assert (problem is None) is ok
    if not ok:
        assert problem


def test_normalise_platform_id_strips_and_lowers():
    # given an ID pasted with spaces in upper case
    # when it is normalised
    # then it is the directory's form
    assert normalise_platform_id(f"  {C.upper()}\n") == C


# ---------------------------------------------------------------------------------------
# Rendering the URL back
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ref", "url"),
    [
        (PlatformRef(C, W, F, V), f"{BASE}/c/{C}/w/{W}/designer/{F}/v/{V}"),
        (PlatformRef(C, W, F), f"{BASE}/c/{C}/w/{W}/designer/{F}"),
        (PlatformRef(C, W), f"{BASE}/c/{C}/w/{W}"),
        (PlatformRef(C), f"{BASE}/c/{C}"),
    ],
)
def test_platform_url_renders_and_round_trips(ref, url):
    # given the IDs a ticket knows
    # when the link back to the platform is rendered (with a trailing slash on the base)
    rendered = platform_url(BASE + "/", ref)
    # then it is the platform's URL, and it parses back to the same IDs
    assert rendered == url
    assert parse_platform_url(rendered) == ref


_hex24 = st.text(alphabet="0123456789abcdef", min_size=24, max_size=24)
_bases = st.sampled_from(
    ["https://app.elastic.io", "https://app.elastic.io/", "http://localhost:8080", "app.example.io"]
)


@given(
    contract=_hex24,
    workspace=_hex24,
    flow=_hex24,
    version=st.one_of(st.just(""), _hex24, st.integers(0, 10**6).map(str)),
    base=_bases,
    upper=st.booleans(),
)
def test_any_valid_ids_round_trip_through_the_url(contract, workspace, flow, version, base, upper):
    # given any three valid IDs (and maybe a version), in either case
    ref = PlatformRef(contract, workspace, flow, version)
    shown = PlatformRef(*(part.upper() for part in (contract, workspace, flow, version)))
    # when they are rendered as a platform URL and parsed back
    parsed = parse_platform_url(platform_url(base, shown if upper else ref))
    # then the same IDs come back, in lower case
    assert parsed == ref


# ---------------------------------------------------------------------------------------
# The ticket fields take a pasted URL
# ---------------------------------------------------------------------------------------
def test_clean_ticket_fields_fills_the_three_ids_from_a_platform_url():
    # given a form with only the pasted URL (in upper case)
    data = {"platform_url": f"{BASE}/c/{C.upper()}/w/{W}/designer/{F}/v/{V}"}
    # when the fields are cleaned
    cleaned, errors = clean_ticket_fields(data, now=NOW, creating=False)
    # then contract, workspace, flow and version are filled
    assert errors == {}
    assert cleaned["contract_id"] == C
    assert cleaned["workspace_id"] == W
    assert cleaned["flow_id"] == F
    assert cleaned["flow_version"] == V


def test_clean_ticket_fields_names_platform_url_when_it_is_malformed():
    # given a pasted URL with a 23-character flow ID
    data = {"platform_url": f"{BASE}/c/{C}/w/{W}/designer/{F[:-1]}"}
    # when the fields are cleaned
    cleaned, errors = clean_ticket_fields(data, now=NOW, creating=False)
    # then the error sits on platform_url, names the flow, and no ID was filled
    assert set(errors) == {"platform_url"}
    assert "flow ID" in errors["platform_url"]
    assert not {"contract_id", "workspace_id", "flow_id"} & set(cleaned)


def test_a_url_naming_only_a_contract_keeps_a_workspace_given_beside_it():
    # given a contract-only URL and a workspace typed into its own field
    data = {"platform_url": f"{BASE}/c/{C}", "workspace_id": W.upper()}
    # when the fields are cleaned
    cleaned, errors = clean_ticket_fields(data, now=NOW, creating=False)
    # then the contract comes from the URL and the workspace from its field
    assert errors == {}
    assert (cleaned["contract_id"], cleaned["workspace_id"]) == (C, W)
