"""The console's connector form: text as typed, turned into the service's settings.
Mappings are typed one per line, `external key = Tierdesk field` (or `move = status`)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict


def parse_lines(text: str) -> dict[str, str] | None:
    """`a = b` per line into a dict; None when a line has no `=` (the service then
    names the field)."""
    mapping: dict[str, str] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep:
            return None
        mapping[key.strip()] = value.strip()
    return mapping


def format_lines(mapping: dict[str, Any]) -> str:
    return "\n".join(f"{k} = {v}" for k, v in (mapping or {}).items())


def settings_from(post: QueryDict, *, creating: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    keys = ["name", "base_url", "username", "api_token", "signing_secret", "agent"]
    if creating:
        keys += ["tool", "partner"]
    for key in keys:
        if key in post:
            data[key] = post.get(key, "")
    for key in ("field_map", "status_map"):
        if key in post:
            parsed = parse_lines(post.get(key, ""))
            data[key] = parsed if parsed is not None else [post.get(key)]
    data["public_comments"] = post.get("public_comments") == "on"
    if not creating:
        data["active"] = post.get("active") == "on"
    return data
