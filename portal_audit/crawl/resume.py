"""Resume an interrupted crawl in the same run: what a site's spider already did, read back from the store.

The store is the source of truth: a batch the writer had not flushed when the process died is simply fetched
again. For a site that was in progress, the spider seeds its own seen-set (it dedupes canonical URLs itself)
with the stored pages, redirect hops, fetch errors and documents, and rebuilds its frontier from the stored
internal links whose targets are not stored yet (depth = the referring page's depth + 1, so the page budget
and the depth limit count what was stored). robots.txt and sitemaps already stored are replayed from their
stored bodies instead of being fetched again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from portal_audit.store import Store, decompress_html


@dataclass
class StoredPage:
    url: str
    final_url: str
    depth: int
    status: int | None
    hops: list[str]
    referrer: str | None = None


@dataclass
class ResumeState:
    """One site's stored crawl state in the run being resumed."""

    pages: list[StoredPage] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)       # (url, kind), in id order
    documents: list[str] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)   # (from_url, to_url, kind), in rowid order
    site_files: dict[str, tuple[str, int | None, bytes]] = field(default_factory=dict)  # url -> kind, status, body

    @property
    def depth_of(self) -> dict[str, int]:
        return {p.final_url: p.depth for p in self.pages}


def load_resume_state(store: Store, run_id: str, site_id: str) -> ResumeState:
    q = store.db.execute
    state = ResumeState()
    for url, final_url, depth, status, redirects, referrer in q(
            "SELECT url, final_url, depth, status, redirects, referrer FROM pages WHERE run_id=? AND site_id=? "
            "AND via='crawl' ORDER BY id", (run_id, site_id)):
        hops = [h["url"] for h in json.loads(redirects)] if redirects else []
        state.pages.append(StoredPage(url, final_url, depth or 0, status, hops, referrer))
    state.errors = [(u, k) for u, k in q("SELECT url, kind FROM fetch_errors WHERE run_id=? AND site_id=? ORDER BY id",
                                         (run_id, site_id))]
    state.documents = [r[0] for r in q("SELECT url FROM documents WHERE run_id=? AND site_id=? ORDER BY rowid",
                                       (run_id, site_id))]
    state.links = [(f, t, k) for f, t, k in q(
        "SELECT from_url, to_url, kind FROM links WHERE run_id=? AND site_id=? ORDER BY rowid", (run_id, site_id))]
    for url, kind, status, body in q("SELECT url, kind, status, body_zlib FROM site_files WHERE run_id=? AND site_id=?",
                                     (run_id, site_id)):
        state.site_files[url] = (kind, status, decompress_html(body))
    return state


def run_link_checks(store: Store, run_id: str) -> set[str]:
    """External and out-of-scope URLs already checked in the run (checked once per run, across sites)."""
    return {r[0] for r in store.db.execute("SELECT url FROM link_checks WHERE run_id=?", (run_id,))}


def site_complete(row: dict[str, Any]) -> bool:
    """A site whose crawler ended normally in an earlier attempt: not crawled again on resume."""
    return (row["status"] in ("ok", "partial", "unreachable") and bool(row["finished_at"])
            and not (row["status_reason"] or "").startswith("crawl stopped early"))
