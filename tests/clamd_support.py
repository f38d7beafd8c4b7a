"""ClamAV's daemon for the tests (no tests here): clamd from Debian's clamav-daemon,
started with a configuration and a signature database of its own in a temporary folder.

There is no network for freshclam: the database is one MD5 signature (`.hdb`: MD5, size,
name) of the EICAR test string, the harmless file every scanner is meant to report.
StreamMaxLength is 1 MiB, so a larger upload meets clamd's own size limit."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.topology_support import free_port
from tierdesk.core.antivirus import Clamd, parse_address

# The EICAR test file (68 bytes): not a virus, reported by scanners as if it were one.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Tierdesk-Test-EICAR"
STREAM_MAX = 1024 * 1024

CLAMD_CONF = """\
Foreground yes
TCPSocket {port}
TCPAddr 127.0.0.1
DatabaseDirectory {root}/db
LogFile {root}/clamd.log
PidFile {root}/clamd.pid
TemporaryDirectory {root}/tmp
StreamMaxLength {stream_max}
MaxThreads 4
SelfCheck 3600
{user}"""


def clamd_binary() -> str | None:
    return shutil.which("clamd") or next(
        (p for p in ("/usr/sbin/clamd", "/usr/local/sbin/clamd") if os.access(p, os.X_OK)),
        None,
    )


def clamd_or_skip() -> str:
    """The clamd binary; without it the test is skipped, except in CI, where it fails."""
    binary = clamd_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("clamd is needed in CI: install Debian's clamav-daemon (.ci/run does)")
        pytest.skip("no clamd binary: install Debian's clamav-daemon (CI installs and runs this)")
    return binary


class RunningClamd:
    """clamd on a free port of 127.0.0.1; as root it drops to the `clamav` user (which
    owns the temporary folder) when the package created one."""

    def __init__(self, binary: str):
        self.root = Path(tempfile.mkdtemp(prefix="tierdesk-clamd-"))
        self.root.chmod(0o755)
        for sub in ("db", "tmp"):
            (self.root / sub).mkdir()
        digest = hashlib.md5(EICAR).hexdigest()  # ClamAV's .hdb format is MD5
        (self.root / "db" / "tierdesk-test.hdb").write_text(f"{digest}:{len(EICAR)}:{SIGNATURE}\n")
        user = ""
        if os.geteuid() == 0 and _clamav_user() is not None:
            user = "User clamav\n"
            uid, gid = _clamav_user()
            for path in (self.root, *self.root.rglob("*")):
                os.chown(path, uid, gid)
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        conf = self.root / "clamd.conf"
        conf.write_text(
            CLAMD_CONF.format(port=self.port, root=self.root, stream_max=STREAM_MAX, user=user)
        )
        self.output = (self.root / "clamd.out").open("wb")
        self.process = subprocess.Popen(
            [binary, "--config-file", str(conf)], stdout=self.output, stderr=subprocess.STDOUT
        )
        client = Clamd(parse_address(self.address), timeout=5)
        deadline = time.monotonic() + 120  # loading even one signature takes a moment
        while not client.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                output = self.stop()
                raise RuntimeError(f"clamd did not start:\n{output}")
            time.sleep(0.2)

    def log_text(self) -> str:
        log = self.root / "clamd.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def stop(self) -> str:
        """Stops clamd and removes its folder; returns what it wrote."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()
        output = (self.root / "clamd.out").read_text(errors="replace") + self.log_text()
        shutil.rmtree(self.root, ignore_errors=True)
        return output


def _clamav_user() -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam("clamav")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid
