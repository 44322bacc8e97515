"""The export: a run as one JSON document (or flat CSV rows), the project's public interface.

Shape and field meanings are fixed by docs/export.md (schema ``portal-audit/export/1``) and validated
against ``portal_audit/schemas/export-1.schema.json``; fields may be added, never renamed.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import yaml

from portal_audit.a11y.rules import rule_info
from portal_audit.a11y.summary import page_rows, site_accessibility
from portal_audit.audit.targets import measure_targets
from portal_audit.errorkind import BROKEN_KINDS, REFUSED_KINDS, ErrorKind
from portal_audit.scoring import score_province, score_site
from portal_audit.store import Store

SCHEMA_ID = "portal-audit/export/1"
CSV_COLUMNS = ("site_id", "area", "id", "ref", "outcome", "url", "selector", "snippet")
# Added after the contract's columns (a reader by position keeps working): what a webmaster reads in Excel.
CSV_ADDED_COLUMNS = ("name_vi", "reason_vi")
MAX_FOUND_ON = 10


@cache
def export_schema() -> dict[str, Any]:
    return json.loads(resources.files("portal_audit").joinpath("schemas/export-1.schema.json").read_text("utf-8"))


@cache
def _regimes() -> list[dict[str, Any]]:
    text = resources.files("portal_audit.checklists").joinpath("regimes.yaml").read_text("utf-8")
    return yaml.safe_load(text)["regimes"]


def regime_on(day: date) -> str | None:
    """The regime in force on ``day`` (legal.md §2), e.g. nd224_2026 since 2026-07-01."""
    for regime in _regimes():
        until = regime["in_force_until"]
        if regime["in_force_from"] <= day and (until is None or day <= until):
            return regime["id"]
    return None


def _crawl_status(site: dict[str, Any]) -> str:
    # A site the run never reached (interrupted before it started) is reported as partial, with a reason.
    return site["status"] if site["status"] in ("ok", "partial", "unreachable") else "partial"


def _found_on(store: Store, run_id: str, site_id: str, url: str, extra: str | None = None) -> list[str]:
    rows = store.db.execute(
        "SELECT DISTINCT from_url FROM links WHERE run_id=? AND site_id=? AND to_url=? LIMIT ?",
        (run_id, site_id, url, MAX_FOUND_ON)).fetchall()
    pages = [r[0] for r in rows]
    if extra and extra not in pages:
        pages.insert(0, extra)
    return pages[:MAX_FOUND_ON]


def broken_links(store: Store, run_id: str, site_id: str) -> list[dict[str, Any]]:
    """Links a visitor of this site would find broken: pages, documents and external targets."""
    out: dict[str, dict[str, Any]] = {}
    marks = ",".join("?" * len(BROKEN_KINDS))
    for url, kind, status, referrer in store.db.execute(
            f"SELECT url, kind, status, referrer FROM fetch_errors WHERE run_id=? AND site_id=? "
            f"AND kind IN ({marks}) ORDER BY id", (run_id, site_id, *BROKEN_KINDS)):
        out.setdefault(url, {"url": url, "status": status, "error": None if kind == ErrorKind.HTTP else kind,
                             "found_on": _found_on(store, run_id, site_id, url, referrer)})
    for url, status, error, found_on in store.db.execute(
            "SELECT url, status, error, found_on FROM documents WHERE run_id=? AND site_id=? "
            "AND (status >= 400 OR error IS NOT NULL) ORDER BY url", (run_id, site_id)):
        out.setdefault(url, {"url": url, "status": status, "error": error,
                             "found_on": _found_on(store, run_id, site_id, url, found_on)})
    for url, status, error in store.db.execute(
            "SELECT c.url, c.status, c.error FROM link_checks c WHERE c.run_id=? "
            "AND (c.status >= 400 OR c.error IS NOT NULL) "
            "AND c.url IN (SELECT to_url FROM links WHERE run_id=? AND site_id=?) ORDER BY c.url",
            (run_id, run_id, site_id)):
        if error in REFUSED_KINDS:
            continue
        out.setdefault(url, {"url": url, "status": status, "error": error,
                             "found_on": _found_on(store, run_id, site_id, url)})
    return list(out.values())


def _checks(store: Store, run_id: str, site_id: str) -> list[dict[str, Any]]:
    checks = []
    for row in store.query("SELECT * FROM findings WHERE run_id = ? AND site_id = ? ORDER BY rowid", [run_id, site_id]):
        ref = json.loads(row["ref"]) if row["ref"] else None
        checks.append({
            "id": row["item_id"], "area": row["area"],
            "ref": {k: ref.get(k) for k in ("doc", "article", "clause", "point")} if ref else None,
            "outcome": row["outcome"], "reason": row["reason"],
            "missing_elements": json.loads(row["missing"] or "[]"),
            "evidence": json.loads(row["evidence"] or "[]"),
            "checklist": row["checklist"], "in_force": bool(row["in_force"]), "weight": row["weight"],
            "reason_template": row.get("reason_template"),
            "reason_params": json.loads(row["reason_params"]) if row.get("reason_params") else None,
        })
    return checks


def _services(store: Store, run_id: str, site_id: str) -> list[dict[str, Any]]:
    return [{"name": row["name"], "url": row["url"], "declared_level": row["declared_level"],
             "evidenced_level": row["evidenced_level"], "declared_label": row["declared_label"],
             "mismatch": bool(row["mismatch"]), "note": row["note"], "evidence": json.loads(row["evidence"] or "[]")}
            for row in store.query("SELECT * FROM services WHERE run_id = ? AND site_id = ? ORDER BY url",
                                   [run_id, site_id])]


def _level_counts(services: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Counts of procedures per level, declared and evidenced ("none" when no level is shown)."""
    counts: dict[str, dict[str, int]] = {"declared": {}, "evidenced": {}}
    for service in services:
        for basis in counts:
            level = str(service[f"{basis}_level"] or "none")
            counts[basis][level] = counts[basis].get(level, 0) + 1
    return {basis: dict(sorted(c.items())) for basis, c in counts.items()}


def _province_levels(sites: list[dict[str, Any]]) -> dict[str, Any]:
    """Province-wide counts and shares of procedures per declared and evidenced level."""
    services = [s for site in sites for s in site["services"]]
    counts = _level_counts(services)
    total = len(services)
    return {"procedures": total, **counts,
            "shares": {basis: {level: round(n / total, 4) for level, n in c.items()} if total else {}
                       for basis, c in counts.items()}}


def _a11y_run(store: Store, run_id: str) -> dict[str, Any] | None:
    row = next(iter(store.query("SELECT * FROM a11y_runs WHERE run_id = ?", [run_id])), None)
    if row is None:
        return None
    return {"status": row["status"], "axe_version": row["axe_version"], "browser": row["browser"],
            "browser_error": row["browser_error"], "tags": json.loads(row["tags"] or "[]"),
            "started_at": row["started_at"], "finished_at": row["finished_at"]}


def build_export(store: Store, run_id: str | None = None) -> dict[str, Any]:
    run = store.run(run_id)
    started = run["started_at"]
    sites = []
    for site in store.sites(run["id"]):
        a11y = site_accessibility(store, run["id"], site["id"])
        sites.append({
            "id": site["id"], "name": site["name"], "unit_type": site["unit_type"], "url": site["url"],
            # the registry's contact for the site (null when it names none): the scorecard shows it
            "webmaster": (json.loads(site["config"]) if site.get("config") else {}).get("webmaster"),
            "crawl": {"status": _crawl_status(site), "pages": site["pages_ok"] or 0, "errors": site["errors"] or 0,
                      "reason": site["status_reason"] or (None if site["status"] != "pending" else "not crawled"),
                      "error_kinds": json.loads(site["error_kinds"] or "{}")},
            "score": None, "grade": None,
            "area_scores": {"content": None, "services": None, "accessibility": None, "technical": None},
            "checks": _checks(store, run["id"], site["id"]),
            "services": (services := _services(store, run["id"], site["id"])),
            "service_levels": _level_counts(services),
            "accessibility": a11y["violations"],
            "accessibility_status": a11y["status"],
            "accessibility_review": a11y["needs_review"],
            "accessibility_shared": a11y["shared"],
            "broken_links": broken_links(store, run["id"], site["id"]),
        })
        # Scored from the entry just built (a pure function of the exported facts: docs/scoring.md), so anyone
        # holding the JSON can recompute the same numbers.
        sites[-1].update(score_site(sites[-1]))
    audit = list(store.query("SELECT checklists, as_of FROM audits WHERE run_id = ?", [run["id"]]))
    return {
        "schema": SCHEMA_ID,
        "run": {"id": run["id"], "started_at": started, "finished_at": run["finished_at"],
                "status": run["status"], "regime": regime_on(date.fromisoformat(started[:10])),
                "province": run["province"], "tool_version": run["tool_version"],
                "checklists": json.loads(audit[0]["checklists"]) if audit else [],
                "as_of": audit[0]["as_of"] if audit else None,
                "accessibility": _a11y_run(store, run["id"])},
        "targets": measure_targets(store, run["id"]) if audit else [],
        "service_levels": _province_levels(sites),
        "province_score": score_province(sites),
        "sites": sites,
    }


def validate_export(document: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError when the document breaks the public contract."""
    jsonschema.validate(document, export_schema())


def export_csv(document: dict[str, Any], store: Store | None = None) -> str:
    """Flat rows, one per check and evidence page (contract: site_id, area, id, ref, outcome, url, ...), then the
    item's Vietnamese name and reason (the report's catalogue; the engine's English reason when it has none).

    With the store, accessibility adds one row per rule × page, every page (not the grouped examples).
    """
    from portal_audit.report.model import item_facts  # the report's names and catalogue, shared with the CSV
    from portal_audit.report.reasons import translated_reason

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + CSV_ADDED_COLUMNS)
    for site in document["sites"]:
        for check in site["checks"]:
            ref = check.get("ref")
            ref_text = " ".join(str(ref[k]) for k in ("doc", "article", "clause", "point") if ref and ref.get(k)) \
                if ref else ""
            translated = translated_reason(check, "vi")
            reason = translated.striptags() if translated else (check.get("reason") or "")
            name = item_facts(check).get("name_vi") or ""
            for ev in check.get("evidence") or [{"url": None, "selector": None, "snippet": None}]:
                writer.writerow([site["id"], check["area"], check["id"], ref_text, check["outcome"],
                                 ev.get("url") or "", ev.get("selector") or "", ev.get("snippet") or "",
                                 name, reason])
        if store is not None:
            for row in page_rows(store, document["run"]["id"], site["id"]):
                info = rule_info(row["rule"])
                ref_text = " ".join(f"WCAG {sc}" for sc in info.wcag) or info.level
                writer.writerow([site["id"], "accessibility", row["rule"], ref_text, "failed", row["url"],
                                 row["selector"] or "", row["snippet"] or "", info.title_vi.replace("`", ""), ""])
    return buffer.getvalue()
