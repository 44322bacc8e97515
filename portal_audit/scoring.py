"""Scores: a pure function of one site's export entry, with every number taken from ``data/scoring.yaml``.

Why a pure function of the export-shaped dict and not of the store: the score must be recomputable by anyone
holding the published JSON (a dashboard, the province's open-data feed, a regression check), and a changed
weight must re-score an old run without re-crawling (gather once, judge many times). docs/scoring.md explains
the rules in plain words and says what was taken from Lighthouse, AccessMonitor, Siteimprove and Silktide.

Honesty rules the code keeps: ``None`` means "not scored" (nothing could be judged) and is never shown as 0 or
100; not_checked items leave the denominator and are listed in ``score_detail``; not_applicable items are
excluded; an accessibility area scored without a browser lists the rules it could not check.
"""

from __future__ import annotations

import functools
import statistics
from importlib import resources
from typing import Any

import yaml

from portal_audit.a11y.rules import load_rules, rule_info
from portal_audit.a11y.static import STATIC_RULES

ITEM_AREAS = ("content", "services", "technical")
AREAS = ("content", "services", "accessibility", "technical")
IMPACT_ORDER = ("critical", "serious", "moderate", "minor")
_DEFAULT_IMPACT = "moderate"  # what rules.py assumes for a rule it does not know


class ScoringConfigError(ValueError):
    """``scoring.yaml`` is malformed: scoring would silently mean something else, so refuse to score."""


def _check_config(config: dict[str, Any]) -> dict[str, Any]:
    """Fail loudly on a config a typo has made meaningless (e.g. unsorted grade bands, weights that sum to 0)."""
    problems = []
    for key in ("version", "items", "accessibility", "area_weights", "grades"):
        if key not in config:
            problems.append(f"missing key {key!r}")
    if problems:
        raise ScoringConfigError("; ".join(problems))
    if set(config["area_weights"]) != set(AREAS) or sum(config["area_weights"].values()) <= 0:
        problems.append(f"area_weights must name exactly {AREAS} with a positive total")
    a11y = config["accessibility"]
    if set(a11y["impact_weights"]) != set(IMPACT_ORDER):
        problems.append(f"accessibility.impact_weights must name exactly {IMPACT_ORDER}")
    spread = a11y["spread"]
    if not 0 <= spread["floor"] <= 1 or abs(spread["template_weight"] + spread["page_weight"] - 1) > 1e-9:
        problems.append("accessibility.spread: floor in [0, 1] and template_weight + page_weight = 1")
    mins = [band["min"] for band in config["grades"]]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        problems.append("grades must be listed highest band first, each with a distinct min")
    for band in config["grades"]:
        if not {"grade", "min", "vi", "en"} <= set(band):
            problems.append(f"grade band {band!r} needs grade, min, vi and en")
    if problems:
        raise ScoringConfigError("; ".join(problems))
    return config


@functools.cache
def load_scoring() -> dict[str, Any]:
    """``portal_audit/data/scoring.yaml``, checked, read once per process (callers must not mutate it)."""
    text = resources.files("portal_audit").joinpath("data/scoring.yaml").read_text("utf-8")
    return _check_config(yaml.safe_load(text))


def _config(config: dict[str, Any] | None) -> dict[str, Any]:
    return load_scoring() if config is None else _check_config(config)


def grade_for(score: float | None, config: dict[str, Any] | None = None) -> str | None:
    """The grade band a score falls in (``None`` for an unscored site: no grade is better than a made-up one)."""
    if score is None:
        return None
    bands = _config(config)["grades"]
    for band in bands:
        if score >= band["min"]:
            return str(band["grade"])
    return str(bands[-1]["grade"])


def grade_label(grade: str | None, lang: str = "vi", config: dict[str, Any] | None = None) -> str | None:
    """The grade's label in Vietnamese (default) or English, e.g. ``"B"`` → ``"Khá"``."""
    for band in _config(config)["grades"]:
        if band["grade"] == grade:
            return str(band[lang])
    return None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _empty_detail(not_applicable: int = 0, not_checked: list[str] | None = None) -> dict[str, Any]:
    return {"score": None, "earned": 0.0, "possible": 0.0, "counted": 0, "passed": 0, "partial": 0, "failed": 0,
            "not_applicable": not_applicable, "not_checked": not_checked or [], "deductions": []}


# --- checklist areas ----------------------------------------------------------------------------------------------

def _scored_check(check: dict[str, Any], config: dict[str, Any]) -> bool:
    """In force on the crawl date, or from a checklist scored always (technical): the baseline is shown only."""
    return bool(check.get("in_force")) or check.get("checklist") in config["items"]["always_scored_checklists"]


def _items_detail(checks: list[dict[str, Any]], area: str, config: dict[str, Any], judged: bool) -> dict[str, Any]:
    """Weighted share of credit over the area's counted checks (passed 1, partial 0.5, failed 0 by default).

    ``judged`` is False for a site the crawl could not read: then nothing counts and every applicable item is
    listed as not checked, whatever its stored outcome.
    """
    items = config["items"]
    credit: dict[str, float] = items["credit"]
    detail = _empty_detail()
    earned = possible = 0.0
    for check in checks:
        if check.get("area") != area or not _scored_check(check, config):
            continue
        outcome = check.get("outcome")
        if outcome == "not_applicable":
            detail["not_applicable"] += 1
            continue
        if not judged or outcome not in credit:  # not_checked (or an outcome this version does not know)
            detail["not_checked"].append(check["id"])
            continue
        weight = check.get("weight")
        weight = float(items["default_weight"] if weight is None else weight)
        possible += weight
        earned += weight * float(credit[outcome])
        detail["counted"] += 1
        detail[outcome] += 1
    detail["earned"] = round(earned, 3)
    detail["possible"] = round(possible, 3)
    detail["score"] = _round(100.0 * earned / possible) if possible > 0 else None
    return detail


# --- accessibility ------------------------------------------------------------------------------------------------

def _group_level(group: dict[str, Any]) -> str:
    return str(group.get("level") or rule_info(group["rule"]).level)


def _group_pages(group: dict[str, Any]) -> float:
    """Pages of the group's template where the rule fails, extrapolated from the axe sample when only axe saw it.

    Static rules run on every stored page, so their count is exact. axe renders a few pages per template; a rule
    it found on 2 of 2 rendered pages of a 500-page template is, as far as we can tell, on all 500 (the reason
    the render samples per template). The estimate never exceeds the template's page count.
    """
    pages = float(group.get("pages") or 0)
    template_pages = float(group.get("template_pages") or 0)
    rendered = float(group.get("template_pages_rendered") or 0)
    if group.get("source") == "axe" and rendered > 0 and template_pages > 0:
        return max(pages, min(template_pages, template_pages * min(1.0, pages / rendered)))
    return pages


def _impact(groups: list[dict[str, Any]]) -> str:
    """The worst impact seen for the rule on this site (axe's node impact can vary by element); the rule's
    table impact only when no group carries one."""
    seen = {g.get("impact") for g in groups} & set(IMPACT_ORDER) or {rule_info(groups[0]["rule"]).impact}
    for impact in IMPACT_ORDER:
        if impact in seen:
            return impact
    return _DEFAULT_IMPACT


def _scored_rules(levels: list[str]) -> tuple[set[str], set[str]]:
    """(every known rule at a scored level, those of them the static checker covers without a browser)."""
    scored = {rule_id for rule_id, info in load_rules().items() if info.level in levels}
    return scored, {rule_id for rule_id in STATIC_RULES if rule_id in scored}


def _a11y_detail(site: dict[str, Any], config: dict[str, Any], judged: bool) -> dict[str, Any]:
    """Start at 100, deduct cap × spread per violated WCAG A/AA rule (rule × template groups merged per rule)."""
    cfg = config["accessibility"]
    levels = list(cfg["scored_levels"])
    scored_rules, static_rules = _scored_rules(levels)
    status = site.get("accessibility_status") or {}
    static_ok = status.get("static") == "checked"
    rendered_ok = status.get("rendered") in ("checked", "partial")
    if not judged or not (static_ok or rendered_ok):
        return _empty_detail(not_checked=sorted(scored_rules))
    checked = scored_rules if rendered_ok else static_rules
    not_checked = sorted(scored_rules - checked)

    groups = site.get("accessibility") or []
    all_templates = {g.get("template") for g in groups}
    site_templates = max(int(status.get("templates") or 0), len(all_templates), 1)
    site_pages = float(max(int(status.get("pages") or 0), int((site.get("crawl") or {}).get("pages") or 0), 1))
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        if _group_level(group) in levels:
            by_rule.setdefault(group["rule"], []).append(group)

    spread_cfg, caps = cfg["spread"], cfg["caps"]
    deductions = []
    for rule, rule_groups in by_rule.items():
        impact = _impact(rule_groups)
        templates = {g.get("template") for g in rule_groups}
        pages = sum(_group_pages(g) for g in rule_groups)
        template_share = min(1.0, len(templates) / site_templates)
        page_share = min(1.0, pages / site_pages)
        spread = spread_cfg["floor"] + (1 - spread_cfg["floor"]) * (
            spread_cfg["template_weight"] * template_share + spread_cfg["page_weight"] * page_share)
        cap = float(caps["rules"].get(rule, cfg["impact_weights"][impact] * caps["points_per_weight"]))
        deductions.append({"rule": rule, "impact": impact, "level": _group_level(rule_groups[0]),
                           "templates": len(templates), "pages": round(pages, 1),
                           "template_share": round(template_share, 4), "page_share": round(page_share, 4),
                           "spread": round(spread, 4), "cap": round(cap, 2), "points": round(cap * spread, 2)})
    deductions.sort(key=lambda d: (-d["points"], d["rule"]))
    start = float(cfg["start"])
    score = max(float(caps["floor"]), start - sum(d["points"] for d in deductions))
    counted = len(checked | set(by_rule))
    return {"score": _round(score), "earned": round(score, 3), "possible": start, "counted": counted,
            "passed": counted - len(by_rule), "partial": 0, "failed": len(by_rule), "not_applicable": 0,
            "not_checked": not_checked, "deductions": deductions}


# --- site and province --------------------------------------------------------------------------------------------

def _weighted_mean(area_scores: dict[str, float | None], weights: dict[str, float]) -> float | None:
    pairs = [(score, float(weights[area])) for area, score in area_scores.items()
             if score is not None and weights.get(area, 0) > 0]
    total = sum(w for _, w in pairs)
    return sum(s * w for s, w in pairs) / total if total > 0 else None


def score_site(site: dict[str, Any], config: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"score", "grade", "area_scores", "score_detail"}`` for one site of the export (see docs/scoring.md).

    The site score is the weighted mean of the *rounded* area scores that exist, so a reader of the export can
    recompute it from ``area_scores`` and ``area_weights`` alone.
    """
    config = _config(config)
    judged = (site.get("crawl") or {}).get("status") not in config["unscored_crawl_statuses"]
    checks = site.get("checks") or []
    detail = {area: _items_detail(checks, area, config, judged) for area in ITEM_AREAS}
    detail["accessibility"] = _a11y_detail(site, config, judged)
    detail = {area: detail[area] for area in AREAS}
    area_scores = {area: detail[area]["score"] for area in AREAS}
    score = _round(_weighted_mean(area_scores, config["area_weights"]))
    return {"score": score, "grade": grade_for(score, config), "area_scores": area_scores, "score_detail": detail}


def score_province(sites: list[dict[str, Any]], config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Province aggregate: mean and median of the scored sites; unscored sites are named, never counted as 0.

    Each site is re-scored from its facts (not read from a possibly stale ``score`` field), so the aggregate
    always agrees with ``score_site``.
    """
    config = _config(config)
    results = [(site["id"], score_site(site, config)) for site in sites]
    scores = [r["score"] for _, r in results if r["score"] is not None]
    grades = {str(band["grade"]): 0 for band in config["grades"]}
    for _, result in results:
        if result["grade"] is not None:
            grades[result["grade"]] += 1
    area_scores: dict[str, float | None] = {}
    for area in AREAS:
        values = [r["area_scores"][area] for _, r in results if r["area_scores"][area] is not None]
        area_scores[area] = _round(statistics.fmean(values)) if values else None
    mean = _round(statistics.fmean(scores)) if scores else None
    return {"score": mean, "grade": grade_for(mean, config),
            "median": _round(statistics.median(scores)) if scores else None,
            "sites_scored": len(scores),
            "sites_not_scored": [site_id for site_id, r in results if r["score"] is None],
            "grades": grades, "area_scores": area_scores, "scoring_version": config["version"]}
