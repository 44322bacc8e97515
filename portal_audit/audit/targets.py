"""Province targets (checklists/targets-*.yaml) measured on one audited run.

A site that could not be judged is not counted as failing a target: it leaves the denominator and is
listed as not checked, the same rule as for checklist items.
"""

from __future__ import annotations

import json
from collections import defaultdict
from importlib import resources
from typing import Any

import yaml

from portal_audit.store import Store


def load_targets() -> list[dict[str, Any]]:
    out = []
    for entry in sorted(resources.files("portal_audit.checklists").iterdir(), key=lambda e: e.name):
        if entry.name.startswith("targets-") and entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            for target in data.get("targets") or []:
                out.append({**target, "source": entry.name})
    return out


def _site_share(store: Store, run_id: str, target: dict[str, Any]) -> dict[str, Any]:
    spec = target["items"]
    outcomes: dict[str, list[str]] = defaultdict(list)
    for row in store.query("SELECT f.site_id, f.ref, f.outcome FROM findings f JOIN sites s "
                           "ON s.run_id = f.run_id AND s.id = f.site_id WHERE f.run_id = ? AND f.checklist = ? "
                           "ORDER BY f.site_id", [run_id, spec["checklist"]]):
        if json.loads(row["ref"]).get("article") == spec["article"]:
            outcomes[row["site_id"]].append(row["outcome"])
    eligible = [s for s in store.sites(run_id) if s["unit_type"] in target["unit_types"]]
    passing, failing, unchecked = [], [], []
    for site in eligible:
        judged = [o for o in outcomes.get(site["id"], []) if o != "not_applicable"]
        if not judged or "not_checked" in judged:
            unchecked.append(site["id"])
        elif all(o == "passed" for o in judged):
            passing.append(site["id"])
        else:
            failing.append(site["id"])
    checked = len(passing) + len(failing)
    return {"numerator": len(passing), "denominator": checked, "actual": len(passing) / checked if checked else None,
            "passing": passing, "failing": failing, "not_checked": unchecked}


def _service_share(store: Store, run_id: str, target: dict[str, Any]) -> dict[str, Any]:
    column = "evidenced_level" if target.get("level_basis", "evidenced") == "evidenced" else "declared_level"
    levels = [r[column] for r in store.query(f"SELECT {column} FROM services WHERE run_id = ?", [run_id])]
    levels = [lv for lv in levels if lv is not None]
    hit = [lv for lv in levels if (lv >= target["level"] if target.get("counting") == "at_least"
                                   else lv == target["level"])]
    return {"numerator": len(hit), "denominator": len(levels),
            "actual": len(hit) / len(levels) if levels else None}


def measure_targets(store: Store, run_id: str) -> list[dict[str, Any]]:
    results = []
    for target in load_targets():
        if target["measure"] == "sites_passing_items":
            measured = _site_share(store, run_id, target)
        elif target["measure"] == "services_at_level":
            measured = _service_share(store, run_id, target)
        else:
            continue
        actual = measured["actual"]
        results.append({"id": target["id"], "name_vi": target["name_vi"], "name_en": target["name_en"],
                        "target": target["target"], **measured,
                        "met": None if actual is None else actual >= target["target"]})
    return results
