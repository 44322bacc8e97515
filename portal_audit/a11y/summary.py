"""Accessibility results per site, grouped by rule and template, static and axe merged once.

A webmaster fixes a template once, so one finding is "this template, 2,340 pages: image without alt in
`.news-item img`", not 2,340 lines. Static rules carry the id of the axe rule they mirror; when both saw
the same rule on the same page the page counts once, with the larger of the two node counts, and the
group says ``source: axe`` (the browser saw it as a visitor would).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from portal_audit.a11y.rules import rule_info
from portal_audit.a11y.static_results import static_status
from portal_audit.store import Store

MAX_EXAMPLES = 5
MAX_SHARED_EXAMPLES = 3
MAX_LABEL = 120
# Static rows first, each source in the order it was written: the audit writes the static rows and the render
# stage axe-core's, in either order, and a group's examples must not depend on which ran last.
STATIC_FIRST = "ORDER BY source = 'axe', rowid"
_TITLE_SEPARATORS = re.compile(r"\s+[-–—|:»]\s+")
IMPACT_RANK = {"critical": 4, "serious": 3, "moderate": 2, "minor": 1, None: 0}


@dataclass
class _Group:
    rule: str
    template: str | None
    sources: set[str] = field(default_factory=set)
    impact: str | None = None
    nodes_per_page: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)
    # element signature -> page -> how many such elements the page has (the larger of the two sources)
    signatures: dict[str, dict[str, int]] = field(default_factory=dict)
    first_node: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, row: dict[str, Any]) -> None:
        self.sources.add(row["source"])
        if IMPACT_RANK.get(row["impact"], 0) > IMPACT_RANK.get(self.impact, 0):
            self.impact = row["impact"]
        url = row["url"]
        self.nodes_per_page[url] = max(self.nodes_per_page.get(url, 0), row["node_count"] or 0)
        nodes = json.loads(row["nodes"] or "[]")
        counts: dict[str, int] = defaultdict(int)
        for node in nodes:
            signature = element_signature(node)
            if signature:
                counts[signature] += 1
                self.first_node.setdefault(signature, {"url": url, "selector": node.get("selector"),
                                                       "snippet": node.get("html")})
        for signature, count in counts.items():
            pages = self.signatures.setdefault(signature, {})
            pages[url] = max(pages.get(url, 0), count)
        if len(self.examples) < MAX_EXAMPLES and all(e["url"] != url for e in self.examples):
            first = nodes[0] if nodes else {}
            self.examples.append({"url": url, "selector": first.get("selector"), "snippet": first.get("html"),
                                  "source": row["source"]})


def element_signature(node: dict[str, Any]) -> str:
    """The same element wherever it is: its markup with whitespace collapsed (a logo in the shared header has the
    same markup on every template), else its selector."""
    html = " ".join(str(node.get("html") or "").split())[:300]
    return html or str(node.get("selector") or "")


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
             rendered: dict[str | None, int], labels: dict[str | None, dict[str, str | None]] | None = None,
             shared: set[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    entries = []
    shared = shared or set()
    for group in groups.values():
        info = rule_info(group.rule)
        common = {sig for sig in group.signatures if (group.rule, sig) in shared}
        shared_occurrences = sum(sum(group.signatures[sig].values()) for sig in common)
        local = next((group.first_node[sig] for sig in group.first_node if sig not in common), None)
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
            "template_label": (labels or {}).get(group.template),
            "shared_occurrences": min(shared_occurrences, sum(group.nodes_per_page.values())),
            "local_example": local,
        })
    entries.sort(key=lambda e: (-IMPACT_RANK.get(e["impact"], 0), -e["pages"], e["rule"], e["template"] or ""))
    return entries


def site_accessibility(store: Store, run_id: str, site_id: str) -> dict[str, Any]:
    """``{"status": ..., "violations": [...], "needs_review": [...]}`` for one site of a run."""
    status_row = next(iter(store.query("SELECT * FROM a11y_sites WHERE run_id = ? AND site_id = ?",
                                       [run_id, site_id])), None)
    site = next(iter(store.query("SELECT status FROM sites WHERE run_id = ? AND id = ?", [run_id, site_id])), {})
    static = static_status(store, run_id, site)
    if status_row is None:
        status = {"static": static, "rendered": "not_checked",
                  "reason": "browser steps not run (portal-audit render)"}
    else:
        status = {"static": static, "rendered": status_row["rendered_status"],
                  "reason": status_row["reason"], "pages": status_row["pages"],
                  "templates": status_row["templates"], "pages_rendered": status_row["pages_rendered"],
                  "templates_rendered": status_row["templates_rendered"]}
    groups: dict[str, dict[tuple[str, str | None], _Group]] = {"violation": {}, "incomplete": {}}
    for row in store.query("SELECT * FROM a11y_results WHERE run_id = ? AND site_id = ? " + STATIC_FIRST,
                           [run_id, site_id]):
        key = (row["rule"], row["template_fp"])
        bucket = groups[row["outcome"]]
        if key not in bucket:
            bucket[key] = _Group(row["rule"], row["template_fp"])
        bucket[key].add(row)
    template_pages, rendered = _template_counts(store, run_id, site_id)
    labels = template_labels(store, run_id, site_id)
    shared = shared_elements(groups["violation"], template_pages, rendered)
    shared_keys = {(e["rule"], e["signature"]) for e in shared}
    for entry in shared:
        del entry["signature"]
    return {"status": status,
            "violations": _entries(groups["violation"], template_pages, rendered, labels, shared_keys),
            "needs_review": _entries(groups["incomplete"], template_pages, rendered, labels),
            "shared": shared}


def shared_elements(groups: dict[tuple[str, str | None], _Group], template_pages: dict[str | None, int],
                    rendered: dict[str | None, int]) -> list[dict[str, Any]]:
    """Elements (same markup) a rule fails on in two or more templates: a logo in the shared header, a menu link.

    The webmaster fixes such an element once, in the part every template includes, so the report says it once
    ("on 9 of 10 templates, 24 pages") instead of once per template. ``templates_checked`` is the number of
    templates the rule could have been seen on: every template with pages for a rule the static checker saw,
    the rendered templates for a rule only the browser saw.
    """
    by_signature: dict[tuple[str, str], dict[str, Any]] = {}
    for group in groups.values():
        for signature, pages in group.signatures.items():
            entry = by_signature.setdefault((group.rule, signature), {
                "rule": group.rule, "signature": signature, "templates": set(), "pages": {}, "sources": set(),
                "example": group.first_node[signature], "examples": []})
            entry["templates"].add(group.template)
            entry["sources"] |= group.sources
            for url, count in pages.items():
                entry["pages"][url] = max(entry["pages"].get(url, 0), count)
                if len(entry["examples"]) < MAX_SHARED_EXAMPLES and url not in entry["examples"]:
                    entry["examples"].append(url)
    out = []
    for entry in by_signature.values():
        if len(entry["templates"]) < 2:
            continue
        checked = template_pages if "static" in entry["sources"] else rendered
        out.append({
            "rule": entry["rule"], "signature": entry["signature"], "snippet": entry["example"]["snippet"],
            "selector": entry["example"]["selector"], "templates": len(entry["templates"]),
            "templates_checked": max(len(checked), len(entry["templates"])),
            "pages": len(entry["pages"]), "occurrences": sum(entry["pages"].values()),
            "template_ids": sorted(t or "" for t in entry["templates"]),
            "examples": [{"url": url} for url in entry["examples"]],
        })
    out.sort(key=lambda e: (e["rule"], -e["templates"], -e["pages"], e["snippet"] or ""))
    return out


def template_labels(store: Store, run_id: str, site_id: str) -> dict[str | None, dict[str, str | None]]:
    """A name a webmaster recognises for each template: the title and address of its shortest-addressed page
    (a section's front page before its articles), without the site name every title repeats."""
    first: dict[str | None, dict[str, Any]] = {}
    titles: list[str] = []
    for row in store.query("SELECT template_fp, final_url, title FROM pages WHERE run_id = ? AND site_id = ? AND "
                           "status = 200 ORDER BY length(final_url), final_url", [run_id, site_id]):
        title = " ".join(str(row["title"] or "").split())
        if title:
            titles.append(title)
        if row["template_fp"] not in first or (title and not first[row["template_fp"]]["title"]):
            first[row["template_fp"]] = {"title": title, "url": row["final_url"]}
    suffix = common_title_suffix(titles)
    labels: dict[str | None, dict[str, str | None]] = {}
    for template, page in first.items():
        title = page["title"]
        if suffix and title.endswith(suffix) and len(title) > len(suffix):
            title = title[: -len(suffix)]
        labels[template] = {"title": title[:MAX_LABEL] or None, "url": page["url"]}
    return labels


def common_title_suffix(titles: list[str]) -> str:
    """The part after the last separator (" - ", " | ", " – "…) that most of a site's titles end with, with
    its separator: " - Sở Y tế tỉnh Trường Giang". Empty when no such part is on at least half the titles."""
    counts: dict[str, int] = defaultdict(int)
    for title in titles:
        matches = list(_TITLE_SEPARATORS.finditer(title))
        if matches:
            counts[title[matches[-1].start():]] += 1
    if not counts:
        return ""
    suffix, count = max(counts.items(), key=lambda kv: (kv[1], len(kv[0])))
    return suffix if count >= max(2, len(titles) / 2) else ""


def page_rows(store: Store, run_id: str, site_id: str) -> list[dict[str, Any]]:
    """One row per rule × page (static and axe merged), for the flat CSV export."""
    merged: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for row in store.query("SELECT rule, url, source, nodes, node_count FROM a11y_results WHERE run_id = ? AND "
                           "site_id = ? AND outcome = 'violation' " + STATIC_FIRST, [run_id, site_id]):
        current = merged[(row["rule"], row["url"])]
        if not current or (row["source"] == "axe" and current["source"] != "axe"):
            nodes = json.loads(row["nodes"] or "[]")
            first = nodes[0] if nodes else {}
            current.update({"rule": row["rule"], "url": row["url"], "source": row["source"],
                            "selector": first.get("selector"), "snippet": first.get("html")})
    return sorted(merged.values(), key=lambda r: (r["rule"], r["url"]))
