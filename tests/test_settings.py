"""Settings that several processes read on a new host."""

from __future__ import annotations

import os
import subprocess
import sys


def test_processes_starting_together_share_one_generated_secret_key(tmp_path):
    # given a new host: no SECRET_KEY in the environment, an empty var folder
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["TIERDESK_VAR_DIR"] = str(tmp_path / "var")
    code = "import tierdesk.settings as s; print(s.SECRET_KEY)"
    # when eight processes read the settings at the same moment
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(8)
    ]
    results = [proc.communicate(timeout=60) for proc in procs]
    # then none failed, and all use the one key now on disk, readable by the owner only
    assert [proc.returncode for proc in procs] == [0] * 8, [err for _, err in results]
    keys = {out.decode().strip() for out, _ in results}
    on_disk = (tmp_path / "var" / "secret_key").read_text().strip()
    assert keys == {on_disk} and len(on_disk) > 40
    assert oct((tmp_path / "var" / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["secret_key"]


def test_every_variable_the_settings_read_is_documented():
    # given the names the settings modules read from the environment
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    source = "".join(
        path.read_text() for path in (root / "tierdesk").glob("settings*.py")
    )
    read = set(
        re.findall(
            r"""(?:os\.environ\.get|env_bool|env_int|env_list|environ\[)\(?\s*["']([A-Z_][A-Z0-9_]*)["']""",
            source,
        )
    )
    # when the configuration table is read
    table = (root / "docs" / "configuration.md").read_text()
    first_cells = re.findall(r"^\| ([^|]+) \|", table, re.M)
    documented = {
        name for cell in first_cells for name in re.findall(r"`([A-Z_][A-Z0-9_]*)`", cell)
    }
    # then every variable read is documented (the detector found the usual ones)
    assert {"DATABASE_URL", "SECRET_KEY", "TIERDESK_VAR_DIR"} <= read
    assert read - documented == set()
