"""`tierdesk directory import FILE`: JSON or CSV, idempotent, all or nothing."""

from __future__ import annotations

import json

import pytest

from tierdesk.cli import main
from tierdesk.directory.models import Contract, Flow, Workspace

C1, W1, F1, F2 = (
    "aa0000000000000000000001",
    "aa0000000000000000000002",
    "aa0000000000000000000003",
    "aa0000000000000000000004",
)
C2, W2, F3 = (
    "bb0000000000000000000001",
    "bb0000000000000000000002",
    "bb0000000000000000000003",
)
JSON_DOC = {
    "partner": "Acme",
    "contracts": [
        {
            "id": C1,
            "name": "Acme retail",
            "plan": "enterprise",
            "workspaces": [
                {
                    "id": W1,
                    "name": "Shop",
                    "flows": [{"id": F1, "name": "Orders"}, {"id": F2, "name": "Refunds"}],
                }
            ],
        },
        {
            "id": C2,
            "name": "Acme logistics",
            "plan": "basic",
            "workspaces": [{"id": W2, "name": "Depot", "flows": [{"id": F3, "name": "Stock"}]}],
        },
    ],
}
CSV_TEXT = (
    "partner,contract_id,contract_name,plan,workspace_id,workspace_name,flow_id,flow_name\n"
    f"Acme,{C1},Acme retail,enterprise,{W1},Shop,{F1},Orders\n"
    f"Acme,{C1},Acme retail,enterprise,{W1},Shop,{F2},Refunds\n"
    f"Acme,{C2},Acme logistics,basic,{W2},Depot,{F3},Stock\n"
)


def counts() -> tuple[int, int, int]:
    return Contract.objects.count(), Workspace.objects.count(), Flow.objects.count()


def run(capsys, path) -> tuple[int, str, str]:
    code = main(["directory", "import", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def json_file(tmp_path):
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(JSON_DOC))
    return path


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "acme.csv"
    # A spreadsheet export: byte-order mark, Windows line ends.
    path.write_bytes("\ufeff".encode() + CSV_TEXT.replace("\n", "\r\n").encode())
    return path


@pytest.mark.parametrize("fixture", ["json_file", "csv_file"])
def test_import_creates_the_hierarchy_then_nothing_the_second_time(capsys, world, request, fixture):
    # given a directory file for Acme and the world's directory
    path = request.getfixturevalue(fixture)
    before = counts()
    # when it is imported
    code, out, _ = run(capsys, path)
    # then two contracts, two workspaces and three flows exist, in the right places
    assert code == 0
    assert "contracts: 2 created" in out and "flows: 3 created" in out
    assert counts() == (before[0] + 2, before[1] + 2, before[2] + 3)
    flow = Flow.objects.select_related("workspace__contract__partner").get(platform_id=F2)
    assert flow.workspace.platform_id == W1
    assert flow.workspace.contract.partner == world.acme
    assert Contract.objects.get(platform_id=C1).plan == "enterprise"
    # when it is imported again
    code, out, _ = run(capsys, path)
    # then nothing is created or updated
    assert code == 0
    assert "contracts: 0 created, 0 updated; workspaces: 0 created, 0 updated" in out
    assert counts() == (before[0] + 2, before[1] + 2, before[2] + 3)


def test_a_changed_name_is_updated_in_place(capsys, world, json_file, tmp_path):
    # given an imported directory
    run(capsys, json_file)
    # when a contract is renamed and re-planned in the next export
    doc = json.loads(json_file.read_text())
    doc["contracts"][0].update(name="Acme retail EU", plan="premium")
    json_file.write_text(json.dumps(doc))
    code, out, _ = run(capsys, json_file)
    # then the same record is updated
    assert code == 0 and "contracts: 0 created, 1 updated" in out
    contract = Contract.objects.get(platform_id=C1)
    assert (contract.name, contract.plan) == ("Acme retail EU", "premium")


def test_format_is_read_from_the_content_without_an_extension(capsys, world, tmp_path):
    # given JSON and CSV files without telling extensions
    as_json, as_csv = tmp_path / "export-1", tmp_path / "export-2.txt"
    as_json.write_text(json.dumps([JSON_DOC]))
    as_csv.write_text(CSV_TEXT)
    # when both are imported
    assert run(capsys, as_json)[0] == 0
    code, out, _ = run(capsys, as_csv)
    # then the second (same content) changes nothing
    assert code == 0 and "flows: 0 created, 0 updated" in out


def test_a_bad_id_anywhere_writes_nothing_and_names_the_place(capsys, world, json_file):
    # given a file whose last flow ID is one character short
    before = counts()
    doc = json.loads(json_file.read_text())
    doc["contracts"][1]["workspaces"][0]["flows"][0]["id"] = F3[:-1]
    json_file.write_text(json.dumps(doc))
    # when it is imported
    code, out, err = run(capsys, json_file)
    # then it is refused naming the place and the reason, and the valid parts were not written
    assert code == 2 and out == ""
    assert "[0].contracts[1].workspaces[0].flows[0].id" in err
    assert "24 hexadecimal characters, not 23" in err
    assert counts() == before
    assert not Contract.objects.filter(platform_id=C1).exists()


def test_a_bad_csv_row_writes_nothing(capsys, world, tmp_path):
    # given a CSV whose second row has a non-hex workspace ID
    path = tmp_path / "bad.csv"
    path.write_text(CSV_TEXT.replace(f"{W1},Shop,{F2}", f"{'x' * 24},Shop,{F2}"))
    before = counts()
    # when it is imported
    code, _, err = run(capsys, path)
    # then nothing is written and the reason is named
    assert code == 2 and "workspaces[1].id" in err and "hexadecimal" in err
    assert counts() == before


def test_an_unknown_partner_later_in_the_file_undoes_everything(capsys, world, tmp_path):
    # given a file for Acme then for a partner that does not exist
    path = tmp_path / "two.json"
    path.write_text(json.dumps([JSON_DOC, {"partner": "Umbrella", "contracts": []}]))
    before = counts()
    # when it is imported
    code, _, err = run(capsys, path)
    # then it is refused and Acme's part is not kept either
    assert code == 2 and "No organisation named 'Umbrella'" in err
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.json", '{"partner": "Acme", ', "file: is not JSON"),
        ("cols.csv", "partner,contract_id\nAcme,x\n", "file: lacks the columns contract_name"),
        (
            "plan.json",
            json.dumps({**JSON_DOC, "contracts": [{**JSON_DOC["contracts"][0], "plan": "gold"}]}),
            "[0].contracts[0].plan: must be one of",
        ),
    ],
)
def test_malformed_files_are_refused(capsys, world, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_text(content)
    before = counts()
    code, _, err = run(capsys, path)
    assert code == 2 and reason in err and "Traceback" not in err
    assert counts() == before


def test_a_missing_file_is_an_error_not_a_traceback(capsys, db, tmp_path):
    code, _, err = run(capsys, tmp_path / "nope.json")
    assert code == 2 and err.startswith("error: cannot read")
