"""Real mail servers on 127.0.0.1 for the mail tests: an SMTP server (aiosmtpd) that keeps
every message it receives (and can refuse the first ones), and a Dovecot IMAP server
started from Debian's binary with a configuration in a temporary directory.

Also builders of inbound mail as real clients write it.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from aiosmtpd.controller import Controller

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The MTA of the tests: its Authentication-Results header is trusted (see `trust_mta`).
MTA = "mx.tierdesk.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# SMTP ---------------------------------------------------------------------------------


@dataclass
class SmtpServer:
    port: int
    received: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    refuse: int = 0  # answer 451 to this many messages first
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 try again later"
            self.raw.append(envelope.content)
            self.received.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if address in str(m["To"])]

    def clear(self) -> None:
        self.received.clear()
        self.raw.clear()


@contextlib.contextmanager
def running_smtp() -> Iterator[SmtpServer]:
    port = free_port()
    server = SmtpServer(port)
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def use_smtp(settings, server: SmtpServer) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.TASKS = IMMEDIATE
    trust_mta(settings)


def trust_mta(settings) -> None:
    """Mail in the tests comes through an MTA whose verdict Tierdesk trusts."""
    settings.TIERDESK_MAIL_AUTHSERV_IDS = [MTA]


def authenticated(sender: str, *, result: str = "pass", authserv_id: str = MTA) -> str:
    """The Authentication-Results header an MTA adds for a mail from `sender`."""
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2]
    return (
        f"{authserv_id}; dkim={result} header.d={domain}; "
        f"spf={result} smtp.mailfrom={domain}; dmarc={result} header.from={domain}"
    )


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


# IMAP (Dovecot) -----------------------------------------------------------------------

DOVECOT_CONF = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)),
        None,
    )


@dataclass
class Dovecot:
    port: int
    user: str
    password: str
    root: Path

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def new_folder(self, name: str) -> str:
        conn = self.client()
        try:
            conn.create(f'"{name}"')
        finally:
            conn.logout()
        return name

    def append(self, folder: str, raw: bytes) -> None:
        conn = self.client()
        try:
            typ, data = conn.append(f'"{folder}"', None, None, raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def flags(self, folder: str) -> dict[int, str]:
        """UID → flags of every message in the folder."""
        conn = self.client()
        try:
            conn.select(f'"{folder}"', readonly=True)
            _typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            found = {}
            for line in data:
                if not line:
                    continue
                text = line.decode() if isinstance(line, bytes) else str(line)
                if "UID" in text:
                    uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                    found[uid] = text.split("FLAGS (")[1].split(")")[0]
            return found
        finally:
            conn.logout()

    def count(self, folder: str) -> int:
        conn = self.client()
        try:
            _typ, data = conn.select(f'"{folder}"', readonly=True)
            return int(data[0])
        finally:
            conn.logout()


def _ids() -> tuple[int, int, str, str]:
    """uid and gid of the mail files, and the login/internal users of the server."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        group = grp.getgrgid(nobody.pw_gid).gr_name
        login = "dovenull" if _user_exists("dovenull") else "nobody"
        internal = "dovecot" if _user_exists("dovecot") else "nobody"
        del group
        return nobody.pw_uid, nobody.pw_gid, login, internal
    me = pwd.getpwuid(os.geteuid()).pw_name
    return os.geteuid(), os.getegid(), me, me


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@contextlib.contextmanager
def running_dovecot(binary: str) -> Iterator[Dovecot]:
    root = Path(tempfile.mkdtemp(prefix="tierdesk-dovecot-"))
    root.chmod(0o755)
    uid, gid, login_user, internal_user = _ids()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(root / sub, uid, gid)
    password = "imap-test-password"
    (root / "passwd").write_text(f"support:{{PLAIN}}{password}::::::\n")
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        DOVECOT_CONF.format(
            root=root,
            port=port,
            uid=uid,
            gid=gid,
            login_user=login_user,
            internal_user=internal_user,
        )
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    server = Dovecot(port=port, user="support", password=password, root=root)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                server.client().logout()
                break
            except (OSError, imaplib.IMAP4.error):
                if process.poll() is not None or time.monotonic() > deadline:
                    log_file = root / "dovecot.log"
                    log = log_file.read_text() if log_file.exists() else ""
                    output = process.stdout.read().decode() if process.poll() is not None else ""
                    raise RuntimeError(f"dovecot did not start:\n{output}\n{log}") from None
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


# Inbound mail -------------------------------------------------------------------------


def mail(
    sender: str,
    subject: str,
    body: str = "Hello support,\n\nthe orders flow fails since this morning.\n",
    *,
    to: str = "support@acme.example",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    message_id: str | None = "auto",
    auth: str | None = "pass",
) -> bytes:
    """A mail as a mail client writes it, as the trusted MTA hands it on (`auth`: its
    DKIM/SPF/DMARC result; None: no Authentication-Results); `message_id=None` leaves
    the header out."""
    msg = EmailMessage()
    if auth is not None:
        msg["Authentication-Results"] = authenticated(sender, result=auth)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(localtime=True)
    if message_id == "auto":
        msg["Message-ID"] = make_msgid(domain="client.example")
    elif message_id:
        msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, content, ctype in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def reply_to(captured: EmailMessage, sender: str, body: str, *, auth: str | None = "pass") -> bytes:
    """A real reply to a captured mail: Re: subject, In-Reply-To, References, the quoted
    original under an "On … wrote:" line; authenticated by the MTA as `mail()`."""
    original = text_of(captured)
    quoted = "\n".join(f"> {line}" for line in original.splitlines())
    msg = EmailMessage()
    if auth is not None:
        msg["Authentication-Results"] = authenticated(sender, result=auth)
    msg["From"] = sender
    msg["To"] = str(captured["Reply-To"] or captured["From"])
    msg["Subject"] = f"Re: {captured['Subject']}"
    msg["Message-ID"] = make_msgid(domain="client.example")
    msg["In-Reply-To"] = captured["Message-ID"]
    msg["References"] = f"{captured['References'] or ''} {captured['Message-ID']}".strip()
    msg.set_content(f"{body}\n\nOn {captured['Date']}, {captured['From']} wrote:\n{quoted}\n")
    return msg.as_bytes()


# Fixtures shared by the mail tests ----------------------------------------------------


def smtp_server(settings) -> Iterator[SmtpServer]:
    """The body of each module's `smtp` fixture: a running server Django sends to."""
    with running_smtp() as server:
        use_smtp(settings, server)
        yield server


def brand(world):
    """Acme mails as itself (tag ACME); the vendor as Vendor Support (tag VND)."""
    from tierdesk.accounts.models import Organisation

    Organisation.objects.filter(pk=world.acme.pk).update(
        sender_name="Acme Support", sender_email="support@acme.example", ticket_tag="ACME"
    )
    Organisation.objects.filter(pk=world.vendor.pk).update(
        sender_name="Vendor Support", sender_email="support@vendor.example", ticket_tag="VND"
    )
    return world
