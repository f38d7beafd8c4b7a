"""The German catalogues are complete and compiled: no empty or fuzzy translation in any
`.po`, every committed `.mo` matches its `.po`, and every translatable string of the
code and templates has a German translation in one of the catalogues (the way
`makemessages` finds them: xgettext over the Python files and the templatized
templates). A page added with new strings fails here until they are translated."""

from __future__ import annotations

import ast
import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

PACKAGE = Path(__file__).resolve().parent.parent / "tierdesk"
CATALOGUES = sorted(PACKAGE.glob("**/locale/de/LC_MESSAGES/django.po"))
KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


def _string(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def entries(text: str) -> list[dict]:
    """The entries of a PO file: msgctxt, msgid, the msgstr(s) and the flags (obsolete
    `#~` entries are left out). An entry ends where the next one's comment, msgctxt or
    msgid begins (a blank line between them is usual, not required)."""
    found: list[dict] = []
    parts: dict[str, list[str]] = {}
    flags: set[str] = set()
    key = ""

    def flush() -> None:
        if "msgid" in parts:
            found.append(
                {
                    "msgctxt": _string(parts["msgctxt"]) if "msgctxt" in parts else None,
                    "msgid": _string(parts["msgid"]),
                    "plural": "msgid_plural" in parts,
                    "msgstr": [_string(v) for k, v in parts.items() if k.startswith("msgstr")],
                    "flags": set(flags),
                }
            )
        parts.clear()
        flags.clear()

    for line in text.splitlines():
        if line.startswith('"'):
            parts[key].append(line)
            continue
        ends_entry = any(k.startswith("msgstr") for k in parts)
        if line.startswith("#") or not line.strip():
            if ends_entry:
                flush()
            if line.startswith("#,"):
                flags.update(f.strip() for f in line[2:].split(","))
            continue
        key, _, rest = line.partition(" ")
        if key in ("msgctxt", "msgid") and ends_entry:
            flush()
        parts[key] = [rest]
    flush()
    return found


def test_the_catalogues_are_found():
    assert PACKAGE / "locale/de/LC_MESSAGES/django.po" in CATALOGUES
    assert PACKAGE / "portal/locale/de/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_translation_is_empty_or_fuzzy(po: Path):
    problems = [
        e["msgid"]
        for e in entries(po.read_text(encoding="utf-8"))
        if e["msgid"] and ("fuzzy" in e["flags"] or not all(e["msgstr"]))
    ]
    assert problems == []


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_compiled_catalogue_matches(po: Path):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is not compiled (compilemessages)"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for e in entries(po.read_text(encoding="utf-8")):
        if not e["msgid"]:
            continue
        context = f"{e['msgctxt']}\x04" if e["msgctxt"] is not None else ""
        if e["plural"]:
            got = compiled._catalog.get((context + e["msgid"], 0))
        else:
            got = compiled._catalog.get(context + e["msgid"])
        if got != e["msgstr"][0]:
            stale.append(e["msgid"])
    assert stale == [], "run compilemessages: the .mo lags its .po"


def _source_strings(tmp_path: Path) -> set[tuple[str | None, str]]:
    """(context, msgid) of every translatable string, found as makemessages finds them."""
    files = [str(p) for p in PACKAGE.rglob("*.py") if "locale" not in p.parts]
    for number, template in enumerate(sorted(PACKAGE.rglob("templates/**/*"))):
        if template.suffix in (".html", ".txt"):
            converted = tmp_path / f"t{number}.py"
            text = template.read_text(encoding="utf-8")
            converted.write_text(templatize(text, origin=str(template)), encoding="utf-8")
            files.append(str(converted))
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(files), encoding="utf-8")
    out = subprocess.run(
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            "--output=-",
            f"--files-from={listing}",
            *KEYWORDS,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {(e["msgctxt"], e["msgid"]) for e in entries(out) if e["msgid"]}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (xgettext)")
def test_every_string_of_the_pages_has_a_german_translation(tmp_path):
    translated = {
        (e["msgctxt"], e["msgid"])
        for po in CATALOGUES
        for e in entries(po.read_text(encoding="utf-8"))
        if all(e["msgstr"]) and "fuzzy" not in e["flags"]
    }
    found = _source_strings(tmp_path)
    assert len(found) > 500  # the extraction works
    assert sorted(m for c, m in found - translated) == []
