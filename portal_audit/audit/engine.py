"""Judge every site of a run against the chosen checklists; write findings and services to the store.

Pure function of (stored crawl, checklists): the same inputs give the same rows in the same order, so
``portal-audit audit`` twice gives byte-identical exports. Three outcomes are never two: an item that
could not be judged (site unreachable, detector crashed) is ``not_checked`` with the reason.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal_audit import unit_types
from portal_audit.a11y.static_results import replace_static_results, static_results
from portal_audit.audit.checklist import Checklist, default_checklists, load_checklist
from portal_audit.audit.corpus import SiteCorpus, load_corpus, site_scope
from portal_audit.audit.dates import find_dates, newest, working_days_between
from portal_audit.audit.detectors import DETECTORS, MAX_EVIDENCE, Evidence, Found, text
from portal_audit.audit.services import Service, find_services
from portal_audit.audit.technical import judge_check
from portal_audit.prune import refuse_pruned
from portal_audit.reasons import (
    crawl_line,
    english,
    join_reasons,
    reason,
    split_reason,
)
from portal_audit.store import Store, dumps

log = logging.getLogger("portal_audit.audit")


@dataclass
class Finding:
    item: dict[str, Any]
    checklist: Checklist
    outcome: str
    reason: str | None
    missing: list[str]
    evidence: list[Evidence]


def _applies(unit_type: str, applies_to: list[str] | None) -> bool:
    return applies_to is None or unit_type in applies_to


def _binds_every_type(unit_type: str, item: dict[str, Any]) -> bool:
    """The item and each of its elements apply to ``unit_type`` (a requirement of every website)."""
    return _applies(unit_type, item["applies_to"]) and all(
        _applies(unit_type, e.get("applies_to")) for e in item.get("elements") or [])


def _service_catalogue(corpus: SiteCorpus, services: list[Service], dvc_urls: list[str]) -> Found:
    found = Found()
    for service in services[:MAX_EVIDENCE]:
        found.add(Evidence(url=service.url, snippet=service.name[:160]))
    if found.present:
        return found
    # A department or commune may publish its services on the province's online-service portal.
    for link in corpus.stored_links:
        if any(link.url.startswith(base) for base in dvc_urls) or "dichvucong" in link.url:
            found.add(Evidence(url=link.page.final_url, selector=link.selector, snippet=f"{link.text} → {link.url}"))
            if len(found.evidence) >= MAX_EVIDENCE:
                break
    return found


def _element(corpus: SiteCorpus, element: dict[str, Any], services: list[Service], dvc_urls: list[str]) -> Found:
    combined = Found()
    text_specs = []
    for spec in element["detect"]:
        if spec["type"] == "text" and spec.get("where") == "element_pages":
            text_specs.append(spec)
            continue
        if spec["type"] == "service_catalogue":
            result = _service_catalogue(corpus, services, dvc_urls)
        else:
            # Checklists repeat detectors (Decree 224 items reuse Decree 43's): run each once per site.
            key = json.dumps(spec, sort_keys=True, ensure_ascii=False)
            if key not in corpus.detector_cache:
                corpus.detector_cache[key] = DETECTORS[spec["type"]](corpus, spec)
            result = corpus.detector_cache[key]
        for ev in result.evidence:
            combined.add(ev)
        for page in result.pages:
            if page not in combined.pages:
                combined.pages.append(page)
        combined.against.extend(result.against)
        combined.note = combined.note or result.note
    if text_specs:
        # `text` with where: element_pages is a condition on the pages the other detectors found: the
        # element is there only where those pages also say what the law asks (e.g. a leaders' page that
        # also gives their tasks).
        kept = [p for p in combined.pages if all(text(corpus, spec, [p]).present for spec in text_specs)]
        filtered = Found(note=combined.note)
        for page in kept:
            for ev in combined.evidence:
                if ev.url == page.final_url:
                    filtered.add(ev, page)
        if combined.present and not filtered.present:
            filtered.note = filtered.note or reason("pages found, but without the required details")
            filtered.seen = True
        return filtered
    return combined


def _freshness(item: dict[str, Any], found: dict[str, Found], crawl_day: date) -> str | None:
    """A reason when the newest dated item is older than the law's deadline; None when fresh or unknown."""
    rule = item.get("freshness")
    if not rule:
        return None
    element_id = rule.get("element") or item["elements"][0]["id"]
    pages = [p for p in found.get(element_id, Found()).pages if not p.is_empty]
    latest = newest((d for p in pages for d in find_dates(p.main_folded)), crawl_day)
    if latest is None:
        return None
    age = working_days_between(latest, crawl_day) if rule.get("working_days") else (crawl_day - latest).days
    if age > rule["max_days"]:
        if rule.get("working_days"):
            return reason("newest dated item {date} is {age} working days old (limit {limit})",
                          date=latest.isoformat(), age=age, limit=rule["max_days"])
        return reason("newest dated item {date} is {age} days old (limit {limit})",
                      date=latest.isoformat(), age=age, limit=rule["max_days"])
    return None


def _render_note(site: dict[str, Any]) -> str | None:
    """Say when JavaScript navigation could not be seen: render discovery (render/discover.py) stores its
    outcome in ``sites.render_status``, and the judgement of it is worded here, with the other reasons."""
    status = site.get("render_status") or ""
    if status.startswith(("unavailable", "error")):
        return reason("navigation built by JavaScript was not rendered ({status})", status=status)
    return None


def _not_crawled(site: dict[str, Any]) -> str:
    if not site.get("status_reason"):
        return reason("site not crawled ({status}: no pages)", status=str(site["status"]))
    return reason("site not crawled: {why}", why=crawl_line(site["status_reason"]))


def judge_item(corpus: SiteCorpus, site: dict[str, Any], item: dict[str, Any], checklist: Checklist,
               services: list[Service], dvc_urls: list[str], crawl_day: date) -> Finding:
    unit_type = str(site["unit_type"])
    if unit_types.is_generic(unit_type) and not _binds_every_type(unit_type, item):
        # "other" says nothing about which agency this is: the law's answer depends on it, so the item is not
        # checked (and the report says why), never silently not applicable.
        return Finding(item, checklist, "not_checked",
                       reason("the registry gives this site no unit type the law names ({unit_type}), and this "
                              "requirement depends on it: set the site's unit type to check it",
                              unit_type=unit_types.label(unit_type)), [], [])
    if not _applies(unit_type, item["applies_to"]):
        return Finding(item, checklist, "not_applicable",
                       reason("does not apply to unit type {unit_type}", unit_type=unit_types.label(unit_type)),
                       [], [])
    if site["status"] in ("unreachable", "pending", "crawling") or not corpus.pages:
        return Finding(item, checklist, "not_checked",
                       _not_crawled(site), [], [])
    if "check" in item:
        try:
            outcome, why, evidence = judge_check(corpus, item, services)
        except Exception as exc:  # one broken check must not stop the audit
            log.exception("technical check failed on %s %s", site["id"], item["id"])
            return Finding(item, checklist, "not_checked",
                           reason("check error: {error}: {message}", error=type(exc).__name__, message=english(exc)),
                           [], [])
        return Finding(item, checklist, outcome, why, [], evidence)
    elements = [e for e in item["elements"] if _applies(unit_type, e.get("applies_to"))]
    if not elements:
        return Finding(item, checklist, "not_applicable",
                       reason("no element applies to unit type {unit_type}", unit_type=unit_types.label(unit_type)),
                       [], [])
    try:
        found = {e["id"]: _element(corpus, e, services, dvc_urls) for e in elements}
    except Exception as exc:  # one broken detector must not stop the audit
        log.exception("detector failed on %s %s", site["id"], item["id"])
        return Finding(item, checklist, "not_checked",
                       reason("detector error: {error}: {message}", error=type(exc).__name__, message=english(exc)),
                       [], [])
    present = [e for e in elements if found[e["id"]].present]
    missing = [e for e in elements if not found[e["id"]].present]
    evidence: list[Evidence] = []
    for e in elements:
        evidence.extend(ev for ev in found[e["id"]].evidence if not ev.empty and not ev.unread)
    reasons: list[str] = []
    empty = [e["name_vi"] for e in missing if found[e["id"]].only_empty]
    if empty:
        reasons.append(reason("empty section: {names}", names="; ".join(empty)))
        evidence.extend(ev for e in missing for ev in found[e["id"]].evidence if ev.empty)
    unread = [e["name_vi"] for e in missing if found[e["id"]].only_unread]
    if unread:
        reasons.append(reason("linked, but no page of it could be read: {names}", names="; ".join(unread)))
        evidence.extend(ev for e in missing for ev in found[e["id"]].evidence if ev.unread)
    evidence.extend(ev for e in missing for ev in found[e["id"]].against)
    notes = [found[e["id"]].note for e in missing if found[e["id"]].note]
    reasons.extend(notes)
    if missing:
        reasons.insert(0, reason("missing: {names}", names="; ".join(e["name_vi"] for e in missing)))
    # One rule for every point (docs/checklists.md, "Present, partial, missing"): the category exists when an
    # element is shown, its pages were found without the required details, or it is linked but its page
    # could not be read; it is then partial until every required element is shown. A section that shows
    # nothing (an empty list, "Đang cập nhật") publishes nothing: failed, as when nothing was found.
    exists = any(found[e["id"]].seen or any(ev.unread for ev in found[e["id"]].evidence) for e in elements)
    outcome = "passed" if not missing else ("partial" if present or exists else "failed")
    stale = _freshness(item, found, crawl_day) if outcome == "passed" else None
    if stale:
        outcome = "partial"
        reasons.append(stale)
    if outcome != "passed" and site["status"] == "partial":
        reasons.append(reason("crawl was partial ({why})", why=crawl_line(site.get("status_reason"))))
    if outcome != "passed" and (note := _render_note(site)):
        reasons.append(note)
    if outcome != "passed" and site.get("budget_exhausted"):
        reasons.append(reason("page budget reached: raise max_pages to see more of the site"))
    unique: list[Evidence] = []
    for ev in evidence:
        if ev not in unique:
            unique.append(ev)
    return Finding(item, checklist, outcome, join_reasons(reasons), [e["id"] for e in missing],
                   unique[: MAX_EVIDENCE * 2])


def checklists_for(site: dict[str, Any], override: list[str] | None, crawl_day: date) -> list[str]:
    """--checklist wins; then the registry's `checklists` for the site; else the regime in force + baseline."""
    if override:
        return override
    configured = json.loads(site.get("config") or "{}").get("checklists")
    return list(configured) if configured else default_checklists(crawl_day)


def audit_run(store: Store, run_id: str | None = None, override: list[str] | None = None,
              as_of: date | None = None) -> dict[str, int]:
    """Replace the run's findings, services and static accessibility results with a fresh, deterministic judgement.

    Every checklist is loaded (and validated) before anything is written: a broken checklist raises
    ChecklistError and leaves the store as it was.
    """
    run = store.run(run_id)
    run_id = run["id"]
    refuse_pruned(store, run_id, "audited")
    crawl_day = date.fromisoformat(run["started_at"][:10])
    judge_day = as_of or crawl_day  # freshness is judged as of this day (the crawl's, unless told otherwise)
    sites = store.sites(run_id)
    chosen = {site["id"]: checklists_for(site, override, crawl_day) for site in sites}
    loaded = {name: load_checklist(name) for names in chosen.values() for name in names}
    dvc_urls = [s["url"] for s in sites if s["unit_type"] == "dvc"]
    finding_rows: list[dict[str, Any]] = []
    service_rows: list[dict[str, Any]] = []
    scopes = {site["id"]: site_scope(site) for site in sites}
    with store.db.atomic():  # one transaction: an interrupted audit leaves the previous judgement whole
        for site in sites:
            corpus = load_corpus(store, run_id, site, tuple(s for i, s in scopes.items() if i != site["id"]))
            services = find_services(corpus) if corpus.pages else []
            # written as each site is judged, so a province's static results are never all held in memory
            replace_static_results(store, run_id, site["id"], static_results(store, run_id, site))
            for service in services:
                service_rows.append({
                    "run_id": run_id, "site_id": site["id"], "url": service.url, "name": service.name,
                    "declared_level": service.declared_level, "declared_label": service.declared_label,
                    "evidenced_level": service.evidenced_level, "mismatch": int(service.mismatch),
                    "note": service.note, "evidence": dumps([e.as_dict() for e in service.evidence])})
            for checklist in (loaded[name] for name in chosen[site["id"]]):
                for item in checklist.items:
                    f = judge_item(corpus, site, item, checklist, services, dvc_urls, judge_day)
                    template, params = split_reason(f.reason)
                    finding_rows.append({
                        "run_id": run_id, "site_id": site["id"], "checklist": checklist.name, "item_id": item["id"],
                        "area": item["area"], "ref": dumps(item["ref"]),
                        "weight": (item.get("weight_by_unit") or {}).get(site["unit_type"], item["weight"]),
                        "in_force": int(checklist.in_force_on(crawl_day)), "outcome": f.outcome,
                        "reason": None if f.reason is None else str(f.reason), "reason_template": template,
                        "reason_params": None if params is None else dumps(params),
                        "missing": dumps(f.missing), "evidence": dumps([e.as_dict() for e in f.evidence]),
                    })
        store.db.execute("DELETE FROM findings WHERE run_id = ?", (run_id,))
        store.db.execute("DELETE FROM services WHERE run_id = ?", (run_id,))
        if finding_rows:
            store.db["findings"].insert_all(finding_rows, batch_size=1000)
        if service_rows:
            store.db["services"].insert_all(service_rows, batch_size=1000)
        store.db.execute("DELETE FROM audits WHERE run_id = ?", (run_id,))
        store.db["audits"].insert({"run_id": run_id, "checklists": dumps(sorted(loaded)),
                                   "as_of": judge_day.isoformat()})
    counts: dict[str, int] = {}
    for row in finding_rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    return counts
