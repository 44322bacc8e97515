"""The crawl step of acquire: every site of a registry with Scrapy, a few sites at a time, into one run.

Each site gets its own Scrapy crawler (own politeness settings and scheduler); a semaphore bounds how
many sites crawl at once. When a site's crawler ends, its status is derived from what the store holds,
so the summary and the export can never disagree. Ctrl-C stops the crawlers gracefully: batches already
written stay, the run is marked ``interrupted`` and sites not reached are left ``pending``.

``resume=RUN_ID`` continues such a run (or one a killed process left ``running``) in the same run id: sites
whose crawler had ended normally are kept as they are, the others continue from what the store holds
(crawl/resume.py). The run is left open: the steps that follow (acquire.py) freeze it.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.reactor import install_reactor, is_reactor_installed
from twisted.internet.defer import Deferred, DeferredList, DeferredSemaphore

from portal_audit import __version__
from portal_audit.crawl.resume import load_resume_state, run_link_checks, site_complete
from portal_audit.crawl.settings import base_settings, site_settings
from portal_audit.errorkind import INCOMPLETE_KINDS
from portal_audit.registry import Registry, SiteConfig
from portal_audit.spiders.site_spider import SharedState, SiteProgress, SiteSpider
from portal_audit.store import BufferedWriter, Store, dumps, utcnow

log = logging.getLogger("portal_audit.crawl")



@dataclass
class CrawlOutcome:
    run_id: str
    status: str                 # finished | interrupted
    sites: list[dict[str, Any]]
    revalidated: dict[str, int] = field(default_factory=dict)  # site id -> pages answered 304 (re-crawl)
    reused_facts: int = 0       # of those, pages whose facts came from the previous run instead of a new parse
    resumed: bool = False

    @property
    def failed_sites(self) -> list[dict[str, Any]]:
        return [s for s in self.sites if s["status"] in ("unreachable", "pending")]


class Interrupt:
    """Remembers a Ctrl-C/SIGTERM, so sites not yet started are not started, and stops the crawl gracefully.

    Scrapy's CrawlerProcess does the same through private methods; here the process is started with
    ``install_signal_handlers=False`` and these handlers stand in for Scrapy's: the first signal stops every
    crawler cleanly (batches written stay), a second one stops the reactor at once. The previous handlers
    come back when the crawl is over, so a SIGTERM during the later stages (render, audit, report) stops them.
    ``call`` hands work to the reactor's thread (``reactor.callFromThread`` unless a test gives another).
    """

    def __init__(self, process: CrawlerProcess, call: Callable[..., Any] | None = None):
        self.process = process
        self.interrupted = False
        self._call = call
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        if self._call is None:
            from twisted.internet import reactor

            self._call = reactor.callFromThread
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[signum] = signal.signal(signum, self._first)
            except ValueError:  # not the main thread: the caller keeps its handlers, Ctrl-C is its business
                return

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        self._previous.clear()

    def _first(self, signum: int, frame: Any) -> None:
        assert self._call is not None
        self.interrupted = True
        for other in self._previous:
            signal.signal(other, self._second)
        # A signal handler must not log or touch the reactor's state: hand both to the reactor's thread.
        self._call(log.info, "received %s, stopping the crawl gracefully; send again to force",
                   signal.Signals(signum).name)
        self._call(self._graceful_stop)

    def _graceful_stop(self) -> None:
        self.process.stop().addBoth(_stop_reactor)

    def _second(self, signum: int, frame: Any) -> None:
        assert self._call is not None
        for other in self._previous:
            signal.signal(other, signal.SIG_IGN)
        self._call(log.info, "received %s twice, stopping the crawl now", signal.Signals(signum).name)
        self._call(_stop_reactor)


def _stop_reactor(result: Any = None) -> Any:
    from twisted.internet import reactor

    with contextlib.suppress(RuntimeError):  # already stopped, or shutting down
        reactor.stop()
    return result


def _install_reactor(settings: Any) -> None:
    """The reactor Scrapy's settings name, installed once per process before the first crawler is built (each
    site's Crawler then finds it installed, as Scrapy's documentation for running from a script shows)."""
    if not is_reactor_installed():
        install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])


def site_status(store: Store, run_id: str, site_id: str, finish_reason: str | None) -> dict[str, Any]:
    """ok | partial | unreachable, with counts and a one-line reason, from the stored facts."""
    q = store.db.execute
    pages = q("SELECT count(*) FROM pages WHERE run_id=? AND site_id=?", (run_id, site_id)).fetchone()[0]
    pages_ok = q("SELECT count(DISTINCT final_url) FROM pages WHERE run_id=? AND site_id=? AND status=200 "
                 "AND html_zlib IS NOT NULL", (run_id, site_id)).fetchone()[0]
    kinds = dict(q("SELECT kind, count(*) FROM fetch_errors WHERE run_id=? AND site_id=? GROUP BY kind",
                   (run_id, site_id)).fetchall())
    server_errors = q("SELECT count(*) FROM pages WHERE run_id=? AND site_id=? AND status>=500",
                      (run_id, site_id)).fetchone()[0]
    reachable = q("SELECT count(*) FROM pages WHERE run_id=? AND site_id=? AND status<400 "
                  "AND html_zlib IS NOT NULL", (run_id, site_id)).fetchone()[0]
    documents = q("SELECT count(*) FROM documents WHERE run_id=? AND site_id=?", (run_id, site_id)).fetchone()[0]
    links = q("SELECT count(*) FROM links WHERE run_id=? AND site_id=?", (run_id, site_id)).fetchone()[0]
    incomplete = {k: v for k, v in kinds.items() if k in INCOMPLETE_KINDS}
    if server_errors:
        incomplete["http_5xx"] = server_errors
    if not reachable:
        status = "unreachable"
        first = q("SELECT kind, detail FROM fetch_errors WHERE run_id=? AND site_id=? ORDER BY id LIMIT 1",
                  (run_id, site_id)).fetchone()
        reason = f"{first[0]}: {first[1]}" if first else "the home page answered no usable page"
    elif finish_reason not in (None, "finished"):
        status, reason = "partial", f"crawl stopped early ({finish_reason})"
    elif incomplete:
        status = "partial"
        reason = "some pages could not be read: " + ", ".join(f"{k} {v}" for k, v in sorted(incomplete.items()))
    else:
        status, reason = "ok", None
    return {"status": status, "status_reason": reason, "pages": pages, "pages_ok": pages_ok,
            "errors": sum(kinds.values()), "error_kinds": dumps(kinds), "documents": documents, "links": links}


def crawl_registry(registry: Registry, store: Store, *, log_level: str = "ERROR",
                   on_progress: Callable[[list[SiteProgress]], None] | None = None,
                   progress_interval: float = 0.5, resume: str | None = None,
                   http_cache: bool = True) -> CrawlOutcome:
    """Crawl all sites of ``registry`` into a new run of ``store`` (or continue the unfinished run ``resume``);
    blocks until done or interrupted, and leaves the run open (acquire.py freezes it).
    ``http_cache``: revalidate the pages of the previous finished run."""
    shared = SharedState()
    done_before: set[str] = set()
    if resume is not None:
        run_id = resume
        store.reopen_run(run_id)
        done_before = {s["id"] for s in store.sites(run_id) if site_complete(s)}
        shared.external_scheduled |= run_link_checks(store, run_id)
    else:
        run_id = store.create_run(
            province=registry.province, registry_path=str(registry.path or ""), tool_version=__version__,
            engine=f"scrapy {scrapy.__version__}", user_agent=registry.user_agent,
            sites=[{"id": s.id, "name": s.name, "unit_type": s.unit_type, "url": s.url,
                    "config": dumps(s.as_record())} for s in registry.sites],
        )
    writer = BufferedWriter(store)
    base = base_settings(log_level, http_cache=http_cache)
    process = CrawlerProcess(base)
    interrupt = Interrupt(process)
    semaphore = DeferredSemaphore(registry.concurrent_sites)
    progress: list[SiteProgress] = []
    revalidated: dict[str, int] = {}
    reused = [0]

    def crawl_site(site: SiteConfig) -> Deferred[Any] | None:
        if interrupt.interrupted or site.id in done_before:
            return None
        crawler = Crawler(SiteSpider, site_settings(base, site, registry.user_agent))
        state = load_resume_state(store, run_id, site.id) if resume is not None else None
        started = {} if state is not None and state.pages else {"started_at": utcnow()}
        store.update_site(run_id, site.id, status="crawling", finished_at=None, **started)
        deferred = process.crawl(crawler, site=site, run_id=run_id, shared=shared, writer=writer, resume=state)

        def finished(result: Any) -> Any:
            writer.flush()
            spider = crawler.spider
            spider.progress.done = True
            reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
            values = site_status(store, run_id, site.id, reason)
            if spider.revalidated:
                revalidated[site.id] = spider.revalidated
                reused[0] += spider.reused_facts
                log.info("%s: %d page(s) unchanged (304), %d with facts reused from the previous run", site.id,
                         spider.revalidated, spider.reused_facts)
            # finished_at only when the crawler ended normally: a resume continues the others.
            store.update_site(run_id, site.id, finished_at=utcnow() if reason == "finished" else None,
                              budget_exhausted=int(spider.budget_exhausted), **values)
            return result

        deferred.addBoth(finished)
        # The spider exists once crawl() has started; register its live counters for the display.
        if crawler.spider is not None:
            progress.append(crawler.spider.progress)
        return deferred

    if any(site.id not in done_before for site in registry.sites):
        _install_reactor(base)
        all_done = DeferredList([semaphore.run(crawl_site, site) for site in registry.sites], consumeErrors=True)
        all_done.addBoth(_stop_reactor)
        if on_progress is not None:
            from twisted.internet import task

            loop = task.LoopingCall(lambda: on_progress(list(progress)))
            loop.start(progress_interval, now=False)
            def final_progress(result: Any) -> Any:
                if loop.running:
                    loop.stop()
                on_progress(list(progress))
                return result

            all_done.addBoth(final_progress)
        interrupt.install()
        try:
            process.start(stop_after_crawl=False, install_signal_handlers=False)
        finally:
            interrupt.restore()

    writer.flush()
    return CrawlOutcome(run_id=run_id, status="interrupted" if interrupt.interrupted else "finished",
                        sites=store.sites(run_id), revalidated=revalidated, reused_facts=reused[0],
                        resumed=resume is not None)
