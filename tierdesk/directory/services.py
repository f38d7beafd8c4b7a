"""Importing the platform directory: idempotent, all or nothing."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from tierdesk.accounts.models import Organisation
from tierdesk.core.errors import InvalidInput, NotFound
from tierdesk.directory.models import Contract, Flow, SupportPlan, Workspace
from tierdesk.directory.platform import check_platform_id, normalise_platform_id

CSV_COLUMNS = (
    "partner",
    "contract_id",
    "contract_name",
    "plan",
    "workspace_id",
    "workspace_name",
    "flow_id",
    "flow_name",
)


@dataclass
class ImportResult:
    created: dict[str, int] = field(
        default_factory=lambda: {"contracts": 0, "workspaces": 0, "flows": 0}
    )
    updated: dict[str, int] = field(
        default_factory=lambda: {"contracts": 0, "workspaces": 0, "flows": 0}
    )

    def summary(self) -> str:
        parts = [f"{k}: {self.created[k]} created, {self.updated[k]} updated" for k in self.created]
        return "; ".join(parts)


def parse_directory(text: str, *, fmt: str) -> list[dict[str, Any]]:
    """Turn a JSON document (or a list of them) or a CSV file into partner documents
    `{"partner", "contracts": [{"id", "name", "plan", "workspaces": [...]}]}`."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput({"file": f"is not JSON: {exc.msg} at line {exc.lineno}"}) from None
        docs = data if isinstance(data, list) else [data]
        if not all(isinstance(d, dict) for d in docs):
            raise InvalidInput({"file": "must hold an object or a list of objects"})
        return docs
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput({"file": "lacks the columns " + ", ".join(missing)})
        by_partner: dict[str, dict[str, Any]] = {}
        for row in reader:
            doc = by_partner.setdefault(
                row["partner"], {"partner": row["partner"], "contracts": []}
            )
            contracts = {c["id"]: c for c in doc["contracts"]}
            contract = contracts.get(row["contract_id"])
            if contract is None:
                contract = {
                    "id": row["contract_id"],
                    "name": row["contract_name"],
                    "plan": row["plan"],
                    "workspaces": [],
                }
                doc["contracts"].append(contract)
            if row.get("workspace_id"):
                spaces = {w["id"]: w for w in contract["workspaces"]}
                space = spaces.get(row["workspace_id"])
                if space is None:
                    space = {"id": row["workspace_id"], "name": row["workspace_name"], "flows": []}
                    contract["workspaces"].append(space)
                if row.get("flow_id"):
                    space["flows"].append({"id": row["flow_id"], "name": row["flow_name"]})
        return list(by_partner.values())
    raise InvalidInput({"format": "must be json or csv"})


def _pid(value: Any, where: str, errors: dict[str, str]) -> str:
    text = normalise_platform_id(str(value or ""))
    problem = check_platform_id(text)
    if problem:
        errors[where] = f"ID {problem}"
    return text


def _validate(docs: list[dict[str, Any]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for i, doc in enumerate(docs):
        if not str(doc.get("partner") or "").strip():
            errors[f"[{i}].partner"] = "is missing"
        for j, c in enumerate(doc.get("contracts") or []):
            at = f"[{i}].contracts[{j}]"
            _pid(c.get("id"), f"{at}.id", errors)
            if not str(c.get("name") or "").strip():
                errors[f"{at}.name"] = "is missing"
            if (c.get("plan") or SupportPlan.STANDARD) not in SupportPlan.values:
                errors[f"{at}.plan"] = "must be one of " + ", ".join(SupportPlan.values)
            for k, w in enumerate(c.get("workspaces") or []):
                wat = f"{at}.workspaces[{k}]"
                _pid(w.get("id"), f"{wat}.id", errors)
                for m, f in enumerate(w.get("flows") or []):
                    _pid(f.get("id"), f"{wat}.flows[{m}].id", errors)
    return errors


def _upsert(model, platform_id: str, values: dict[str, Any], result: ImportResult, key: str):
    obj = model.objects.filter(platform_id=platform_id).first()
    if obj is None:
        result.created[key] += 1
        return model.objects.create(platform_id=platform_id, **values)
    changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
    if changed:
        for k, v in changed.items():
            setattr(obj, k, v)
        obj.save()
        result.updated[key] += 1
    return obj


@transaction.atomic
def directory_import(
    *, docs: list[dict[str, Any]], restrict_to: Organisation | None = None
) -> ImportResult:
    """Create or update contracts, workspaces and flows. Running it twice changes nothing
    the second time. Validates everything before writing anything. `restrict_to` limits a
    partner admin to their own organisation's directory."""
    errors = _validate(docs)
    if errors:
        raise InvalidInput(errors)
    result = ImportResult()
    for doc in docs:
        partner = Organisation.objects.filter(name__iexact=str(doc["partner"]).strip()).first()
        if partner is None or (restrict_to is not None and partner.pk != restrict_to.pk):
            raise NotFound(f"No organisation named {doc['partner']!r}.")
        for c in doc.get("contracts") or []:
            contract = _upsert(
                Contract,
                normalise_platform_id(c["id"]),
                {
                    "partner": partner,
                    "name": c["name"].strip(),
                    "plan": c.get("plan") or SupportPlan.STANDARD,
                },
                result,
                "contracts",
            )
            for w in c.get("workspaces") or []:
                space = _upsert(
                    Workspace,
                    normalise_platform_id(w["id"]),
                    {"contract": contract, "name": (w.get("name") or "").strip()},
                    result,
                    "workspaces",
                )
                for f in w.get("flows") or []:
                    _upsert(
                        Flow,
                        normalise_platform_id(f["id"]),
                        {"workspace": space, "name": (f.get("name") or "").strip()},
                        result,
                        "flows",
                    )
    return result
