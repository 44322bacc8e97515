"""From the export document to what the report pages show: rankings, fix lists, groupings, comparisons.

Everything here is plain data (dicts, lists, numbers, strings from the document or the checklists); the
templates decide the words. Fields the scoring and history stages add later are read with ``.get()``: a
missing score is "not scored", a missing diff or trend is "first run, nothing to compare".
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from portal_audit.a11y.rules import rule_info
from portal_audit.audit.checklist import ChecklistError, available, load_checklist
from portal_audit.report.legal_texts import text_status
from portal_audit.report.reasons import translated_reason, translated_snippet

AREAS = ("content", "services", "accessibility", "technical")
PROBLEM_OUTCOMES = ("failed", "partial")
IMPACT_ORDER = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3}
_SAFE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_RESERVED = {"index", "con", "prn", "aux", "nul"}

Gettext = Callable[[str], str]


def site_slug(site_id: str) -> str:
    """A file name for a site id: the id itself when it is a plain slug, else a cleaned form plus a hash.

    Registry ids are slugs today; a hostile one (``../x``, ``a/b``, ``CON``, 300 characters) still gives a
    name inside ``sites/`` that cannot collide with a plain id (plain ids never end in a 10-hex suffix
    after a double dash).
    """
    text = str(site_id)
    if _SAFE_ID.fullmatch(text) and text not in _RESERVED and "--" not in text:
        return text
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")[:40] or "site"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{cleaned}--{digest}"


@cache
def checklist_items() -> dict[tuple[str, str], dict[str, Any]]:
    """Every item of every packaged checklist by (checklist, item id): names, fix guidance, element names."""
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for name in available():
        try:
            checklist = load_checklist(name)
        except ChecklistError:
            continue
        for item in checklist.items:
            items[(name, item["id"])] = {
                "name_vi": item.get("name_vi"), "name_en": item.get("name_en"),
                "fix_vi": item.get("fix_vi"), "fix_en": item.get("fix_en"),
                "maps_to": dict(item.get("maps_to") or {}),
                "elements": {el["id"]: {"vi": el.get("name_vi"), "en": el.get("name_en")}
                             for el in item.get("elements") or []},
            }
    return items


def item_facts(check: dict[str, Any]) -> dict[str, Any]:
    found = checklist_items().get((check.get("checklist") or "", check.get("id") or ""))
    if found is None:  # a check from a checklist outside the package (a path): find it by id alone
        found = next((v for (_, item_id), v in checklist_items().items() if item_id == check.get("id")), None)
    return found or {"name_vi": None, "name_en": None, "fix_vi": None, "fix_en": None, "maps_to": {},
                     "elements": {}}


def pick(record: dict[str, Any], field: str, lang: str) -> str | None:
    """``field_vi`` / ``field_en`` of a record in the report's language, the other one as a fallback."""
    other = "en" if lang == "vi" else "vi"
    return record.get(f"{field}_{lang}") or record.get(f"{field}_{other}")


_DOC_TYPES = (("/QH", "Law"), ("NĐ-CP", "Decree"), ("/TT-", "Circular"), ("/QĐ-", "Decision"))


def doc_name(doc: str, _: Gettext) -> str:
    """"43/2011/NĐ-CP" → "Nghị định 43/2011/NĐ-CP" (vi) / "Decree 43/2011/NĐ-CP" (en)."""
    names = []
    for part in (p.strip() for p in str(doc).split(";")):
        if not part:
            continue
        kind = next((k for marker, k in _DOC_TYPES if marker in part), None)
        label = {"Law": _("Law"), "Decree": _("Decree"), "Circular": _("Circular"),
                 "Decision": _("Decision")}.get(kind or "")
        names.append(f"{label} {part}" if label else part)
    return "; ".join(names)


def citation(ref: dict[str, Any] | None, _: Gettext) -> str | None:
    """A legal reference as the language writes it: "Điều 10 khoản 1 điểm b Nghị định 43/2011/NĐ-CP"."""
    if not ref or not ref.get("doc"):
        return None
    values = {"doc": doc_name(ref["doc"], _), "article": ref.get("article"), "clause": ref.get("clause"),
              "point": ref.get("point")}
    if values["article"] is None:
        return values["doc"]
    if values["clause"] is None and values["point"] is None:
        return _("Art. %(article)s, %(doc)s") % values
    if values["point"] is None:
        return _("Art. %(article)s(%(clause)s), %(doc)s") % values
    if values["clause"] is None:
        return _("Art. %(article)s point %(point)s, %(doc)s") % values
    return _("Art. %(article)s(%(clause)s)(%(point)s), %(doc)s") % values


def tt32_citation(point: str | None, _: Gettext) -> str | None:
    """Circular 32/2017 Art. 18 point as stored in the rule facts ("1(c)") → a citation."""
    if not point:
        return None
    match = re.fullmatch(r"(\d+)\((\w+)\)", point)
    clause, letter = (match.group(1), match.group(2)) if match else (None, None)
    return citation({"doc": "32/2017/TT-BTTTT", "article": 18, "clause": clause, "point": letter}, _)


def scored(site: dict[str, Any]) -> bool:
    return isinstance(site.get("score"), int | float)


def not_scored_reason(site: dict[str, Any], document: dict[str, Any]) -> str:
    """A key the templates turn into words: why a site has no score."""
    crawl = site.get("crawl") or {}
    if crawl.get("status") == "unreachable":
        return "unreachable"
    if "province_score" not in document and all(not scored(s) for s in document.get("sites") or []):
        return "no_scoring"
    return "not_enough"


def _site_trend_change(site_id: str, diff: dict[str, Any] | None, trend: list[dict[str, Any]] | None) -> \
        tuple[float | None, bool]:
    """(score change since the last run or None, whether there was a last run to compare with)."""
    if diff and site_id in (diff.get("sites") or {}):
        entry = diff["sites"][site_id] or {}
        change = (entry.get("score") or {}).get("change")
        return (float(change) if isinstance(change, int | float) else None), True
    if trend and len(trend) >= 2:
        before, now = (trend[-2].get("sites") or {}).get(site_id), (trend[-1].get("sites") or {}).get(site_id)
        if isinstance(before, int | float) and isinstance(now, int | float):
            return round(float(now) - float(before), 1), True
        return None, True
    return None, False


def direction(change: float | None) -> str | None:
    if change is None:
        return None
    if change > 0.05:
        return "up"
    if change < -0.05:
        return "down"
    return "same"


def ranking(document: dict[str, Any], diff: dict[str, Any] | None, trend: list[dict[str, Any]] | None) -> \
        list[dict[str, Any]]:
    """Rows of the ranking table: scored sites by score (ties share a rank), then the sites not scored."""
    rows = []
    for site in document.get("sites") or []:
        change, compared = _site_trend_change(site["id"], diff, trend)
        areas = site.get("area_scores") or {}
        rows.append({
            "id": site["id"], "slug": site_slug(site["id"]), "name": site.get("name") or site["id"],
            "unit_type": site.get("unit_type"), "url": site.get("url"),
            "score": site.get("score") if scored(site) else None, "grade": site.get("grade"),
            "areas": {a: areas.get(a) if isinstance(areas.get(a), int | float) else None for a in AREAS},
            "crawl_status": (site.get("crawl") or {}).get("status"),
            "crawl_reason": (site.get("crawl") or {}).get("reason"),
            "change": change, "direction": direction(change), "compared": compared,
            "not_scored": None if scored(site) else not_scored_reason(site, document),
            "rank": None,
        })
    ranked = sorted((r for r in rows if r["score"] is not None), key=lambda r: (-r["score"], r["name"]))
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    return ranked + sorted((r for r in rows if r["score"] is None), key=lambda r: r["name"])


def common_problems(document: dict[str, Any], lang: str, limit: int = 15) -> dict[str, list[dict[str, Any]]]:
    """Checks failed or partial on the most sites, and accessibility rules by the number of sites affected."""
    checks: dict[str, dict[str, Any]] = {}
    for site in document.get("sites") or []:
        seen: set[str] = set()
        for check in site.get("checks") or []:
            if check.get("outcome") not in PROBLEM_OUTCOMES or check["id"] in seen:
                continue
            seen.add(check["id"])
            entry = checks.setdefault(check["id"], {"id": check["id"], "area": check.get("area"),
                                                    "failed": 0, "partial": 0, "ref": check.get("ref"),
                                                    "in_force": check.get("in_force", True),
                                                    "name": pick(item_facts(check), "name", lang) or check["id"]})
            entry[check["outcome"]] += 1
    top_checks = sorted(checks.values(), key=lambda e: (-(e["failed"] + e["partial"]), -e["failed"],
                                                        not e["in_force"], e["id"]))[:limit]
    rules: dict[str, dict[str, Any]] = {}
    for site in document.get("sites") or []:
        per_site: dict[str, int] = defaultdict(int)
        for group in site.get("accessibility") or []:
            per_site[group["rule"]] += int(group.get("pages") or 0)
        for rule, pages in per_site.items():
            info = rule_info(rule)
            entry = rules.setdefault(rule, {"rule": rule, "sites": 0, "pages": 0, "wcag": list(info.wcag),
                                            "impact": info.impact, "level": info.level,
                                            "title": info.title_vi if lang == "vi" else info.title_en})
            entry["sites"] += 1
            entry["pages"] += pages
    top_rules = sorted(rules.values(), key=lambda e: (-e["sites"], -e["pages"], IMPACT_ORDER.get(e["impact"], 9),
                                                      e["rule"]))[:limit]
    return {"checks": top_checks, "rules": top_rules}


def _deduction_points(site: dict[str, Any]) -> dict[str, float]:
    """Points each check costs the site, when the scoring stage says so (score_detail.*.deductions)."""
    points: dict[str, float] = {}
    for detail in (site.get("score_detail") or {}).values():
        for deduction in (detail or {}).get("deductions") or []:
            if not isinstance(deduction, dict):
                continue
            key = deduction.get("id") or deduction.get("check") or deduction.get("item")
            value = next((deduction[k] for k in ("points", "lost", "deducted", "weight")
                          if isinstance(deduction.get(k), int | float)), None)
            if key and value is not None:
                points[str(key)] = points.get(str(key), 0.0) + float(value)
    return points


def fix_list(site: dict[str, Any], lang: str, _: Gettext, day: date | None = None) -> list[dict[str, Any]]:
    """Failed and partial checks, fastest win first, one item per obligation.

    Gain = the points the item costs (the scoring stage's deduction when given, else its weight, halved when
    the item is partly met); effort = the number of elements still missing (at least 1). Sorted by texts in
    force first, then gain ÷ effort, then weight. A baseline item whose obligation a checked item of the texts
    in force also states (``maps_to`` in the checklist) is folded into that item ("also required by"), with
    the elements only the baseline names; it stays an item of its own when the text in force is met.
    """
    deductions = _deduction_points(site)
    rows = []
    for check in site.get("checks") or []:
        outcome = check.get("outcome")
        if outcome not in PROBLEM_OUTCOMES:
            continue
        facts = item_facts(check)
        weight = float(check.get("weight") or 1.0)
        gain = deductions.get(check["id"], weight * (1.0 if outcome == "failed" else 0.5))
        missing = [{"id": el, "name": (facts["elements"].get(el) or {}).get(lang)
                    or (facts["elements"].get(el) or {}).get("vi" if lang == "en" else "en") or el}
                   for el in check.get("missing_elements") or []]
        ref = check.get("ref") or {}
        rows.append({
            "id": check["id"], "area": check.get("area"), "outcome": outcome, "weight": weight,
            "gain": round(gain, 2), "effort": max(1, len(missing)),
            "name": pick(facts, "name", lang) or check["id"], "citation": citation(check.get("ref"), _),
            "text": text_status(ref.get("doc"), day),
            "in_force": bool(check.get("in_force", True)), "checklist": check.get("checklist"),
            "reason": check.get("reason"), "reason_translated": translated_reason(check, lang),
            "missing": missing, "evidence": [shown_evidence(ev, lang) for ev in check.get("evidence") or []],
            "fix": pick(facts, "fix", lang), "maps_to": facts.get("maps_to") or {}, "also": [],
        })
    rows = _fold_baseline(rows)
    for row in rows:
        row["priority"] = row["gain"] / row["effort"]
    rows.sort(key=lambda r: (not r["in_force"], -r["priority"], -r["weight"], r["id"]))
    for position, row in enumerate(rows, start=1):
        row["position"] = position
    return rows


def _fold_baseline(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Baseline rows whose ``maps_to`` names a problem row of the texts in force join that row."""
    in_force = {row["id"]: row for row in rows if row["in_force"]}
    kept = []
    for row in rows:
        target = None if row["in_force"] else next(
            (in_force[item] for item in row["maps_to"].values() if item in in_force), None)
        if target is None:
            kept.append(row)
            continue
        if row["citation"] != target["citation"]:
            target["also"].append({"id": row["id"], "name": row["name"], "citation": row["citation"],
                                   "text": row["text"], "outcome": row["outcome"]})
        known = {m["name"] for m in target["missing"]}
        extra = [m for m in row["missing"] if m["name"] not in known]
        target["missing"].extend({**m, "baseline": True} for m in extra)
        target["effort"] = max(1, len(target["missing"]))
        target["gain"] = round(target["gain"] + row["gain"], 2)
        target["evidence"].extend(ev for ev in row["evidence"] if ev not in target["evidence"])
    return kept


def shown_evidence(evidence: dict[str, Any], lang: str) -> dict[str, Any]:
    """Evidence as the scorecard shows it: a quote of the page (``quote``) as the page had it, or the engine's
    own words in the report's language."""
    return {**evidence, "text": translated_snippet(evidence, lang), "quote": not evidence.get("snippet_template")}


def not_checked(site: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    rows = []
    for check in site.get("checks") or []:
        if check.get("outcome") == "not_checked":
            rows.append({"id": check["id"], "area": check.get("area"), "reason": check.get("reason"),
                         "reason_translated": translated_reason(check, lang),
                         "name": pick(item_facts(check), "name", lang) or check["id"]})
    return rows


def not_checked_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Not-checked items grouped by their reason, most items first: an unreachable site has one reason for
    every item, said once, not seventy times."""
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = str(row["reason_translated"] or row["reason"] or "")
        groups.setdefault(key, {"reason": row, "items": []})["items"].append(row)
    return sorted(groups.values(), key=lambda g: -len(g["items"]))


def area_summary(site: dict[str, Any]) -> list[dict[str, Any]]:
    """Per area: score, and counts of outcomes (from score_detail when given, else counted from the checks)."""
    detail = site.get("score_detail") or {}
    scores = site.get("area_scores") or {}
    out = []
    for area in AREAS:
        counts: Counter[str] = Counter(c.get("outcome") for c in site.get("checks") or [] if c.get("area") == area)
        given = detail.get(area) or {}
        not_checked_ids = given.get("not_checked")
        if not isinstance(not_checked_ids, list):
            not_checked_ids = [c["id"] for c in site.get("checks") or []
                               if c.get("area") == area and c.get("outcome") == "not_checked"]
        out.append({
            "area": area,
            "score": scores.get(area) if isinstance(scores.get(area), int | float) else None,
            "passed": given.get("passed", counts["passed"]), "partial": given.get("partial", counts["partial"]),
            "failed": given.get("failed", counts["failed"]),
            "not_applicable": given.get("not_applicable", counts["not_applicable"]),
            "not_checked": len(not_checked_ids), "not_checked_ids": not_checked_ids,
            "earned": given.get("earned"), "possible": given.get("possible"),
        })
    return out


def _rule_points(site: dict[str, Any]) -> dict[str, float]:
    detail = (site.get("score_detail") or {}).get("accessibility") or {}
    points: dict[str, float] = {}
    for deduction in detail.get("deductions") or []:
        if isinstance(deduction, dict) and deduction.get("rule") and isinstance(deduction.get("points"), int | float):
            points[deduction["rule"]] = points.get(deduction["rule"], 0.0) + float(deduction["points"])
    return points


def template_name(group: dict[str, Any]) -> dict[str, Any]:
    """How the scorecard names a template: the title and address of one of its pages (``template_label``), or the
    first example page when the export has no label (an older export)."""
    label = group.get("template_label") or {}
    examples = group.get("examples") or [{}]
    return {"title": label.get("title"), "url": label.get("url") or examples[0].get("url"),
            "pages": group.get("template_pages")}


def accessibility_by_rule(site: dict[str, Any], lang: str, _: Gettext) -> list[dict[str, Any]]:
    """Violations by rule first, worst impact first; under each rule, the elements shared by several templates
    (said once, "on 9 of 10 templates") and then the templates with problems of their own.

    A template whose every failing element is a shared one is not listed again: fixing the shared element fixes
    it. Points lost are the rule's, once (the scoring stage deducts per rule, not per template).
    """
    points = _rule_points(site)
    shared_by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for element in site.get("accessibility_shared") or []:
        shared_by_rule[element["rule"]].append(element)
    rules: dict[str, dict[str, Any]] = {}
    for group in site.get("accessibility") or []:
        info = rule_info(group["rule"])
        entry = rules.setdefault(group["rule"], {
            "rule": group["rule"], "wcag": group.get("wcag") or list(info.wcag), "impact": None,
            "level": group.get("level") or info.level, "title": info.title_vi if lang == "vi" else info.title_en,
            "help": (info.help_vi if lang == "vi" else info.help_en) or info.help_en, "help_url": info.help_url,
            "legal": tt32_citation(info.tt32_art18, _), "points": points.get(group["rule"]),
            "pages": 0, "occurrences": 0, "templates": [], "template_count": 0,
            "shared": shared_by_rule.get(group["rule"], []),
        })
        if IMPACT_ORDER.get(group.get("impact") or "", 9) < IMPACT_ORDER.get(entry["impact"] or "", 9):
            entry["impact"] = group.get("impact")
        entry["pages"] += int(group.get("pages") or 0)
        entry["occurrences"] += int(group.get("occurrences") or 0)
        entry["template_count"] += 1
        own = int(group.get("occurrences") or 0) - int(group.get("shared_occurrences") or 0)
        if own > 0 or not entry["shared"]:
            local = group.get("local_example") or {}
            examples = group.get("examples") or []
            entry["templates"].append({
                **template_name(group), "affected": group.get("pages"), "occurrences": own,
                "snippet": local.get("snippet") or group.get("snippet"),
                "example": {"url": local.get("url"), "selector": local.get("selector")} if local.get("url")
                else (examples[0] if examples else {}),
            })
    out = list(rules.values())
    for entry in out:
        entry["templates"].sort(key=lambda t: (-(t["occurrences"] or 0), t["title"] or "", t["url"] or ""))
    out.sort(key=lambda e: (IMPACT_ORDER.get(e["impact"] or "", 9), -(e["points"] or 0), -e["pages"], e["rule"]))
    return out


def site_diff(site_id: str, diff: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    if not diff:
        return None
    entry = (diff.get("sites") or {}).get(site_id)
    if entry is None:
        return {"status": "new_site", "note": None, "new": [], "fixed": [], "open": [], "not_checked": [],
                "score": {}}
    named = {}
    for key in ("new", "fixed", "open", "not_checked"):
        named[key] = [{**f, "name": pick(f, "name", lang) or f.get("id")} for f in entry.get(key) or []]
    return {"status": entry.get("status"), "note": entry.get("note"), "score": entry.get("score") or {}, **named}


def site_trend(site_id: str, trend: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{"run_id": t.get("run_id"), "started_at": t.get("started_at"),
             "score": (t.get("sites") or {}).get(site_id)} for t in trend or []]


def province_trend(trend: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{"run_id": t.get("run_id"), "started_at": t.get("started_at"), "score": t.get("province_score")}
            for t in trend or []]


def summary_json(document: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """data/summary.json: the province page as data."""
    return {
        "schema": "portal-audit/report-summary/1",
        "run": document.get("run"),
        "targets": document.get("targets") or [],
        "province_score": document.get("province_score"),
        "service_levels": document.get("service_levels"),
        "sites": [{"id": r["id"], "name": r["name"], "unit_type": r["unit_type"], "rank": r["rank"],
                   "score": r["score"], "grade": r["grade"], "area_scores": r["areas"],
                   "crawl_status": r["crawl_status"], "not_scored": r["not_scored"], "change": r["change"],
                   "scorecard": f"sites/{r['slug']}.html", "data": f"data/sites/{r['slug']}.json"} for r in rows],
    }


def technical(site: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    return [{"id": c["id"], "outcome": c.get("outcome"), "reason": c.get("reason"),
             "reason_translated": translated_reason(c, lang),
             "name": pick(item_facts(c), "name", lang) or c["id"]}
            for c in site.get("checks") or [] if c.get("area") == "technical"]
