"""Acquire: the gather steps of a run, in order. Everything a run learns from the network is fetched here.

    crawl        crawl/runner.py        Scrapy: pages, links, documents, fetch errors
    discovery    render/discover.py     a browser on sites whose menus are built by JavaScript
    host facts   technical/gather.py    TLS certificate, http → https, DNS
    (freeze)                            the run is finished: what was crawled no longer changes
    axe renders  a11y/stage.py          axe-core in Chromium on a sample of each site's templates
    page speed   technical/speed_step   live loads of the home page and the slowest pages

Each step writes only its own tables and never judges; `portal-audit audit` judges every stored fact later,
without network or browser, as often as wanted. The crawl steps run before the freeze; the browser steps run
on a frozen run (`portal-audit render` re-runs them) and share one browser, started only if a step needs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from portal_audit.a11y.stage import A11yStage, SiteSummary
from portal_audit.prune import refuse_pruned
from portal_audit.registry import Registry
from portal_audit.render.browser import SharedBrowser
from portal_audit.store import CRAWLED_STATUSES, Store
from portal_audit.technical.speed_step import measure_sites, sites_to_measure

if TYPE_CHECKING:  # the crawl step imports Scrapy and Twisted: only the commands that crawl pay for them
    from portal_audit.crawl.runner import CrawlOutcome


def crawl_and_freeze(registry: Registry, store: Store, *, discovery: bool = True, **crawl_options: Any) -> CrawlOutcome:
    """Crawl (crawl_registry's options), then discovery and host facts for the sites that have not had them,
    then freeze the run. An interrupted crawl is marked so and left open for ``--resume``."""
    from portal_audit.crawl.runner import crawl_registry

    outcome = crawl_registry(registry, store, **crawl_options)
    run_id = outcome.run_id
    if outcome.status == "finished":
        if discovery:
            discover_menus(store, run_id, registry)
        gather_host_facts(store, run_id, registry)
    interrupted = outcome.status == "interrupted"
    store.finish_run(run_id, outcome.status, note="interrupted by a signal" if interrupted else None)
    outcome.sites = store.sites(run_id)
    return outcome


def discover_menus(store: Store, run_id: str, registry: Registry) -> None:
    """Render the sites whose navigation needs JavaScript, then recount what their rows hold."""
    from portal_audit.crawl.runner import site_status
    from portal_audit.render.discover import discover

    # On resume, sites rendered by the earlier attempt (render_status set) are done.
    crawled = {s["id"] for s in store.sites(run_id) if s["status"] not in ("pending", "unreachable")
               and not s["render_status"]}
    for result in discover(store, run_id, [s for s in registry.sites if s.id in crawled], registry.user_agent):
        if result.pages or result.documents:
            store.update_site(run_id, result.site_id, **site_status(store, run_id, result.site_id, "finished"))


def gather_host_facts(store: Store, run_id: str, registry: Registry) -> None:
    """TLS, http→https and DNS facts per crawled site (technical/gather.py), frozen with the run."""
    from portal_audit.technical.gather import gather, rows

    crawled = {s["id"] for s in store.sites(run_id) if s["status"] in CRAWLED_STATUSES}
    gathered = store.sites_with_rows("host_facts", run_id)
    for site in (s for s in registry.sites if s.id in crawled and s.id not in gathered):
        facts = gather(site.url, allowance=site.allow_private_networks, timeout=min(site.timeout, 15),
                       user_agent=registry.user_agent, extra_ca_file=site.tls_ca_file)
        with store.db.atomic():
            store.db["host_facts"].upsert_all(rows(run_id, site.id, site.url, facts), pk=("run_id", "site_id", "kind"))


@dataclass
class Rendered:
    summaries: list[SiteSummary] = field(default_factory=list)  # the axe step's, one per site it rendered
    loads: dict[str, int] = field(default_factory=dict)         # the speed step's live loads per site
    browser_error: str | None = None                            # why no browser ran, when none could

    @property
    def incomplete(self) -> list[SiteSummary]:
        return [s for s in self.summaries if s.rendered_status != "checked"]


def sites_to_render(store: Store, run_id: str) -> list[str]:
    """Sites the axe step has not saved yet (a resumed run renders only these)."""
    done = store.sites_with_rows("a11y_sites", run_id)
    return [s["id"] for s in store.sites(run_id) if s["id"] not in done]


def render_and_measure(store: Store, run_id: str, site_ids: list[str] | None = None, *, use_browser: bool = True,
                       resume: bool = False, on_site: Callable[[SiteSummary], None] | None = None) -> Rendered:
    """The browser steps on a frozen run: axe renders, then page speed, for ``site_ids`` (default all);
    ``resume``: only what an interrupted attempt left undone. Refused on a pruned run (its pages are gone)."""
    refuse_pruned(store, run_id, "rendered")
    axe_sites = sites_to_render(store, run_id) if resume else site_ids
    speed_sites = sites_to_measure(store, run_id) if resume else site_ids
    return asyncio.run(_browser_steps(store, run_id, axe_sites, speed_sites, use_browser, on_site))


async def _browser_steps(store: Store, run_id: str, axe_sites: list[str] | None, speed_sites: list[str] | None,
                         use_browser: bool, on_site: Callable[[SiteSummary], None] | None) -> Rendered:
    browser = SharedBrowser(use_browser)
    result = Rendered()
    try:
        stage = A11yStage(store, run_id, browser, on_site=on_site)
        if axe_sites is None or axe_sites:
            result.summaries = await stage.run(axe_sites)
        if speed_sites is None or speed_sites:
            result.loads = await measure_sites(store, run_id, browser, stage.user_agent, speed_sites)
    finally:
        await browser.stop()
    result.browser_error = browser.error
    return result
