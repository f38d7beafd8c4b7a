"""Platform IDs and platform URLs. Pure: no database.

A platform ID is 24 hexadecimal characters (a MongoDB ObjectId). A designer URL looks like
`https://app.example.io/c/<contract>/w/<workspace>/designer/<flow>/v/<version>`; shorter
forms name only a contract, a contract and a workspace, or a flow without its version, and
the flows list (`/c/<c>/w/<w>/flows/<flow>`) names a flow too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

PLATFORM_ID = re.compile(r"^[0-9a-f]{24}$")
_ANY_HEX = re.compile(r"^[0-9a-fA-F]+$")


class PlatformUrlError(ValueError):
    """The text is not a platform URL we can read; the message says why."""


def check_platform_id(value: str) -> str | None:
    """Return why `value` is not a platform ID, or None when it is one."""
    if not value:
        return "is empty"
    if not _ANY_HEX.match(value):
        return "must be 24 hexadecimal characters (0-9, a-f)"
    if len(value) != 24:
        return f"must be 24 hexadecimal characters, not {len(value)}"
    return None


def normalise_platform_id(value: str) -> str:
    return value.strip().lower()


@dataclass(frozen=True)
class PlatformRef:
    contract_id: str
    workspace_id: str = ""
    flow_id: str = ""
    flow_version: str = ""


def parse_platform_url(text: str) -> PlatformRef:
    """Read the platform IDs out of a URL pasted from the browser's address bar.

    Raises PlatformUrlError naming the part that is wrong."""
    raw = (text or "").strip()
    if not raw:
        raise PlatformUrlError("The URL is empty.")
    parts = urlsplit(raw if "://" in raw else "https://" + raw.lstrip("/"))
    if parts.scheme not in ("http", "https"):
        raise PlatformUrlError("A platform URL starts with https://.")
    # Hash-routed front ends put the route after '#', and their query string after it.
    path = unquote(parts.path)
    route = parts.fragment.split("?", 1)[0]
    if route.startswith("/"):
        path = path.rstrip("/") + unquote(route)
    segments = [s for s in path.split("/") if s]
    ids: dict[str, str] = {}
    keys = {"c": "contract", "w": "workspace", "designer": "flow", "flows": "flow", "v": "version"}
    i = 0
    while i < len(segments):
        key = keys.get(segments[i])
        if key and i + 1 < len(segments) and key not in ids:
            ids[key] = segments[i + 1]
            i += 2
        else:
            i += 1
    if "contract" not in ids:
        raise PlatformUrlError("The URL names no contract (/c/<contract ID>/…).")
    for key in ("contract", "workspace", "flow"):
        if key in ids:
            problem = check_platform_id(ids[key])
            if problem:
                raise PlatformUrlError(f"The {key} ID in the URL {problem}.")
    if "flow" in ids and "workspace" not in ids:
        raise PlatformUrlError("The URL names a flow but no workspace (/w/<workspace ID>/…).")
    version = ids.get("version", "")
    if version and not _ANY_HEX.match(version) and not version.isdigit():
        raise PlatformUrlError("The flow version in the URL is not a version ID.")
    return PlatformRef(
        contract_id=ids["contract"].lower(),
        workspace_id=ids.get("workspace", "").lower(),
        flow_id=ids.get("flow", "").lower(),
        flow_version=version.lower(),
    )


def platform_url(base: str, ref: PlatformRef) -> str:
    """The designer URL back on the platform for the most specific ID known."""
    url = f"{base.rstrip('/')}/c/{ref.contract_id}"
    if ref.workspace_id:
        url += f"/w/{ref.workspace_id}"
        if ref.flow_id:
            url += f"/designer/{ref.flow_id}"
            if ref.flow_version:
                url += f"/v/{ref.flow_version}"
    return url
