"""Accessibility results per site, grouped by rule and template, static and axe merged once.

A webmaster fixes a template once, so one finding is "this template, 2,340 pages: image without alt in
`.news-item img`", not 2,340 lines. Static rules carry the id of the axe rule they mirror; when both saw
the same rule on the same page the page counts once, with the larger of the two node counts, and the
group says ``source: axe`` (the browser saw it as a visitor would).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from portal_audit.a11y.rules import rule_info
from portal_audit.store import Store

MAX_EXAMPLES = 5
IMPACT_RANK = {"critical": 4, "serious": 3, "moderate": 2, "minor": 1, None: 0}


@dataclass
class _Group:
    rule: str
    template: str | None
    sources: set[str] = field(default_factory=set)
    impact: str | None = None
    nodes_per_page: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: dict[str, Any]) -> None:
        self.sources.add(row["source"])
        if IMPACT_RANK.get(row["impact"], 0) > IMPACT_RANK.get(self.impact, 0):
            self.impact = row["impact"]
        url = row["url"]
        self.nodes_per_page[url] = max(self.nodes_per_page.get(url, 0), row["node_count"] or 0)
        nodes = json.loads(row["nodes"] or "[]")
        if len(self.examples) < MAX_EXAMPLES and all(e["url"] != url for e in self.examples):
            first = nodes[0] if nodes else {}
            self.examples.append({"url": url, "selector": first.get("selector"), "snippet": first.get("html"),
                                  "source": row["source"]})


def legal_citation(point: str | None) -> str | None:
    """"1(c)" → "Điều 18 khoản 1 điểm c Thông tư 32/2017/TT-BTTTT", as Vietnamese legal texts cite."""
    if not point:
        return None
    clause, _, letter = point.partition("(")
    letter = letter.rstrip(")")
    return f"Điều 18 khoản {clause}" + (f" điểm {letter}" if letter else "") + " Thông tư 32/2017/TT-BTTTT"


def _template_counts(store: Store, run_id: str, site_id: str) -> tuple[dict[str | None, int], dict[str | None, int]]:
    pages: dict[str | None, int] = {}
    for row in store.query("SELECT template_fp, count(DISTINCT final_url) AS n FROM pages WHERE run_id = ? AND "
                           "site_id = ? AND status = 200 AND (html_zlib IS NOT NULL OR template_fp IS NOT NULL) "
                           "GROUP BY template_fp",
                           [run_id, site_id]):
        pages[row["template_fp"]] = row["n"]
    rendered: dict[str | None, int] = {}
    for row in store.query("SELECT template_fp, count(*) AS n FROM renders WHERE run_id = ? AND site_id = ? "
                           "AND status = 'ok' GROUP BY template_fp", [run_id, site_id]):
        rendered[row["template_fp"]] = row["n"]
    return pages, rendered


def _entries(groups: dict[tuple[str, str | None], _Group], template_pages: dict[str | None, int],
             rendered: dict[str | None, int]) -> list[dict[str, Any]]:
    entries = []
    for group in groups.values():
        info = rule_info(group.rule)
        entries.append({
            "rule": group.rule, "wcag": list(info.wcag),
            "impact": group.impact or info.impact,
            "source": "axe" if "axe" in group.sources else "static",
            "pages": len(group.nodes_per_page), "occurrences": sum(group.nodes_per_page.values()),
            "template": group.template,
            "examples": [{"url": e["url"], "selector": e["selector"]} for e in group.examples],
            "template_pages": template_pages.get(group.template, 0),
            "template_pages_rendered": rendered.get(group.template, 0),
            "level": info.level, "legal_vn": legal_citation(info.tt32_art18),
            "snippet": group.examples[0]["snippet"] if group.examples else None,
        })
    entries.sort(key=lambda e: (-IMPACT_RANK.get(e["impact"], 0), -e["pages"], e["rule"], e["template"] or ""))
    return entries


def site_accessibility(store: Store, run_id: str, site_id: str) -> dict[str, Any]:
    """``{"status": ..., "violations": [...], "needs_review": [...]}`` for one site of a run."""
    status_row = next(iter(store.query("SELECT * FROM a11y_sites WHERE run_id = ? AND site_id = ?",
                                       [run_id, site_id])), None)
    if status_row is None:
        status = {"static": "not_checked", "rendered": "not_checked",
                  "reason": "accessibility stage not run (portal-audit render)"}
    else:
        status = {"static": status_row["static_status"], "rendered": status_row["rendered_status"],
                  "reason": status_row["reason"], "pages": status_row["pages"],
                  "templates": status_row["templates"], "pages_rendered": status_row["pages_rendered"],
                  "templates_rendered": status_row["templates_rendered"]}
    groups: dict[str, dict[tuple[str, str | None], _Group]] = {"violation": {}, "incomplete": {}}
    for row in store.query("SELECT * FROM a11y_results WHERE run_id = ? AND site_id = ? ORDER BY rowid",
                           [run_id, site_id]):
        key = (row["rule"], row["template_fp"])
        bucket = groups[row["outcome"]]
        if key not in bucket:
            bucket[key] = _Group(row["rule"], row["template_fp"])
        bucket[key].add(row)
    template_pages, rendered = _template_counts(store, run_id, site_id)
    return {"status": status, "violations": _entries(groups["violation"], template_pages, rendered),
            "needs_review": _entries(groups["incomplete"], template_pages, rendered)}


def page_rows(store: Store, run_id: str, site_id: str) -> list[dict[str, Any]]:
    """One row per rule × page (static and axe merged), for the flat CSV export."""
    merged: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for row in store.query("SELECT rule, url, source, nodes, node_count FROM a11y_results WHERE run_id = ? AND "
                           "site_id = ? AND outcome = 'violation' ORDER BY rowid", [run_id, site_id]):
        current = merged[(row["rule"], row["url"])]
        if not current or (row["source"] == "axe" and current["source"] != "axe"):
            nodes = json.loads(row["nodes"] or "[]")
            first = nodes[0] if nodes else {}
            current.update({"rule": row["rule"], "url": row["url"], "source": row["source"],
                            "selector": first.get("selector"), "snippet": first.get("html")})
    return sorted(merged.values(), key=lambda r: (r["rule"], r["url"]))
