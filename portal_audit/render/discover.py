"""Render-assisted discovery: pages a static crawler cannot see because the menu is built by JavaScript.

After the crawl, a site whose home page has an empty navigation container (a `<ul id="menu"></ul>` that a
script fills), or whose registry entry says `render: all`, has its home page rendered in Chromium; the
in-scope links of the rendered DOM that the crawl did not reach are then fetched in the browser and stored
like crawled pages (raw response bytes, status, headers), marked `via = 'render'`. `render: none` turns it
off. Without a browser the site is marked so, and the audit says that JavaScript navigation was not seen.

Rendered pages are untrusted like crawled ones: every connection goes through the guard proxy, a page may
make at most MAX_REQUESTS requests, popups and dialogs are closed at once, a body over the site's
``max_page_bytes`` is recorded as ``too_large`` and not stored, and each page has a deadline after which the
browser is killed and started again; a page that fails is one ``fetch_errors`` row and one log line, and the
site's discovery goes on with the next page.

Links are labelled as the spider labels them (urls.Scope.link_kind). A document or a link to another site that
a rendered DOM shows (a PDF in a script-built menu) and the crawl never checked is checked the spider's way,
without a browser (crawl/linkprobe.py: HEAD, then GET headers only, under the network rule; documents obey
robots.txt and ``max_documents``, links to other sites ``check_external_links`` and ``max_external_checks``),
so a broken one is found like any other.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from protego import Protego

from portal_audit.crawl.encoding import decode_html
from portal_audit.crawl.errors import classify_browser_error
from portal_audit.crawl.items import Document, FetchError, Link, LinkCheck, Page, write
from portal_audit.crawl.linkprobe import probe
from portal_audit.crawl.pagefacts import parse_page
from portal_audit.errorkind import ErrorKind
from portal_audit.html import is_navigation, parse_html
from portal_audit.netsafety import host_refusal, literal_only, refusal
from portal_audit.registry import SiteConfig
from portal_audit.render.browser import BrowserUnavailable, RenderBrowser, open_tab, short_error
from portal_audit.store import BufferedWriter, Store, compress_html, decompress_html, headers_json, utcnow
from portal_audit.urls import Scope, TrapGuard, is_document, safe_canonical_url

log = logging.getLogger("portal_audit.render")
MAX_RENDERED_PAGES = 60  # per site: discovery of hidden menus, not a second crawl
MAX_REQUESTS = 400       # requests one page may make before the rest are refused (as in the axe stage)
MAX_LINKS = 5000         # rendered links read per page
SETTLE_SECONDS = 10.0    # beyond the page timeout: reading the body and the rendered links
MAX_RENDERED_CHECKS = 60  # per site and kind: documents, and links to other sites, seen only in rendered pages
PROBE_SECONDS = 120.0     # per site: the time those checks may take in all (a hostile host answers slowly)
CHECKED_KINDS = ("document", "external", "out_of_scope")  # link kinds the spider checks rather than crawls
_HREFS = f"els => els.slice(0, {MAX_LINKS}).map(e => e.href)"


@dataclass
class DiscoveryResult:
    site_id: str
    status: str       # not_needed | done | unavailable | error
    pages: int = 0
    detail: str | None = None
    documents: int = 0  # documents linked only from rendered pages, probed


class PageFailed(Exception):
    """One page could not be read in the browser: ``kind`` is its fetch_errors kind."""

    def __init__(self, kind: ErrorKind, detail: str, status: int | None = None):
        super().__init__(detail)
        self.kind, self.detail, self.status = kind, detail, status


def has_empty_navigation(html: bytes, content_type: str | None) -> bool:
    """A menu container with no links, on a page that runs scripts: the menu is built in the browser."""
    root = parse_html(decode_html(html, content_type).text)
    if root is None or root.find(".//script") is None:
        return False
    return any(is_navigation(el) and el.find(".//a") is None for el in root.iter("nav", "ul", "div", "ol"))


def _header_items(headers: dict[str, str]) -> list[tuple[str, list[str]]]:
    """Playwright joins a repeated header (Set-Cookie) with newlines: split it back for the store's format."""
    return [(name, value.split("\n")) for name, value in headers.items()]


def _needs_render(store: Store, run_id: str, site: SiteConfig) -> bool:
    if site.render == "none":
        return False
    if site.render == "all":
        return True
    row = next(iter(store.query(
        "SELECT html_zlib, content_type FROM pages WHERE run_id = ? AND site_id = ? AND depth = 0 AND status = 200 "
        "AND html_zlib IS NOT NULL ORDER BY id LIMIT 1", [run_id, site.id])), None)
    return bool(row) and has_empty_navigation(decompress_html(row["html_zlib"]), row["content_type"])


def _home(store: Store, run_id: str, site_id: str) -> str | None:
    row = next(iter(store.query("SELECT final_url FROM pages WHERE run_id = ? AND site_id = ? AND depth = 0 AND "
                                "status = 200 AND html_zlib IS NOT NULL ORDER BY id LIMIT 1", [run_id, site_id])), None)
    return row["final_url"] if row else None


def _robots(store: Store, run_id: str, site_id: str) -> Protego | None:
    row = next(iter(store.query("SELECT body_zlib FROM site_files WHERE run_id = ? AND site_id = ? AND kind = 'robots' "
                                "AND status = 200", [run_id, site_id])), None)
    return Protego.parse(decompress_html(row["body_zlib"]).decode("utf-8", "replace")) if row else None


class SiteDiscovery:
    """One site's rendered walk: the home page, then the hidden in-scope pages its rendered DOM links to."""

    def __init__(self, store: Store, run_id: str, site: SiteConfig, browser: RenderBrowser, user_agent: str):
        self.store, self.run_id, self.site, self.browser, self.user_agent = store, run_id, site, browser, user_agent
        self.deadline = site.timeout * 2 + SETTLE_SECONDS   # navigation, then the load event, then reading
        self.context: Any = None
        self.page: Any = None
        self.requests = 0
        self.capped = False
        self.scope = Scope.for_site(site.url, site.hosts, site.scope)
        self.rows: list[Page] = []
        self.links: list[Link] = []
        self.errors: list[FetchError] = []
        self.targets: dict[str, tuple[str, str]] = {}  # URL seen in a rendered DOM → (page it was on, link kind)
        self.documents: list[Document] = []
        self.link_checks: list[LinkCheck] = []
        self.unchecked = 0   # targets left unchecked when the checks ran out of time
        self.note: str | None = None
        self.navigated = ""   # the URL the tab's navigation last went to
        self.read: tuple[dict[str, Any], list[dict[str, Any]]] | None = None   # the current page, once read

    async def run(self) -> DiscoveryResult:
        site = self.site
        home = _home(self.store, self.run_id, site.id)
        if home is None:
            return DiscoveryResult(site.id, "not_needed", detail="no home page to render")
        if not site.scope:
            self.scope = self.scope.with_host_of(home)
        scope = self.scope
        query = "SELECT url, final_url FROM pages WHERE run_id = ? AND site_id = ?"
        known = {u for r in self.store.query(query, [self.run_id, site.id]) for u in (r["url"], r["final_url"])}
        traps, robots = TrapGuard(), _robots(self.store, self.run_id, site.id)

        def wanted(url: str | None, referrer: str) -> bool:
            return bool(url) and scope.contains(url) and url not in known and not is_document(url) \
                and not traps.check(url, referrer) and (robots is None or robots.can_fetch(url, self.user_agent))

        queue: list[tuple[str, str | None, int]] = [(home, None, 0)]
        status = "done"
        try:
            await self._open()
            while queue and len(self.rows) < MAX_RENDERED_PAGES:
                url, referrer, depth = queue.pop(0)
                try:
                    rendered = await self._visit(url, referrer, depth, store=depth > 0)
                except PageFailed as failed:
                    if depth == 0:
                        return DiscoveryResult(site.id, "error", 0, f"home page: {failed.kind}: {failed.detail}")
                    self._failed(url, referrer, failed)
                    continue
                self._note_targets(url, rendered)
                if depth >= site.max_depth:
                    continue
                for href in rendered:
                    target = safe_canonical_url(href)
                    if target and wanted(target, url):
                        known.add(target)
                        queue.append((target, url, depth + 1))
        except BrowserUnavailable as exc:
            status = "error"
            self.note = f"the browser could not be restarted ({short_error(exc)})"
        finally:
            await self._close()
        await self._check_targets(robots)
        self._save()
        parts = [f"{len(self.rows)} page(s) found only by rendering"]
        if self.documents:
            parts.append(f"{len(self.documents)} document(s) linked only from rendered pages checked")
        if self.link_checks:
            parts.append(f"{len(self.link_checks)} link(s) to other sites seen only in rendered pages checked")
        if self.unchecked:
            parts.append(f"{self.unchecked} more not checked (the checks took over {PROBE_SECONDS:.0f} s)")
        if self.errors:
            parts.append(f"{len(self.errors)} could not be read")
        if self.note:
            parts.append(self.note)
        return DiscoveryResult(site.id, status, len(self.rows), ", ".join(parts), documents=len(self.documents))

    def _note_targets(self, page_url: str, hrefs: list[str]) -> None:
        """Documents and links off the site that a rendered DOM shows: the crawl may never have seen them."""
        for href in hrefs:
            target = safe_canonical_url(href)
            if target is not None and (kind := self._link_kind(target)) in CHECKED_KINDS:
                self.targets.setdefault(target, (page_url, kind))

    async def _check_targets(self, robots: Protego | None) -> None:
        """Link rows, and the spider's checks, for what rendered pages link to that the crawl did not check:
        documents (``documents``, robots.txt obeyed) and links to other sites (``link_checks``, once per run)."""
        if not self.targets:
            return
        pages = sorted({found_on for found_on, _kind in self.targets.values()})
        marks = ",".join("?" * len(pages))
        linked = {(r["from_url"], r["to_url"]) for r in self.store.query(
            f"SELECT from_url, to_url FROM links WHERE run_id = ? AND site_id = ? AND from_url IN ({marks})",
            [self.run_id, self.site.id, *pages])} | {(link.from_url, link.to_url) for link in self.links}
        documents = {r["url"] for r in self.store.query(
            "SELECT url FROM documents WHERE run_id = ? AND site_id = ?", [self.run_id, self.site.id])}
        outside = {r["url"] for r in self.store.query("SELECT url FROM link_checks WHERE run_id = ?", [self.run_id])}
        budget = {"document": min(MAX_RENDERED_CHECKS, max(0, self.site.max_documents - len(documents))),
                  "outside": min(MAX_RENDERED_CHECKS, self.site.max_external_checks)
                  if self.site.check_external_links else 0}
        deadline = time.monotonic() + PROBE_SECONDS
        for url, (found_on, kind) in self.targets.items():
            if (found_on, url) not in linked:  # a script-built link: the rendered DOM gives its target only
                self.links.append(Link(self.run_id, self.site.id, from_url=found_on, to_url=url, anchor=None,
                                       kind=kind, rel=None))
            group, checked = ("document", documents) if kind == "document" else ("outside", outside)
            if url in checked or budget[group] <= 0 or (
                    group == "document" and robots is not None and not robots.can_fetch(url, self.user_agent)):
                continue
            if time.monotonic() > deadline:
                self.unchecked += 1
                continue
            budget[group] -= 1
            checked.add(url)
            result = await asyncio.to_thread(probe, url, allowance=self.site.allow_private_networks,
                                             timeout=self.site.timeout, user_agent=self.user_agent)
            if group == "document":
                self.documents.append(Document(
                    self.run_id, self.site.id, url=url, found_on=found_on, method=result.method, status=result.status,
                    content_type=result.content_type, bytes=result.length, error=result.error, checked_at=utcnow()))
            else:
                self.link_checks.append(LinkCheck(
                    self.run_id, url=url, method=result.method, status=result.status, error=result.error,
                    detail=result.detail, final_url=result.final_url, checked_at=utcnow()))

    async def _open(self) -> None:
        self.context = await self.browser.new_context(
            self.site.allow_private_networks, user_agent=self.user_agent, java_script_enabled=True,
            accept_downloads=False, ignore_https_errors=True, service_workers="block")
        await self.context.route("**/*", self._route)

    async def _new_tab(self) -> None:
        """Each page in a tab of its own: timers and pending navigations of the last one must not touch it."""
        try:
            if self.page is not None:
                await asyncio.wait_for(self.page.close(), 10)
            self.page = await asyncio.wait_for(open_tab(self.context, self.site.timeout), 10)
        except Exception:
            await self._restart()
            self.page = await open_tab(self.context, self.site.timeout)
        self.page.on("request", self._on_request)

    def _on_request(self, request: Any) -> None:
        """Remember where the tab's navigation has got to (redirects included)."""
        try:
            main = self.page is not None and request.frame == self.page.main_frame
        except Exception:  # a worker's request has no frame
            return
        if main and request.is_navigation_request():
            self.navigated = request.url

    async def _close(self) -> None:
        context, self.context, self.page = self.context, None, None
        if context is not None:
            try:
                await asyncio.wait_for(context.close(), 10)
            except Exception:  # a wedged browser: the next site's context comes from a restarted one
                log.warning("render discovery: %s: the browser context did not close; restarting the browser",
                            self.site.id)
                try:
                    await self._restart(reopen=False)
                except BrowserUnavailable as exc:  # the next site (or the stage's end) says so
                    log.warning("render discovery: the browser could not be restarted: %s", short_error(exc))

    async def _restart(self, *, reopen: bool = True) -> None:
        """Kill and start the browser again (the context dies with it), then reopen the site's tab."""
        self.context = self.page = None
        await self.browser.restart()
        if reopen:
            await self._open()

    async def _route(self, route: Any) -> None:
        """Count a page's requests and refuse those beyond the cap; where they may go is the guard's job."""
        try:
            self.requests += 1
            if self.requests > MAX_REQUESTS:
                self.capped = True
                await route.abort("blockedbyclient")
            else:
                await route.continue_()
        except Exception:  # the page closed under the request: nothing to answer, nothing to log
            pass

    async def _visit(self, url: str, referrer: str | None, depth: int, *, store: bool) -> list[str]:
        """Load one page within the deadline; return the links of its rendered DOM. A page that overruns it
        has wedged the renderer: the browser is restarted (the site's context with it)."""
        refused = refusal(url, self.site.allow_private_networks)
        if refused is not None:
            raise PageFailed(refused.kind, refused.detail)
        await self._new_tab()
        self.requests, self.capped, self.read = 0, False, None
        started = time.monotonic()
        try:
            return await asyncio.wait_for(self._load(url, referrer, depth, store), self.deadline)
        except TimeoutError:
            await self._restart()
            if self.read is not None:  # the page itself arrived; only its scripts hung the renderer
                log.warning("render discovery: %s: its scripts ran past %.0f s; the page is kept without its "
                            "rendered links, and the browser is restarted", url[:200], self.deadline)
                self._keep(self.read)
                return []
            log.warning("render discovery: %s: no result within %.0f s; the browser is restarted", url[:200],
                        self.deadline)
            raise PageFailed(ErrorKind.TIMEOUT, f"rendering took longer than {self.deadline:.0f} s; the browser "
                                                "was restarted") from None
        except PageFailed:
            raise
        except Exception as exc:
            # A redirect the guard proxy refused looks like any failed connection to the browser: name it.
            refused = refusal(self.navigated, self.site.allow_private_networks)
            if refused is not None:
                raise PageFailed(refused.kind, f"the page moved to an address the guard refused: {refused.detail}") \
                    from None
            raise PageFailed(classify_browser_error(str(exc)), short_error(exc)) from None
        finally:
            if self.capped:   # said whatever became of the page: a capped page that then timed out was capped too
                log.info("render discovery: %s made more than %d requests; the rest were refused (%.1f s)",
                         url[:200], MAX_REQUESTS, time.monotonic() - started)

    async def _load(self, url: str, referrer: str | None, depth: int, store: bool) -> list[str]:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        self.navigated = url
        response = await self.page.goto(url, wait_until="commit")
        if store:  # the body first: a page that moves on (meta refresh, script) takes it along
            self.read = await self._read(url, referrer, depth, response)
        try:
            await self.page.wait_for_load_state("load")
        except PlaywrightTimeout:
            log.info("render discovery: load event timed out on %s; reading the page as it is", url[:200])
        try:
            hrefs: list[str] = await self.page.eval_on_selector_all("a[href], area[href]", _HREFS)
        except PlaywrightError:
            if self.read is None or self.navigated == url:
                raise
            log.info("render discovery: %s moved on to %s; its rendered links are not read", url[:200],
                     self.navigated[:200])
            hrefs = []
        if self.read is not None:
            self._keep(self.read)
        return hrefs

    def _keep(self, read: tuple[Page, list[Link]]) -> None:
        row, links = read
        self.rows.append(row)
        self.links.extend(links)

    async def _read(self, url: str, referrer: str | None, depth: int,
                    response: Any) -> tuple[Page, list[Link]]:
        """The page's row and its links, from the response the browser got (within the site's size cap)."""
        if response is None:
            raise PageFailed(ErrorKind.OTHER, "the browser answered no response")
        cap = self.site.max_page_bytes
        declared = response.headers.get("content-length") or ""
        if declared.isdigit() and int(declared) > cap:
            raise PageFailed(ErrorKind.TOO_LARGE, f"Content-Length {declared} is over the cap of {cap} bytes",
                             response.status)
        body = await response.body()
        if len(body) > cap:
            raise PageFailed(ErrorKind.TOO_LARGE, f"body of {len(body)} bytes is over the cap of {cap} bytes",
                             response.status)
        ctype = response.headers.get("content-type")
        decoded = decode_html(body, ctype)
        facts = parse_page(decoded.text, response.url)
        row = Page(self.run_id, self.site.id, url=url, final_url=safe_canonical_url(response.url) or response.url,
                   status=response.status, content_type=ctype, declared_encoding=decoded.declared,
                   detected_encoding=decoded.detected, encoding_issue=decoded.issue, bytes=len(body), depth=depth,
                   referrer=referrer, fetched_at=utcnow(), title=facts.title, lang=facts.lang,
                   template_fp=facts.template_fp, headers=headers_json(_header_items(response.headers)),
                   html_zlib=compress_html(body), via="render")
        links = [Link(self.run_id, self.site.id, from_url=url, to_url=target, anchor=link.anchor,
                      kind=self._link_kind(target), rel=link.rel)
                 for link in facts.links if (target := safe_canonical_url(link.url)) is not None]
        return row, links

    def _failed(self, url: str, referrer: str | None, failed: PageFailed) -> None:
        if failed.kind != ErrorKind.TIMEOUT:  # a timeout has had its line already
            log.warning("render discovery: %s: %s: %s", url[:200], failed.kind, failed.detail)
        self.errors.append(FetchError(self.run_id, self.site.id, url=url, kind=failed.kind, status=failed.status,
                                      detail=f"in the browser: {failed.detail}"[:500], referrer=referrer,
                                      at=utcnow()))

    def _link_kind(self, url: str) -> str:
        host = urlsplit(url).hostname or ""
        if host_refusal(host, literal_only(host), self.site.allow_private_networks) is not None:
            return "refused"
        return self.scope.link_kind(url)

    def _save(self) -> None:
        """Everything the walk found, through the crawl tables' one write path, in one transaction."""
        writer = BufferedWriter(self.store, batch_rows=sys.maxsize, max_seconds=float("inf"))
        for row in (*self.rows, *self.links, *self.errors, *self.documents, *self.link_checks):
            write(writer, row)
        writer.flush()


async def _discover(store: Store, run_id: str, sites: list[SiteConfig], user_agent: str) -> list[DiscoveryResult]:
    try:
        browser = await RenderBrowser().start()
    except BrowserUnavailable as exc:
        return [DiscoveryResult(s.id, "unavailable", detail=str(exc)) for s in sites]
    try:
        results = []
        for site in sites:
            try:
                results.append(await SiteDiscovery(store, run_id, site, browser, user_agent).run())
            except Exception as exc:  # the browser is a second opinion: its failure must not lose the crawl
                log.warning("render discovery failed on %s: %s", site.id, short_error(exc))
                results.append(DiscoveryResult(site.id, "error", 0, short_error(exc)))
        return results
    finally:
        await browser.stop()


def discover(store: Store, run_id: str, sites: list[SiteConfig], user_agent: str) -> list[DiscoveryResult]:
    """Render the sites that need it; record the outcome on each site's row (render_status)."""
    needed = [s for s in sites if _needs_render(store, run_id, s)]
    results = [DiscoveryResult(s.id, "not_needed") for s in sites if s not in needed]
    if needed:
        results += asyncio.run(_discover(store, run_id, needed, user_agent))
    for result in results:
        status = result.status if not result.detail else f"{result.status}: {result.detail}"
        store.update_site(run_id, result.site_id, render_status=status[:500])
    return results
