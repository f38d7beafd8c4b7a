"""docs/process.md is the rendering of the workflow table, never a hand-kept copy."""

from __future__ import annotations

from pathlib import Path

from tierdesk.tickets.gates import REPRODUCTION_FIELDS
from tierdesk.tickets.process_doc import render_process_markdown
from tierdesk.tickets.workflow import HANDOVER_ITEMS, TRANSITIONS

DOC = Path(__file__).resolve().parent.parent / "docs" / "process.md"


def test_docs_process_md_is_up_to_date():
    # given the page in the repository and the rendering of the code as it stands
    rendered = render_process_markdown()
    # then they are the same
    assert DOC.exists(), "docs/process.md is missing: run `tierdesk docs`"
    assert DOC.read_text() == rendered, "docs/process.md is stale: run `tierdesk docs`"


def test_every_action_appears_with_its_gate_and_event():
    # when the page is rendered
    page = render_process_markdown()
    rows = {
        line.split("|")[1].strip(): line for line in page.splitlines() if line.startswith("| `")
    }
    # then each action of the table has a row naming its gate and its event
    for t in TRANSITIONS:
        row = rows.get(f"`{t.action}`")
        assert row is not None, t.action
        assert " ".join(t.gate_text.split()) in row
        assert f"`{t.event.name}`" in row


def test_every_handover_item_and_reproduction_field_appears():
    page = render_process_markdown()
    for item in HANDOVER_ITEMS:
        assert f"**{item.title}** (`{item.code}`)" in page
    for key, _ in REPRODUCTION_FIELDS:
        assert f"- `{key}` —" in page


def test_states_are_written_compactly_and_table_cells_are_safe():
    # given the take action, allowed from new at every level
    page = render_process_markdown()
    take = next(line for line in page.splitlines() if line.startswith("| `take`"))
    # then its source reads as one state over three levels, and no cell breaks the table
    assert "| new@L1/L2/L3 |" in take
    lines = page.splitlines()
    start = lines.index("| action | from | to | who | gate | event |")
    table = lines[start : lines.index("", start)]
    assert len(table) == 2 + len(TRANSITIONS)
    for line in table:
        assert line.count("|") - line.count("\\|") == 7, line
