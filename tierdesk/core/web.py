"""What every HTML page needs of the request: the actor (built once per request) and the
brand it wears. Used by the views, the context processor and the customer portal."""

from __future__ import annotations

import base64
import re
from typing import Any

from django.http import HttpRequest

from tierdesk.accounts.models import Organisation, OrgKind
from tierdesk.core.actor import Actor, actor_for
from tierdesk.core.errors import Forbidden

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]+$")
DEFAULT_PRIMARY, DEFAULT_ACCENT = "#1f4e79", "#f2a900"
DARK_TEXT, LIGHT_TEXT = "#1b1f24", "#ffffff"


def request_actor(request: HttpRequest) -> Actor | None:
    """The signed-in person's actor, or None (anonymous, or an account without a role).
    Built once per request."""
    if not hasattr(request, "_tierdesk_actor"):
        actor = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                actor = actor_for(user)
            except Forbidden:
                actor = None
        request._tierdesk_actor = actor
    return request._tierdesk_actor


def _luminance(colour: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def logo_data_url(logo: str) -> str:
    """The logo as a data: URL for an <img> (where no script in an SVG can run), or ""."""
    text = (logo or "").strip()
    if not text:
        return ""
    if text.startswith("data:"):
        return text if _DATA_IMAGE.match(text) else ""
    if "<svg" not in text[:2000]:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(text.encode()).decode()


def _darken(colour: str, factor: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{int(c * factor):02x}" for c in (r, g, b))


def readable_primary(primary: str) -> tuple[str, str]:
    """(background, text) for the brand's bar: the primary colour with white or dark text,
    whichever reads at 4.5:1; a mid-tone that reads with neither is darkened until white
    text does."""
    for text in (LIGHT_TEXT, DARK_TEXT):
        if contrast(primary, text) >= 4.5:
            return primary, text
    factor = 0.9
    while contrast(_darken(primary, factor), LIGHT_TEXT) < 4.5:
        factor -= 0.1
    return _darken(primary, factor), LIGHT_TEXT


def brand_for(org: Organisation | None) -> dict[str, Any]:
    """What base.html needs to wear an organisation's brand: name, colours (with a text
    colour readable on the primary, and a link colour readable on white) and the logo."""
    primary = org.primary_colour if org and _HEX.match(org.primary_colour or "") else None
    accent = org.accent_colour if org and _HEX.match(org.accent_colour or "") else None
    primary, on_primary = readable_primary(primary or DEFAULT_PRIMARY)
    return {
        "name": org.brand_name if org else "Tierdesk",
        "primary": primary,
        "on_primary": on_primary,
        "accent": accent or DEFAULT_ACCENT,
        "link": primary if contrast(primary, LIGHT_TEXT) >= 4.5 else DARK_TEXT,
        "logo_url": logo_data_url(org.logo) if org else "",
        "is_vendor": bool(org and org.kind == OrgKind.VENDOR),
    }


def request_brand(request: HttpRequest) -> dict[str, Any]:
    """The brand of the signed-in person's organisation; the vendor's for everyone else."""
    if not hasattr(request, "_tierdesk_brand"):
        actor = request_actor(request)
        orgs = Organisation.objects.all()
        if actor is not None and actor.org_id is not None:
            org = orgs.filter(pk=actor.org_id).first()
        else:
            org = orgs.filter(kind=OrgKind.VENDOR).first()
        request._tierdesk_brand = brand_for(org)
    return request._tierdesk_brand
