"""Every file that arrives is scanned by ClamAV's daemon before it is stored (ASVS 12.4.2).

`TIERDESK_CLAMD` names the daemon: `tcp://host:port` or `unix:///path/to/clamd.ctl`.
The file is streamed with clamd's INSTREAM command (`zINSTREAM\\0`, chunks each prefixed
by its length as 4 big-endian bytes, a zero-length chunk to end), and clamd answers
`stream: OK`, `stream: <signature> FOUND` or `… ERROR` (`INSTREAM size limit exceeded`
past its StreamMaxLength). An infected file is refused (422 naming `file`); a file
larger than clamd takes is refused (413); a daemon that cannot be reached or answers
nonsense refuses the file too (503, try again) unless `TIERDESK_CLAMD_FAIL_OPEN` is on.
Not configured: nothing is scanned, and `tierdesk check --deploy` warns. Refusals are
logged with the signature, size and SHA-256; never with the file's content."""

from __future__ import annotations

import logging
import select
import socket
import struct
from dataclasses import dataclass
from typing import IO
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tierdesk.core.errors import InvalidInput, PayloadTooLarge, ScanUnavailable

logger = logging.getLogger(__name__)

__all__ = ["Clamd", "ScanUnavailable", "ScannerError", "TooLargeToScan", "check_file"]

CHUNK = 64 * 1024
CONNECT_TIMEOUT = 5.0
# clamd scans once the last chunk is in: a large archive may take a while.
REPLY_TIMEOUT = 120.0
MAX_REPLY = 4096
SIZE_LIMIT = "INSTREAM size limit exceeded"


class ScannerError(Exception):
    """clamd is unreachable, timed out, closed early or answered something unexpected."""


class TooLargeToScan(Exception):
    """clamd refused the stream past its StreamMaxLength."""


@dataclass(frozen=True)
class Address:
    family: int
    target: tuple[str, int] | str

    def __str__(self) -> str:
        if isinstance(self.target, tuple):
            return f"tcp://{self.target[0]}:{self.target[1]}"
        return f"unix://{self.target}"


def parse_address(value: str) -> Address:
    """`tcp://host:port` or `unix:///absolute/path`; anything else is a configuration
    error (ImproperlyConfigured)."""
    parts = urlsplit(value.strip())
    if parts.scheme == "tcp":
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or not port or parts.path not in ("", "/"):
            raise ImproperlyConfigured(f"TIERDESK_CLAMD {value!r}: use tcp://host:port")
        family = socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET
        return Address(family, (parts.hostname, port))
    if parts.scheme == "unix" and not parts.netloc and parts.path.startswith("/"):
        return Address(socket.AF_UNIX, unquote(parts.path))
    raise ImproperlyConfigured(
        f"TIERDESK_CLAMD {value!r}: use tcp://host:port or unix:///path/to/clamd.ctl"
    )


def configured() -> Address | None:
    value = getattr(settings, "TIERDESK_CLAMD", "") or ""
    return parse_address(value) if value.strip() else None


class Clamd:
    """A small client of clamd: one connection per command."""

    def __init__(self, address: Address, *, timeout: float | None = None):
        self.address = address
        self.timeout = REPLY_TIMEOUT if timeout is None else timeout

    def _connect(self) -> socket.socket:
        sock = socket.socket(self.address.family, socket.SOCK_STREAM)
        try:
            sock.settimeout(CONNECT_TIMEOUT)
            sock.connect(self.address.target)
            sock.settimeout(self.timeout)
        except OSError as exc:
            sock.close()
            raise ScannerError(f"cannot reach clamd at {self.address}: {exc}") from exc
        return sock

    def ping(self) -> bool:
        try:
            with self._connect() as sock:
                sock.sendall(b"zPING\0")
                return _reply(sock) == "PONG"
        except (OSError, ScannerError):
            return False

    def instream(self, stream: IO[bytes]) -> str | None:
        """The signature clamd found in the stream, or None when it is clean. Raises
        TooLargeToScan past clamd's StreamMaxLength, ScannerError on any other failure."""
        with self._connect() as sock:
            try:
                sock.sendall(b"zINSTREAM\0")
                while data := stream.read(CHUNK):
                    sock.sendall(struct.pack("!L", len(data)) + data)
                    if _answered_early(sock):  # clamd stops reading past its limit
                        break
                else:
                    sock.sendall(struct.pack("!L", 0))
            except OSError as exc:
                # clamd closes the connection once the stream passes its limit: its
                # answer may still be waiting to be read.
                answer = _reply_or_none(sock)
                if answer is None:
                    raise ScannerError(f"clamd at {self.address}: {exc}") from exc
            else:
                answer = _reply(sock)
        return _verdict(answer, self.address)


def _answered_early(sock: socket.socket) -> bool:
    poller = select.poll()  # not select(): a busy process has descriptors past 1024
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def _reply(sock: socket.socket) -> str:
    """One NUL-terminated answer (the `z` commands' form)."""
    data = b""
    try:
        while b"\0" not in data:
            part = sock.recv(MAX_REPLY)
            if not part:
                break
            data += part
            if len(data) > MAX_REPLY:
                raise ScannerError("clamd's answer is too long")
    except TimeoutError as exc:
        raise ScannerError("clamd did not answer in time") from exc
    except OSError as exc:
        raise ScannerError(f"clamd's answer was cut off: {exc}") from exc
    if not data:
        raise ScannerError("clamd closed the connection without an answer")
    return data.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def _reply_or_none(sock: socket.socket) -> str | None:
    try:
        return _reply(sock)
    except ScannerError:
        return None


def _verdict(answer: str, address: Address) -> str | None:
    if answer.startswith(SIZE_LIMIT):
        raise TooLargeToScan(answer)
    if answer == "stream: OK":
        return None
    if answer.startswith("stream: ") and answer.endswith(" FOUND"):
        name = answer.removeprefix("stream: ").removesuffix(" FOUND").strip()
        return "".join(c for c in name if c.isprintable())[:200] or "a virus"
    raise ScannerError(f"clamd at {address} answered {answer[:200]!r}")


def check_file(stream: IO[bytes], *, size: int, sha256: str) -> None:
    """Refuse a file clamd finds infected, one it cannot take, or (fail closed) any file
    while clamd cannot be asked. Reads the stream from where it is and puts it back."""
    address = configured()
    if address is None:
        return
    start = stream.tell()
    about = f"{size} bytes, sha256 {sha256}, clamd {address}"
    try:
        found = Clamd(address).instream(stream)
    except TooLargeToScan:
        logger.warning("upload refused: larger than clamd's StreamMaxLength (%s)", about)
        raise PayloadTooLarge(
            "The file is larger than the virus scanner can check, so it was not stored; "
            "send it in smaller parts."
        ) from None
    except ScannerError as exc:
        if settings.TIERDESK_CLAMD_FAIL_OPEN:
            logger.error("upload stored unscanned (fail open): %s (%s)", exc, about)
            return
        logger.error("upload refused: it could not be scanned: %s (%s)", exc, about)
        raise ScanUnavailable() from None
    finally:
        stream.seek(start)
    if found is not None:
        logger.warning("upload refused: %s found (%s)", found, about)
        raise InvalidInput({"file": f"was refused: it contains {found}"})


@checks.register(checks.Tags.security, deploy=True)
def check_scanner(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """No scanner configured: uploads are stored unscanned. A malformed address: error."""
    try:
        address = configured()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="tierdesk.E020")]
    if address is None:
        return [
            checks.Warning(
                "TIERDESK_CLAMD is not set: uploaded files are stored without a virus scan.",
                hint="Run ClamAV's clamd and set TIERDESK_CLAMD to its socket "
                "(tcp://127.0.0.1:3310 or unix:///run/clamav/clamd.ctl); see "
                "docs/operations.md.",
                id="tierdesk.W020",
            )
        ]
    if settings.TIERDESK_CLAMD_FAIL_OPEN:
        return [
            checks.Warning(
                "TIERDESK_CLAMD_FAIL_OPEN is on: while clamd is down, uploads are stored "
                "unscanned.",
                id="tierdesk.W021",
            )
        ]
    return []
