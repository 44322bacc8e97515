"""The page speed step of acquire: live loads of each crawled site (technical/speed.py), into ``page_speed``.

A gather step of its own, after the axe renders and sharing their browser, so that either can be re-run
without the other and the audit judges both from the store. Which pages: the home page and the slowest
pages by the crawl's server time at desktop size, and the home page again at a phone's width.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from portal_audit.render.browser import SharedBrowser
from portal_audit.render.settings import SiteSettings
from portal_audit.store import CRAWLED_STATUSES, Store
from portal_audit.technical.speed import Measurement, measure

SPEED_PAGES = 3  # desktop loads per site: the home page and the slowest pages


def speed_jobs(store: Store, run_id: str, site_id: str) -> list[tuple[str, str]]:
    """(url, viewport) loads for one site, from its stored pages; none when it stored no page."""
    rows = list(store.query(
        "SELECT final_url, depth, elapsed_ms FROM pages WHERE run_id = ? AND site_id = ? AND status = 200 "
        "AND html_zlib IS NOT NULL ORDER BY depth, id", [run_id, site_id]))
    if not rows:
        return []
    home = rows[0]["final_url"]
    slowest = [r["final_url"] for r in sorted(rows[1:], key=lambda r: -(r["elapsed_ms"] or 0))
               if r["final_url"] != home][:SPEED_PAGES - 1]
    return [(url, "desktop") for url in [home, *dict.fromkeys(slowest)]] + [(home, "phone")]


def sites_to_measure(store: Store, run_id: str) -> list[str]:
    """Crawled sites with nothing in ``page_speed`` yet: what a resumed run still has to load."""
    measured = store.sites_with_rows("page_speed", run_id)
    return [s["id"] for s in store.sites(run_id) if s["status"] in CRAWLED_STATUSES and s["id"] not in measured
            and SiteSettings.from_row(s).render != "none"]


async def measure_sites(store: Store, run_id: str, browser: SharedBrowser, user_agent: str,
                        site_ids: list[str] | None = None) -> dict[str, int]:
    """Load and save each site's pages (each site in its own transaction); returns loads per site.

    A site whose registry says ``render: none`` gets no browser here either; a site without stored pages, or
    with no browser, is left without rows, which the technical checklist reports as not checked.
    """
    loads: dict[str, int] = {}
    for site in store.sites(run_id):
        if site_ids is not None and site["id"] not in site_ids:
            continue
        settings = SiteSettings.from_row(site)
        jobs = speed_jobs(store, run_id, site["id"]) if site["status"] in CRAWLED_STATUSES else []
        measured: list[Measurement] = []
        if jobs and settings.render != "none" and (started := await browser.get()) is not None:
            measured = [await measure(started, url, viewport, allowance=settings.allowance, user_agent=user_agent,
                                      timeout=settings.timeout) for url, viewport in jobs]
        save_speed(store, run_id, site["id"], measured)
        loads[site["id"]] = len(measured)
    return loads


def save_speed(store: Store, run_id: str, site_id: str, measured: list[Measurement]) -> None:
    rows: list[dict[str, Any]] = [{"run_id": run_id, "site_id": site_id, **asdict(m)} for m in measured]
    with store.db.atomic():
        store.db.execute("DELETE FROM page_speed WHERE run_id = ? AND site_id = ?", [run_id, site_id])
        store.db["page_speed"].insert_all(rows, pk=("run_id", "site_id", "url", "viewport"), replace=True)
