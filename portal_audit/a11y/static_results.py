"""Static accessibility results: the static rules judged on every stored page of a site, as ``a11y_results`` rows.

A judgement from stored facts alone, so it runs in ``portal-audit audit`` (no browser, no network) and is
re-run with every audit; the render stage only gathers (renders, axe-core results, page speed). The rows
replace the site's previous ``source = 'static'`` rows, inside the audit's one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from portal_audit.a11y.static import MAX_EVIDENCE, check_tree
from portal_audit.crawl.encoding import decode_html
from portal_audit.html import parse_html
from portal_audit.store import CRAWLED_STATUSES, Store, decompress_html, dumps

SNIPPET = 250


def static_status(store: Store, run_id: str, site: dict[str, Any]) -> str:
    """``checked`` when the audit has judged this run and the site has stored pages, else ``not_checked``.

    The one home of this status: the static rules are the audit's judgement, so whether they were checked is
    known from the audit, whether or not the browser steps ever ran.
    """
    return "checked" if store.is_audited(run_id) and site.get("status") in CRAWLED_STATUSES else "not_checked"


def _stored_trees(store: Store, run_id: str, site_id: str) -> Iterator[tuple[dict[str, Any], Any]]:
    """(page row, parsed tree) once per final URL, in crawl order; aliases and unparsable bodies are skipped, the
    same pages the render stage samples from (a11y/stage.py)."""
    seen: set[str] = set()
    for page in store.query(
            "SELECT final_url, template_fp, content_type, html_zlib FROM pages "
            "WHERE run_id = ? AND site_id = ? AND status = 200 AND html_zlib IS NOT NULL ORDER BY id",
            [run_id, site_id]):
        if page["final_url"] in seen:
            continue
        seen.add(page["final_url"])
        root = parse_html(decode_html(decompress_html(page["html_zlib"]), page["content_type"]).text)
        if root is not None:
            yield page, root


def _rows(run_id: str, site_id: str, page: dict[str, Any], root: Any) -> list[dict[str, Any]]:
    by_rule: dict[str, list[dict[str, str]]] = {}
    for hit in check_tree(root, page["final_url"]):
        by_rule.setdefault(hit.rule, []).append({"selector": hit.selector, "html": hit.snippet[:SNIPPET]})
    return [{"run_id": run_id, "site_id": site_id, "url": page["final_url"], "template_fp": page["template_fp"],
             "source": "static", "rule": rule, "outcome": "violation", "impact": None,
             "node_count": len(nodes), "nodes": dumps(nodes[:MAX_EVIDENCE])} for rule, nodes in by_rule.items()]


def static_results(store: Store, run_id: str, site: dict[str, Any]) -> list[dict[str, Any]]:
    """The site's static rule × page violations; none for a site that was not crawled."""
    if site["status"] not in CRAWLED_STATUSES:
        return []
    rows: list[dict[str, Any]] = []
    for page, root in _stored_trees(store, run_id, site["id"]):
        rows.extend(_rows(run_id, site["id"], page, root))
    return rows


def replace_static_results(store: Store, run_id: str, site_id: str, rows: list[dict[str, Any]]) -> None:
    """Inside the caller's transaction: the site's static rows become ``rows``; axe-core's rows are left alone."""
    store.db.execute("DELETE FROM a11y_results WHERE run_id = ? AND site_id = ? AND source = 'static'",
                     [run_id, site_id])
    if rows:
        store.db["a11y_results"].insert_all(rows, batch_size=1000)
