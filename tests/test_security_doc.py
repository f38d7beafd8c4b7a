"""docs/security.md cannot rot: every OWASP ASVS 4.0.3 level-2 requirement of chapters
V2–V5, V7, V8 and V12–V14 has one row with a status, every `met` names a test, and every
test the document names exists."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"
STATUSES = {"met", "n/a", "gap"}

# The level-2 requirements of the audited chapters, by section (ASVS 4.0.3).
LEVEL_2 = {
    "V2.1": "1 2 3 4 5 6 7 8 9 10 11 12",
    "V2.2": "1 2 3",
    "V2.3": "1 2 3",
    "V2.4": "1 2 3 4 5",
    "V2.5": "1 2 3 4 5 6 7",
    "V2.6": "1 2 3",
    "V2.7": "1 2 3 4 5 6",
    "V2.8": "1 2 3 4 5 6 7",
    "V2.9": "1 2 3",
    "V2.10": "1 2 3 4",
    "V3.1": "1",
    "V3.2": "1 2 3 4",
    "V3.3": "1 2 3 4",
    "V3.4": "1 2 3 4 5",
    "V3.5": "1 2 3",
    "V3.7": "1",
    "V4.1": "1 2 3 5",
    "V4.2": "1 2",
    "V4.3": "1 2 3",
    "V5.1": "1 2 3 4 5",
    "V5.2": "1 2 3 4 5 6 7 8",
    "V5.3": "1 2 3 4 5 6 7 8 9 10",
    "V5.4": "1 2 3",
    "V5.5": "1 2 3 4",
    "V7.1": "1 2 3 4",
    "V7.2": "1 2",
    "V7.3": "1 3 4",
    "V7.4": "1 2 3",
    "V8.1": "1 2 3 4",
    "V8.2": "1 2 3",
    "V8.3": "1 2 3 4 5 6 7 8",
    "V12.1": "1 2 3",
    "V12.2": "1",
    "V12.3": "1 2 3 4 5 6",
    "V12.4": "1 2",
    "V12.5": "1 2",
    "V12.6": "1",
    "V13.1": "1 3 4 5",
    "V13.2": "1 2 3 5 6",
    "V13.3": "1 2",
    "V13.4": "1 2",
    "V14.1": "1 2 3 4",
    "V14.2": "1 2 3 4 5 6",
    "V14.3": "2 3",
    "V14.4": "1 2 3 4 5 6 7",
    "V14.5": "1 2 3 4",
}
REQUIREMENTS = [f"{section}.{n}" for section, numbers in LEVEL_2.items() for n in numbers.split()]

ROW = re.compile(r"^\| (V\d+\.\d+\.\d+) \| (.+?) \| (met|n/a|gap|[^|]*?) \| (.*) \|$")
TEST_REF = re.compile(r"`((?:tests/[\w/]+\.py)?::[\w:]+)(?:\[[^\]]*\])?`")


def _rows() -> dict[str, list[tuple[str, str, str]]]:
    rows: dict[str, list[tuple[str, str, str]]] = {}
    for line in DOC.read_text().splitlines():
        match = ROW.match(line)
        if match:
            rid, short, status, where = match.groups()
            rows.setdefault(rid, []).append((short, status, where))
    return rows


def _test_refs(text: str) -> list[str]:
    """The tests a cell names, `::name` read against the file named before it."""
    refs, current = [], ""
    for ref in TEST_REF.findall(text):
        path, _, name = ref.partition("::")
        current = path or current
        refs.append(f"{current}::{name}")
    return refs


@cache
def _tests_in(path: str) -> frozenset[str]:
    """The test ids a file defines: `name` for functions, `Class::name` for methods."""
    file = ROOT / path
    if not file.is_file():
        return frozenset()
    tree = ast.parse(file.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}::{item.name}")
    return frozenset(n for n in names if n.rsplit("::", 1)[-1].startswith("test"))


def _missing_tests(text: str) -> list[str]:
    missing = []
    for ref in _test_refs(text):
        path, _, name = ref.partition("::")
        if name not in _tests_in(path):
            missing.append(ref)
    return missing


def test_every_requirement_has_exactly_one_row_with_a_status():
    # given the document's tables
    rows = _rows()
    # then each of the 188 requirements appears once, and nothing else does
    assert len(REQUIREMENTS) == 188
    assert [r for r in REQUIREMENTS if r not in rows] == []
    assert [r for r, found in rows.items() if len(found) > 1] == []
    assert sorted(set(rows) - set(REQUIREMENTS)) == []
    # and each status is met, n/a or gap, each with its reason or proof
    for rid, [(short, status, where)] in rows.items():
        assert status in STATUSES, rid
        assert short.strip() and where.strip(), rid


def test_every_met_names_a_test_and_every_named_test_exists():
    # given the rows that say met
    for rid, [(_short, status, where)] in _rows().items():
        if status == "met":
            # then each names at least one test
            assert _test_refs(where), f"{rid} is met but names no test"
    # and every test named anywhere in the document exists
    assert _missing_tests(DOC.read_text()) == []


def test_the_reference_check_catches_a_renamed_test():
    # given references to a test that exists, one that does not, and a missing file
    text = (
        "`tests/test_security_doc.py::test_the_reference_check_catches_a_renamed_test`,"
        " `::test_no_such_thing`, `tests/test_nowhere.py::test_x[param]`"
    )
    # then the two that do not exist are reported
    assert _missing_tests(text) == [
        "tests/test_security_doc.py::test_no_such_thing",
        "tests/test_nowhere.py::test_x",
    ]
