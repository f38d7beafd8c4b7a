"""`tierdesk sbom`: the software bill of materials of this installation (ASVS 14.2.5).

    tierdesk sbom [--output FILE]     CycloneDX 1.5 JSON of tierdesk and every package it
                                      needs at run time, as installed here

The list is read from the installed packages' own metadata, following each runtime
requirement (not the development and load-test extras), so it names exactly the versions
this host runs, with their package URLs and declared licences.
"""

from __future__ import annotations

import argparse
import json
import uuid
from datetime import UTC, datetime
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = "tierdesk"


def _runtime_requirements(dist: metadata.Distribution) -> list[str]:
    environment = {**default_environment(), "extra": ""}
    names = []
    for line in dist.requires or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            names.append(canonicalize_name(requirement.name))
    return names


def _licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return classifiers[0].rsplit(" :: ", 1)[-1]
    text = (meta.get("License") or "").strip()
    return text.splitlines()[0][:100] if text else ""


def _purl(name: str, version: str) -> str:
    return f"pkg:pypi/{name}@{version}"


def bill_of_materials(*, now: datetime) -> dict:
    """The CycloneDX document (a dict) for the installed `tierdesk` and its runtime needs."""
    seen: dict[str, metadata.Distribution] = {}
    graph: dict[str, list[str]] = {}
    pending = [ROOT]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional need that is not installed here
        seen[name] = dist
        graph[name] = _runtime_requirements(dist)
        pending.extend(graph[name])

    def ref(name: str) -> str:
        return _purl(name, seen[name].version)

    components = []
    for name in sorted(seen):
        if name == ROOT:
            continue
        dist = seen[name]
        component = {
            "type": "library",
            "bom-ref": ref(name),
            "name": name,
            "version": dist.version,
            "purl": ref(name),
        }
        licence = _licence(dist)
        if licence:
            component["licenses"] = [{"license": {"name": licence}}]
        components.append(component)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": now.astimezone(UTC).isoformat(timespec="seconds"),
            "component": {
                "type": "application",
                "bom-ref": ref(ROOT),
                "name": ROOT,
                "version": seen[ROOT].version,
                "purl": ref(ROOT),
            },
        },
        "components": components,
        "dependencies": [
            {"ref": ref(name), "dependsOn": sorted({ref(n) for n in graph[name] if n in seen})}
            for name in sorted(seen)
        ],
    }


def cmd_sbom(args: argparse.Namespace) -> int:
    from tierdesk.core import clock

    text = json.dumps(bill_of_materials(now=clock.now()), indent=2) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        print(text, end="")
    return 0


def add_commands(sub, command) -> None:
    sbom = command(sub, "sbom", cmd_sbom, "print the software bill of materials (CycloneDX JSON)")
    sbom.add_argument("--output", help="write to this file instead of standard output")
