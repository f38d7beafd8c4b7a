"""Every call to a partner's tool: through the webhook target check (SSRF: the host is
resolved and vetted before every call, the connection goes to the vetted address), no
proxy, no redirect followed, a bounded answer, and one `Exchange` row per call with the
method, the path (never the query), the status and the duration — never a body or a
header, so no credential ever reaches the log."""

from __future__ import annotations

import base64
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from tierdesk.connectors.models import Connector, Direction, Exchange
from tierdesk.notify.webhooks import TargetRefused, check_target, pinned_opener

logger = logging.getLogger(__name__)
USER_AGENT = "Tierdesk-Connectors/1"


class ToolError(Exception):
    """A call to the tool failed: a status outside 2xx, a redirect, the network, a
    refused target. The text never carries the URL, a header or a credential."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    link: str = ""  # the `Link` header (Freshdesk's next page)

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise ToolError("the tool answered with something that is not JSON") from None


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes, str]]):
    """(body, content type) of a multipart/form-data request; files are
    (field, filename, content, content type)."""
    boundary = uuid.uuid4().hex
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for field, filename, content, content_type in files:
        safe = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{safe}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def call(
    connector: Connector,
    method: str,
    path: str,
    *,
    auth: str,
    query: dict[str, str] | None = None,
    json_body: Any = None,
    data: bytes | None = None,
    content_type: str = "",
    headers: dict[str, str] | None = None,
    url: str | None = None,
) -> Answer:
    """One call to `connector`'s tool at `base_url + path` (or `url`, which must be on the
    same host as `base_url`: credentials never go to another host). Raises ToolError."""
    base = connector.base_url.rstrip("/")
    target_url = url or base + path
    if urlsplit(target_url).netloc.lower() != urlsplit(base).netloc.lower():
        raise ToolError("the file is not on the tool's own host")
    logged_path = urlsplit(target_url).path[:300]
    if query:
        target_url += ("&" if "?" in target_url else "?") + urlencode(query)
    started = time.monotonic()
    status: int | None = None
    error = ""
    try:
        try:
            target = check_target(target_url)
        except TargetRefused as refused:
            raise ToolError(f"target refused: {refused.reason}") from None
        body = data
        send_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            send_headers["Content-Type"] = "application/json"
        elif content_type:
            send_headers["Content-Type"] = content_type
        send_headers["Authorization"] = auth
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            target_url, data=body, headers=send_headers, method=method
        )
        limit = settings.TIERDESK_MAX_UPLOAD_BYTES + 1
        try:
            opener = pinned_opener(target.addresses[0])
            with opener.open(request, timeout=settings.TIERDESK_WEBHOOK_TIMEOUT) as response:
                status = response.status
                link = response.headers.get("Link", "")
                content = response.read(limit)
        except urllib.error.HTTPError as exc:
            exc.close()
            status = exc.code
            if 300 <= exc.code < 400:
                raise ToolError(f"redirect ({exc.code}) not followed", exc.code) from None
            raise ToolError(f"HTTP {exc.code}", exc.code) from None
        except urllib.error.URLError as exc:
            raise ToolError(_describe(exc.reason, target_url)) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise ToolError(_describe(exc, target_url)) from None
        if len(content) >= limit:
            raise ToolError("the answer is larger than the upload limit")
        return Answer(status=status, body=content, link=link[:2000])
    except ToolError as exc:
        error = str(exc)
        raise
    finally:
        duration = int((time.monotonic() - started) * 1000)
        Exchange.objects.create(
            connector=connector,
            direction=Direction.OUT,
            method=method,
            path=logged_path,
            status_code=status,
            duration_ms=duration,
            error=error[:300],
        )
        logger.info(
            "connector %s %s %s: %s %s",
            connector.pk,
            method,
            logged_path,
            status or "-",
            error or "ok",
        )


def _describe(reason: Any, url: str) -> str:
    if isinstance(reason, TimeoutError):
        return "timed out"
    text = f"{type(reason).__name__}: {reason}" if isinstance(reason, Exception) else str(reason)
    return text.replace(url, "<url>")[:300]
