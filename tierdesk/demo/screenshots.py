"""Screenshots a customer would send: a browser window on the platform's flow designer, the
address bar visible (as the customers are asked), the failing step marked and the error
panel open. Drawn with Pillow; a few tens of kilobytes each."""

from __future__ import annotations

import io
import textwrap
from datetime import UTC, datetime, timedelta
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from tierdesk.demo.world import CONTRACT, FlowSpec, OrgSpec

WIDTH, HEIGHT = 1000, 640
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int, mono: bool = False, bold: bool = False) -> Font:
    name = "DejaVuSansMono.ttf" if mono else ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(name, size)
    except OSError:
        # Not every machine has DejaVu; Pillow's own font is enough to read the text.
        return ImageFont.load_default(size)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, size: int) -> Font:
    while size > 8 and draw.textlength(text, font=_font(size)) > width:
        size -= 1
    return _font(size)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _browser(draw: ImageDraw.ImageDraw, url: str, tab: str) -> None:
    draw.rectangle((0, 0, WIDTH, 38), fill="#dee1e6")
    for i, colour in enumerate(("#ff5f57", "#febc2e", "#28c840")):
        draw.ellipse((14 + i * 20, 13, 26 + i * 20, 25), fill=colour)
    draw.rounded_rectangle((82, 6, 332, 44), radius=8, fill="#f8f9fa")
    if len(tab) > 30:
        tab = tab[:29] + "…"
    draw.text((98, 14), tab, fill="#202124", font=_font(12))
    draw.text((312, 13), "×", fill="#5f6368", font=_font(13))
    draw.rectangle((0, 38, WIDTH, 80), fill="#f8f9fa")
    draw.text((14, 49), "←  →  ⟳", fill="#5f6368", font=_font(15))
    draw.rounded_rectangle((96, 45, WIDTH - 48, 73), radius=14, fill="#ffffff", outline="#dadce0")
    # A padlock: shackle and body.
    draw.arc((110, 51, 120, 62), start=180, end=360, fill="#5f6368", width=2)
    draw.rectangle((108, 56, 122, 67), fill="#5f6368")
    draw.text((128, 52), url, fill="#202124", font=_fit(draw, url, WIDTH - 190, 13))
    draw.text((WIDTH - 34, 49), "⋮", fill="#5f6368", font=_font(16))
    draw.line((0, 80, WIDTH, 80), fill="#dadce0")


def flow_error(
    *,
    flow: FlowSpec,
    brand: OrgSpec,
    failing_step: int,
    error: str,
    at: datetime,
    detail: str = "",
    recurring: bool = False,
) -> bytes:
    """The flow designer in the partner's brand with the failing step and its error."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "#ffffff")
    draw = ImageDraw.Draw(image)
    _browser(draw, flow.url, flow.name)
    primary = _rgb(brand.primary_colour)
    # The platform's header, white-labelled by the partner.
    draw.rectangle((0, 81, WIDTH, 121), fill=primary)
    draw.text((18, 92), brand.platform_name, fill="#ffffff", font=_font(16, bold=True))
    draw.text((WIDTH - 190, 94), "Flows   Executions   ⚙", fill="#ffffff", font=_font(13))
    contract = CONTRACT[flow.contract]
    crumbs = f"{contract.name}  ›  {flow.workspace}  ›  Flows  ›  {flow.name}"
    draw.rectangle((0, 122, WIDTH, 156), fill="#f4f6f8")
    draw.text((18, 131), crumbs, fill="#44505c", font=_fit(draw, crumbs, WIDTH - 260, 13))
    draw.rounded_rectangle((WIDTH - 220, 128, WIDTH - 130, 150), radius=5, fill="#e8f5e9")
    draw.text((WIDTH - 210, 132), "● Active", fill="#2e7d32", font=_font(12))
    draw.text((WIDTH - 118, 132), f"v{flow.version}", fill="#44505c", font=_font(12))

    # The designer: one box per step, the failing one red.
    x0, y = 40, 186
    for k, step in enumerate(flow.steps):
        failed = k == failing_step
        skipped = k > failing_step
        outline = "#d32f2f" if failed else ("#c5ccd3" if skipped else _rgb(brand.accent_colour))
        fill = "#fdecea" if failed else ("#f7f8f9" if skipped else "#ffffff")
        draw.rounded_rectangle(
            (x0, y, x0 + 330, y + 58), radius=8, fill=fill, outline=outline, width=2
        )
        draw.text((x0 + 14, y + 9), f"{k + 1}", fill="#7b8794", font=_font(12, bold=True))
        draw.text(
            (x0 + 34, y + 8), step.label, fill="#1f2933", font=_fit(draw, step.label, 280, 14)
        )
        draw.text(
            (x0 + 34, y + 32), f"{step.component} · {step.function}", fill="#7b8794", font=_font(11)
        )
        if failed:
            draw.ellipse((x0 + 300, y + 18, x0 + 322, y + 40), fill="#d32f2f")
            draw.text((x0 + 308, y + 20), "!", fill="#ffffff", font=_font(14, bold=True))
        if k < len(flow.steps) - 1:
            draw.line((x0 + 165, y + 58, x0 + 165, y + 84), fill="#9aa5b1", width=2)
            draw.polygon(
                [(x0 + 159, y + 78), (x0 + 171, y + 78), (x0 + 165, y + 86)], fill="#9aa5b1"
            )
        y += 86

    # Recent executions under the designer; the failed one on top.
    y += 6
    draw.text((40, y), "Recent executions", fill="#1f2933", font=_font(13, bold=True))
    y += 26
    for i in range(min(5, (HEIGHT - y - 10) // 24)):
        moment = at - timedelta(minutes=5 * i)
        ok = i > 0 and not (recurring and i % 2 == 0)
        mark, colour = ("✓ Success", "#2e7d32") if ok else ("✕ Failed", "#c62828")
        draw.text((40, y), moment.strftime("%d.%m. %H:%M:%S"), fill="#52606d", font=_font(12))
        draw.text((170, y), mark, fill=colour, font=_font(12))
        draw.text((270, y), f"{3 + (i * 7) % 5} messages", fill="#7b8794", font=_font(12))
        y += 24

    # The execution panel with the error.
    px = 410
    draw.rectangle((px, 157, WIDTH, HEIGHT), fill="#fafbfc")
    draw.line((px, 157, px, HEIGHT), fill="#dadce0")
    draw.text((px + 20, 172), "Execution details", fill="#1f2933", font=_font(16, bold=True))
    when = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    draw.text(
        (px + 20, 200), f"Started {when}   ·   Status: Failed", fill="#52606d", font=_font(12)
    )
    step = flow.steps[failing_step]
    wrapped: list[str] = []
    for paragraph in (error + ("\n\n" + detail if detail else "")).splitlines():
        wrapped += textwrap.wrap(paragraph, 64) or [""]
    wrapped = wrapped[:14]
    bottom = 290 + 19 * len(wrapped)
    draw.rounded_rectangle(
        (px + 20, 228, WIDTH - 20, bottom), radius=6, fill="#fdecea", outline="#f5c2c0"
    )
    draw.text(
        (px + 36, 240),
        f"Error in step {failing_step + 1}: {step.label}",
        fill="#b71c1c",
        font=_font(14, bold=True),
    )
    draw.multiline_text(
        (px + 36, 272), "\n".join(wrapped), fill="#3e2723", font=_font(12, mono=True), spacing=5
    )
    y = bottom + 20
    draw.rounded_rectangle((px + 20, y, px + 150, y + 30), radius=5, fill=primary)
    draw.text((px + 38, y + 7), "Retry step", fill="#ffffff", font=_font(13))
    draw.rounded_rectangle((px + 162, y, px + 300, y + 30), radius=5, outline="#9aa5b1")
    draw.text((px + 178, y + 7), "Download log", fill="#1f2933", font=_font(13))
    draw.text((px + 20, HEIGHT - 30), "Logs are kept for 30 days.", fill="#9aa5b1", font=_font(11))

    buffer = io.BytesIO()
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG")
    return buffer.getvalue()
