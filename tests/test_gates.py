"""The gates of the ticket process and `workflow.require` (pure: no database, no clock).

Every handover item passes on a complete draft and fails — with exactly its own code —
when only that item is broken, in every way it can be broken.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from tierdesk.accounts.models import OrgKind, Role
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.core.errors import Forbidden, TransitionRefused, WrongState
from tierdesk.tickets import workflow
from tierdesk.tickets.gates import (
    HANDOVER_CODES,
    Context,
    DirectoryFacts,
    HandoverDraft,
    ReproductionDraft,
    gate_bounce,
    gate_close,
    gate_escalate,
    gate_reopen,
    gate_resolve,
    gate_verify,
    handover_missing,
    handover_recommendations,
    reproduction_missing,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ACME, GLOBEX, VENDOR = 11, 12, 1
C = "5f1a2b3c4d5e6f7081920a1b"
W = "5f1a2b3c4d5e6f7081920a2c"
F = "5f1a2b3c4d5e6f7081920a3d"
OTHER_C = "6a0b1c2d3e4f5a6b7c8d9e0f"
OTHER_W = "6a0b1c2d3e4f5a6b7c8d9e1a"


@dataclass
class FakeTicket:
    level: int
    status: str
    resolved_at: datetime | None = None
    resolved_level: int | None = None


def actor(role: str) -> Actor:
    org_id, kind = (ACME, OrgKind.PARTNER)
    if role in (Role.L2_AGENT, Role.SUPPORT_LEAD, Role.L3_ENGINEER, Role.ADMIN):
        org_id, kind = VENDOR, OrgKind.VENDOR
    return Actor(user=None, role=role, org_id=org_id, org_kind=kind)


CUSTOMER = actor(Role.CUSTOMER)
L1 = actor(Role.L1_AGENT)
PARTNER_ADMIN = actor(Role.PARTNER_ADMIN)
L2 = actor(Role.L2_AGENT)
LEAD = actor(Role.SUPPORT_LEAD)
L3 = actor(Role.L3_ENGINEER)
ADMIN = actor(Role.ADMIN)

KNOWN = DirectoryFacts(
    contract_partner_id=ACME,
    contract_partner_name="Acme",
    workspace_contract_id=C,
    flow_workspace_id=W,
)


def complete_draft(**overrides) -> HandoverDraft:
    """Every handover item satisfied; the directory knows the IDs and agrees."""
    draft = HandoverDraft(
        partner_id=ACME,
        contract_id=C,
        workspace_id=W,
        flow_id=F,
        occurred_at=NOW - timedelta(hours=3),
        description="Every execution of the orders flow fails since 09:00.",
        expected_behaviour="Orders reach the ERP.",
        actual_behaviour="The HTTP step fails with 401.",
        text_logs=1,
        steps_to_reproduce="1. Start the flow\n2. Send an order",
        is_blocker=True,
        blocker_impact="No orders reach the ERP.",
        needed_by=NOW + timedelta(days=2),
        check_connectivity="ERP answers from the egress IP.",
        check_credentials="API key re-entered; still 401.",
        checks_by_l1=True,
        directory=KNOWN,
    )
    return replace(draft, **overrides)


def codes(missing) -> list[str]:
    return [m.code for m in missing]


# ---------------------------------------------------------------------------------------
# The handover gate, item by item
# ---------------------------------------------------------------------------------------
def test_a_complete_draft_passes_every_item():
    # given a draft with every item filled in
    # when the handover gate looks at it
    # then nothing is missing
    assert handover_missing(complete_draft(), NOW) == []


def test_an_empty_draft_misses_every_item_in_checklist_order():
    # given nothing filled in
    # when the handover gate looks at it
    missing = handover_missing(HandoverDraft(), NOW)
    # then every item is listed once, in the checklist's order, with a message each
    assert codes(missing) == list(HANDOVER_CODES)
    assert HANDOVER_CODES == (
        "platform_ids",
        "occurred_at",
        "description",
        "logs",
        "steps",
        "blocker",
        "deadline",
        "l1_checks",
    )
    assert all(m.message.strip() for m in missing)


naive = NOW.replace(tzinfo=None)

BROKEN = [
    # platform_ids
    ("platform_ids", {"contract_id": ""}, "contract ID is missing"),
    ("platform_ids", {"contract_id": "   "}, "contract ID is missing"),
    ("platform_ids", {"contract_id": C[:-1]}, "not 23"),
    ("platform_ids", {"contract_id": C + "0"}, "not 25"),
    ("platform_ids", {"contract_id": "x" * 24}, "hexadecimal"),
    ("platform_ids", {"workspace_id": ""}, "workspace ID is missing"),
    ("platform_ids", {"workspace_id": W[:-1]}, "workspace ID"),
    ("platform_ids", {"flow_id": ""}, "why this is not about one flow"),
    ("platform_ids", {"flow_id": "", "no_flow_reason": "  "}, "flow ID is missing"),
    ("platform_ids", {"flow_id": F[:23]}, "flow ID"),
    ("platform_ids", {"flow_id": "z" * 24}, "flow ID"),
    (
        "platform_ids",
        {"flow_id": "", "no_flow_reason": "Every flow of the workspace.", "contract_id": ""},
        "contract ID is missing",
    ),
    (
        "platform_ids",
        {"flow_id": "", "no_flow_reason": "All flows.", "workspace_id": "nothex"},
        "workspace ID",
    ),
    (
        "platform_ids",
        {"directory": replace(KNOWN, workspace_contract_id=OTHER_C)},
        "workspace does not belong to the contract",
    ),
    (
        "platform_ids",
        {"directory": replace(KNOWN, flow_workspace_id=OTHER_W)},
        "flow does not belong to the workspace",
    ),
    (
        "platform_ids",
        {"directory": replace(KNOWN, contract_partner_id=GLOBEX)},
        "another partner",
    ),
    # occurred_at
    ("occurred_at", {"occurred_at": None}, "when it happened"),
    ("occurred_at", {"occurred_at": naive - timedelta(hours=1)}, "time zone"),
    ("occurred_at", {"occurred_at": NOW + timedelta(seconds=1)}, "future"),
    (
        "occurred_at",
        {
            "occurred_at": NOW - timedelta(hours=1),
            "occurred_until": NOW - timedelta(hours=2),
        },
        "ends before it starts",
    ),
    (
        "occurred_at",
        {"occurred_at": NOW - timedelta(hours=1), "occurred_until": NOW + timedelta(minutes=1)},
        "end of the window lies in the future",
    ),
    (
        "occurred_at",
        {"occurred_at": NOW - timedelta(hours=2), "occurred_until": naive - timedelta(hours=1)},
        "time zone",
    ),
    # description
    ("description", {"description": ""}, "a description"),
    ("description", {"description": " \n "}, "a description"),
    ("description", {"expected_behaviour": ""}, "the expected behaviour"),
    ("description", {"actual_behaviour": ""}, "the actual behaviour"),
    # logs
    ("logs", {"text_logs": 0}, "a screenshot of a log is not a log"),
    ("logs", {"text_logs": 0, "screenshots": 3}, "a screenshot of a log is not a log"),
    ("logs", {"text_logs": 0, "pasted_log": "  ", "no_logs_reason": "\t"}, "paste it"),
    # steps
    ("steps", {"steps_to_reproduce": ""}, "steps to reproduce"),
    ("steps", {"steps_to_reproduce": "   "}, "steps to reproduce"),
    (
        "steps",
        {"steps_to_reproduce": "", "reproducibility": "always", "context": "Saving an order."},
        "steps to reproduce",
    ),
    ("steps", {"steps_to_reproduce": "", "reproducibility": "sometimes"}, "how often"),
    ("steps", {"steps_to_reproduce": "", "reproducibility": "once", "context": " "}, "how often"),
    ("steps", {"steps_to_reproduce": "", "context": "Saving an order."}, "how often"),
    # blocker
    ("blocker", {"is_blocker": None}, "blocks the customer right now"),
    ("blocker", {"is_blocker": True, "blocker_impact": ""}, "how it blocks"),
    ("blocker", {"is_blocker": True, "blocker_impact": "  "}, "how it blocks"),
    # deadline
    ("deadline", {"needed_by": None}, "latest acceptable time"),
    ("deadline", {"needed_by": NOW - timedelta(minutes=1)}, "already passed"),
    ("deadline", {"needed_by": NOW}, "already passed"),
    ("deadline", {"needed_by": naive + timedelta(days=1)}, "time zone"),
    # l1_checks
    ("l1_checks", {"check_connectivity": ""}, "connectivity"),
    ("l1_checks", {"check_credentials": " "}, "credentials / login"),
    ("l1_checks", {"check_connectivity": "", "check_credentials": ""}, "connectivity and cred"),
]


@pytest.mark.parametrize(
    ("code", "overrides", "says"),
    BROKEN,
    ids=[f"{code}-{i}" for i, (code, _, _) in enumerate(BROKEN)],
)
def test_a_draft_with_one_item_broken_fails_with_exactly_that_code(code, overrides, says):
    # given a complete draft with only one item broken
    draft = complete_draft(**overrides)
    # when the handover gate looks at it
    missing = handover_missing(draft, NOW)
    # then exactly that item is missing, and its message says why
    assert codes(missing) == [code]
    assert says.lower() in missing[0].message.lower()


def test_every_handover_item_is_broken_at_least_once_above():
    # given the table of broken drafts
    # then each item of the checklist is exercised
    assert {code for code, _, _ in BROKEN} == set(HANDOVER_CODES)


PASSING = [
    # platform_ids
    pytest.param(
        {"flow_id": "", "no_flow_reason": "Affects every flow."}, id="no-flow-with-reason"
    ),
    pytest.param(
        {"flow_id": "", "workspace_id": "", "no_flow_reason": "The whole contract."},
        id="contract-only-with-reason",
    ),
    pytest.param({"directory": DirectoryFacts()}, id="directory-does-not-know-the-ids"),
    pytest.param({"directory": DirectoryFacts(), "partner_id": None}, id="no-partner-no-directory"),
    pytest.param(
        {
            "contract_id": C.upper(),
            "workspace_id": W.upper(),
            "flow_id": F.upper(),
            "directory": DirectoryFacts(),
        },
        # the gate checks the shape; lower-casing is the fields' job (see test_fields)
        id="uppercase-ids-have-the-right-shape",
    ),
    # occurred_at
    pytest.param({"occurred_at": NOW}, id="occurred-exactly-now"),
    pytest.param(
        {"occurred_at": NOW - timedelta(hours=2), "occurred_until": NOW - timedelta(hours=1)},
        id="window",
    ),
    pytest.param(
        {"occurred_at": NOW - timedelta(hours=2), "occurred_until": NOW - timedelta(hours=2)},
        id="window-of-one-instant",
    ),
    # logs
    pytest.param({"text_logs": 0, "pasted_log": '{"level":50,"msg":"401"}'}, id="pasted-log"),
    pytest.param({"text_logs": 0, "no_logs_reason": "The flow never started."}, id="no-log-why"),
    pytest.param({"text_logs": 2, "screenshots": 0}, id="text-log-without-screenshot"),
    # steps
    pytest.param(
        {"steps_to_reproduce": "", "reproducibility": "sometimes", "context": "Bulk import."},
        id="sometimes-with-context",
    ),
    pytest.param(
        {"steps_to_reproduce": "", "reproducibility": "once", "context": "Saving an order."},
        id="once-with-context",
    ),
    # blocker
    pytest.param({"is_blocker": False, "blocker_impact": ""}, id="not-a-blocker"),
    # deadline
    pytest.param({"needed_by": NOW + timedelta(seconds=1)}, id="deadline-one-second-ahead"),
]


@pytest.mark.parametrize("overrides", PASSING)
def test_acceptable_variants_of_an_item_pass(overrides):
    # given a complete draft with one item answered in another acceptable way
    # when the handover gate looks at it
    # then nothing is missing
    assert handover_missing(complete_draft(**overrides), NOW) == []


def test_screenshots_are_recommended_not_required():
    # given a complete draft without a screenshot, and one with
    without = complete_draft(screenshots=0)
    with_one = complete_draft(screenshots=1)
    # when the gate and the recommendations look at them
    # then both pass the gate; only the first is reminded of a screenshot
    assert handover_missing(without, NOW) == []
    assert codes(handover_recommendations(without)) == ["screenshots"]
    assert handover_recommendations(with_one) == []


def test_the_handover_transition_uses_the_same_gate():
    # given a draft lacking logs and the deadline, checked through the table
    draft = complete_draft(text_logs=0, needed_by=None)
    ctx = Context(actor=L1, ticket=FakeTicket(1, "in_progress"), now=NOW, handover=draft)
    # when the hand_over action's gate runs
    # then it lists the same items as the checklist
    assert codes(workflow.check("hand_over", ctx)) == ["logs", "deadline"]
    assert codes(workflow.check("create_handed_over", replace(ctx, ticket=None))) == [
        "logs",
        "deadline",
    ]


# ---------------------------------------------------------------------------------------
# Bounce
# ---------------------------------------------------------------------------------------
def bounce_ctx(**payload) -> Context:
    return Context(actor=L2, ticket=FakeTicket(2, "new"), now=NOW, payload=payload)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"items": ["logs"], "note": "Attach the execution log."}, []),
        ({"items": ["logs", "steps"], "note": "Log and steps."}, []),
        ({"items": [], "note": "Something is missing."}, ["items"]),
        ({"note": "Something is missing."}, ["items"]),
        ({"items": None, "note": "Something is missing."}, ["items"]),
        ({"items": ["logz"], "note": "Attach the log."}, ["items"]),
        ({"items": ["logs", "screenshots"], "note": "Both."}, ["items"]),
        ({"items": ["logs"], "note": ""}, ["note"]),
        ({"items": ["logs"], "note": "   "}, ["note"]),
        ({"items": ["logs"]}, ["note"]),
        ({}, ["items", "note"]),
    ],
)
def test_bounce_needs_known_items_and_a_note(payload, expected):
    # given a bounce payload
    # when the bounce gate looks at it
    # then it names what is missing
    assert codes(gate_bounce(bounce_ctx(**payload))) == expected


def test_bounce_names_the_unknown_items():
    # given a bounce naming an item that is not on the checklist
    # when the gate looks at it
    missing = gate_bounce(bounce_ctx(items=["logs", "logz"], note="x"))
    # then the message names it
    assert "logz" in missing[0].message and "logs," not in missing[0].message


# ---------------------------------------------------------------------------------------
# Escalate
# ---------------------------------------------------------------------------------------
COMPLETE_REPRO = ReproductionDraft(
    reproduced=True,
    steps="Ran order 4711 on staging.",
    environment=f"contract {C}, flow {F} v3",
    observed="401 after the token refresh.",
    analysis="Refresh token not persisted.",
    evidence_count=1,
)


def escalate_ctx(who=L2, reproduction=COMPLETE_REPRO, **payload) -> Context:
    return Context(
        actor=who,
        ticket=FakeTicket(2, "in_progress"),
        now=NOW,
        payload=payload,
        reproduction=reproduction,
    )


def test_escalation_passes_with_a_complete_reproduction():
    # given a complete reproduction record
    # when L2 escalates
    # then nothing is missing
    assert gate_escalate(escalate_ctx()) == []


def test_escalation_passes_with_log_lines_as_evidence():
    # given a record whose evidence is pasted log lines instead of an attachment
    repro = replace(COMPLETE_REPRO, evidence_count=0, evidence_log_lines="09:14:03 ERROR 401")
    # when L2 escalates
    # then nothing is missing
    assert gate_escalate(escalate_ctx(reproduction=repro)) == []


@pytest.mark.parametrize(
    ("reproduction", "expected"),
    [
        (None, ["reproduction"]),
        (replace(COMPLETE_REPRO, reproduced=False), ["reproduced"]),
        (replace(COMPLETE_REPRO, steps=""), ["reproduction.steps"]),
        (replace(COMPLETE_REPRO, environment="  "), ["reproduction.environment"]),
        (replace(COMPLETE_REPRO, observed=""), ["reproduction.observed"]),
        (replace(COMPLETE_REPRO, analysis=""), ["reproduction.analysis"]),
        (replace(COMPLETE_REPRO, evidence_count=0), ["reproduction.evidence"]),
        (
            ReproductionDraft(),
            [
                "reproduced",
                "reproduction.steps",
                "reproduction.environment",
                "reproduction.observed",
                "reproduction.analysis",
                "reproduction.evidence",
            ],
        ),
    ],
)
def test_escalation_without_a_complete_reproduction_is_refused(reproduction, expected):
    # given no reproduction, or one with a part missing
    # when L2 escalates
    missing = gate_escalate(escalate_ctx(reproduction=reproduction))
    # then every missing part is named
    assert codes(missing) == expected
    assert codes(reproduction_missing(reproduction)) == expected


def test_a_support_lead_may_override_with_a_reason():
    # given no reproduction at all
    # when a support lead escalates with a written reason
    # then the gate lets it through
    assert gate_escalate(escalate_ctx(who=LEAD, reproduction=None, override_reason="Outage")) == []


def test_a_blank_override_is_no_override():
    # given no reproduction and a blank override reason
    # when a support lead escalates
    # then the reproduction is still required
    missing = gate_escalate(escalate_ctx(who=LEAD, reproduction=None, override_reason="  "))
    assert codes(missing) == ["reproduction"]


@pytest.mark.parametrize("reproduction", [None, COMPLETE_REPRO])
def test_an_l2_agents_override_is_refused(reproduction):
    # given an L2 agent (not a lead) giving an override reason
    # when they escalate
    missing = gate_escalate(
        escalate_ctx(who=L2, reproduction=reproduction, override_reason="Trust me")
    )
    # then the override itself is refused
    assert codes(missing) == ["override_reason"]


# ---------------------------------------------------------------------------------------
# Verify, resolve, reopen, close
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"passed": True}, []),
        ({"passed": True, "notes": ""}, []),
        ({"passed": False, "notes": "Order 4712 still fails."}, []),
        ({}, ["passed"]),
        ({"passed": None}, ["passed"]),
        ({"passed": "yes"}, ["passed"]),
        ({"passed": 1}, ["passed"]),
        ({"passed": False}, ["notes"]),
        ({"passed": False, "notes": "  "}, ["notes"]),
    ],
)
def test_verification_records_a_verdict(payload, expected):
    # given a verification payload
    ctx = Context(actor=L2, ticket=FakeTicket(2, "verifying"), now=NOW, payload=payload)
    # when the verify gate looks at it
    # then a boolean verdict is needed, and notes when it failed
    assert codes(gate_verify(ctx)) == expected


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"resolution": "Renewed the API key.", "cause": "credentials"}, []),
        ({"resolution": "", "cause": "credentials"}, ["resolution"]),
        ({"resolution": "  ", "cause": "usage"}, ["resolution"]),
        ({"resolution": "Done.", "cause": "magic"}, ["cause"]),
        ({"resolution": "Done.", "cause": ""}, ["cause"]),
        ({"resolution": "Done."}, ["cause"]),
        ({}, ["resolution", "cause"]),
    ],
)
def test_resolve_needs_text_and_a_known_cause(payload, expected):
    ctx = Context(actor=L1, ticket=FakeTicket(1, "in_progress"), now=NOW, payload=payload)
    assert codes(gate_resolve(ctx)) == expected


def resolved(days_ago: float, level: int = 2) -> FakeTicket:
    return FakeTicket(level, "resolved", NOW - timedelta(days=days_ago), level)


@pytest.mark.parametrize(
    ("ticket", "payload", "expected"),
    [
        (resolved(1), {"reason": "Still fails."}, []),
        (resolved(13.9), {"reason": "Still fails."}, []),
        (resolved(14), {"reason": "Still fails."}, []),  # the last moment of the period
        (resolved(14.01), {"reason": "Still fails."}, ["period"]),
        (resolved(40), {"reason": "Still fails."}, ["period"]),
        (resolved(1), {"reason": ""}, ["reason"]),
        (resolved(1), {}, ["reason"]),
        (resolved(40), {}, ["period", "reason"]),
    ],
)
def test_reopen_within_the_period_with_a_reason(ticket, payload, expected):
    # given a ticket resolved some days ago (period: 14 days)
    ctx = Context(actor=CUSTOMER, ticket=ticket, now=NOW, payload=payload)
    # when the reopen gate looks at it
    # then it passes inside the period with a reason only
    assert codes(gate_reopen(ctx)) == expected


def test_the_reopen_period_is_the_contexts():
    # given a period of one day and a ticket resolved two days ago
    ctx = Context(
        actor=L1,
        ticket=resolved(2),
        now=NOW,
        payload={"reason": "Still fails."},
        reopen_period=timedelta(days=1),
    )
    # when the reopen gate looks at it
    # then the period has ended
    assert codes(gate_reopen(ctx)) == ["period"]


@pytest.mark.parametrize(
    ("who", "ticket", "payload", "expected"),
    [
        pytest.param(CUSTOMER, resolved(1), {}, [], id="customer-closes-any-time"),
        pytest.param(L1, resolved(1), {"confirmed": True}, [], id="confirmed"),
        pytest.param(L2, resolved(14), {}, [], id="period-over"),
        pytest.param(SYSTEM, resolved(20), {}, [], id="system-after-period"),
        pytest.param(L1, resolved(1), {}, ["confirmed"], id="before-period"),
        pytest.param(L2, resolved(13.9), {"confirmed": False}, ["confirmed"], id="not-confirmed"),
        pytest.param(SYSTEM, resolved(1), {}, ["confirmed"], id="system-before-period"),
    ],
)
def test_close_after_the_period_or_when_confirmed(who, ticket, payload, expected):
    ctx = Context(actor=who, ticket=ticket, now=NOW, payload=payload)
    assert codes(gate_close(ctx)) == expected


# ---------------------------------------------------------------------------------------
# workflow.require: role, then state, then gate
# ---------------------------------------------------------------------------------------
def test_require_refuses_a_role_first_with_forbidden():
    # given a customer, and a ticket in a state where take is possible
    ctx = Context(actor=CUSTOMER, ticket=FakeTicket(1, "new"), now=NOW)
    # when the customer tries to take it
    with pytest.raises(Forbidden) as refused:
        workflow.require("take", ctx)
    # then it is a 403
    assert refused.value.status == 403


def test_require_checks_the_role_before_the_state():
    # given a customer and a closed ticket (both wrong)
    ctx = Context(actor=CUSTOMER, ticket=FakeTicket(3, "closed"), now=NOW)
    # when the customer tries to escalate
    # then the role is what is refused
    with pytest.raises(Forbidden):
        workflow.require("escalate", ctx)


def test_require_refuses_a_wrong_state_with_409():
    # given an L2 agent and a ticket still new at L2, without a reproduction
    ctx = Context(actor=L2, ticket=FakeTicket(2, "new"), now=NOW, reproduction=None)
    # when they try to escalate
    with pytest.raises(WrongState) as refused:
        workflow.require("escalate", ctx)
    # then the state is refused (409) before the gate is looked at
    assert refused.value.status == 409
    assert "new@L2" in refused.value.message


def test_require_refuses_an_agent_of_another_level():
    # given an L3 engineer and a ticket new at L1
    ctx = Context(actor=L3, ticket=FakeTicket(1, "new"), now=NOW)
    # when they try to take it
    with pytest.raises(Forbidden) as refused:
        workflow.require("take", ctx)
    # then only level-1 agents may
    assert "level 1" in refused.value.message


def test_require_refuses_the_gate_with_every_missing_item():
    # given an L1 agent, a ticket in progress at L1 and an empty handover draft
    ctx = Context(actor=L1, ticket=FakeTicket(1, "in_progress"), now=NOW, handover=HandoverDraft())
    # when they hand over
    with pytest.raises(TransitionRefused) as refused:
        workflow.require("hand_over", ctx)
    # then it is a 422 listing every item, as the API returns it
    error = refused.value
    assert error.status == 422
    assert error.code == "hand_over_refused"
    assert codes(error.missing) == list(HANDOVER_CODES)
    body = error.as_dict()
    assert [m["code"] for m in body["missing"]] == list(HANDOVER_CODES)
    assert all(m["message"] for m in body["missing"])


def test_require_returns_the_transition_when_everything_passes():
    # given an L1 agent, a ticket in progress at L1 and a complete draft
    ticket = FakeTicket(1, "in_progress")
    ctx = Context(actor=L1, ticket=ticket, now=NOW, handover=complete_draft())
    # when they hand over
    t = workflow.require("hand_over", ctx)
    # then the transition leads to new@L2
    assert t.action == "hand_over"
    assert t.destination(ticket, {}) == (2, "new")


def test_require_refuses_an_unknown_action():
    ctx = Context(actor=L2, ticket=FakeTicket(2, "new"), now=NOW)
    with pytest.raises(WrongState) as refused:
        workflow.require("teleport", ctx)
    assert refused.value.code == "unknown_action"


@pytest.mark.parametrize(
    ("who", "action", "ok"),
    [
        (CUSTOMER, "create", True),
        (L1, "create", True),
        (PARTNER_ADMIN, "create", True),
        (L2, "create", False),
        (L3, "create", False),
        (ADMIN, "create", False),
        (L1, "create_handed_over", True),
        (CUSTOMER, "create_handed_over", False),
        (L2, "create_handed_over", False),
    ],
)
def test_who_may_create(who, action, ok):
    # given a new ticket (no ticket yet) with a complete handover draft
    ctx = Context(actor=who, ticket=None, now=NOW, handover=complete_draft())
    # when the actor opens it
    # then only customers and L1 may, and only L1 straight at L2
    if ok:
        assert workflow.require(action, ctx).action == action
    else:
        with pytest.raises(Forbidden):
            workflow.require(action, ctx)


def test_create_is_not_an_action_on_an_existing_ticket():
    ctx = Context(actor=L1, ticket=FakeTicket(1, "new"), now=NOW)
    with pytest.raises(WrongState):
        workflow.require("create", ctx)


@pytest.mark.parametrize(
    ("action", "ticket", "payload", "expected"),
    [
        ("verify_fix", FakeTicket(2, "verifying"), {"passed": True}, (2, "resolved")),
        ("verify_fix", FakeTicket(2, "verifying"), {"passed": False}, (3, "in_progress")),
        ("reopen", FakeTicket(2, "resolved", NOW, 1), {}, (1, "in_progress")),
        ("reopen", FakeTicket(2, "resolved", NOW, 2), {}, (2, "in_progress")),
        ("bounce", FakeTicket(2, "in_progress"), {}, (1, "in_progress")),
        ("escalate", FakeTicket(2, "in_progress"), {}, (3, "new")),
        ("deliver_fix", FakeTicket(3, "in_progress"), {}, (2, "verifying")),
        ("return_to_l2", FakeTicket(3, "new"), {}, (2, "in_progress")),
        ("close", FakeTicket(1, "resolved"), {}, (1, "closed")),
    ],
)
def test_destinations(action, ticket, payload, expected):
    # given a ticket and an action's payload
    # when the table computes where it goes
    # then it is the destination of DESIGN.md §2
    assert workflow.TABLE[action].destination(ticket, payload) == expected


# ---------------------------------------------------------------------------------------
# allowed_actions: the buttons a person sees
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "ticket", "expected"),
    [
        (L1, FakeTicket(1, "new"), ["take"]),
        (PARTNER_ADMIN, FakeTicket(1, "in_progress"), ["ask_customer", "resolve", "hand_over"]),
        (L1, FakeTicket(1, "waiting_on_customer"), ["customer_reply", "resolve"]),
        (CUSTOMER, FakeTicket(1, "waiting_on_customer"), ["customer_reply"]),
        (CUSTOMER, FakeTicket(2, "in_progress"), []),
        (L2, FakeTicket(1, "new"), []),
        (L2, FakeTicket(2, "new"), ["take", "bounce"]),
        (L2, FakeTicket(2, "in_progress"), ["ask_customer", "resolve", "bounce", "escalate"]),
        (LEAD, FakeTicket(2, "verifying"), ["verify_fix"]),
        (L3, FakeTicket(3, "new"), ["take", "return_to_l2"]),
        (L3, FakeTicket(3, "in_progress"), ["return_to_l2", "deliver_fix"]),
        (L3, FakeTicket(2, "in_progress"), []),
        (CUSTOMER, resolved(1), ["reopen", "close"]),
        (L3, resolved(1), []),
        (SYSTEM, resolved(20), ["close"]),
        (ADMIN, FakeTicket(2, "in_progress"), []),
        (L2, FakeTicket(2, "closed"), []),
    ],
)
def test_allowed_actions(who, ticket, expected):
    # given an actor and a ticket's state
    # when the actions on offer are listed
    # then they are exactly those of DESIGN.md §2 for that role and state
    assert workflow.allowed_actions(who, ticket) == expected


def test_l1_checks_count_only_when_l1_staff_noted_them():
    # given both check notes filled in, but not by L1 staff (a customer, a lead…)
    draft = complete_draft(checks_by_l1=False)
    # when the handover gate looks at it
    missing = handover_missing(draft, NOW)
    # then the l1_checks item is missing, and it says who must note the checks
    assert codes(missing) == ["l1_checks"]
    assert "L1 agent" in missing[0].message
