"""axe-core in a real browser, on untrusted pages, without letting one page stall or steer the run.

The main document is served from the crawl store (the same bytes the static rules and the content audit
judged), so axe sees the page as it was crawled and the site is not asked for it twice; its scripts,
styles and images load live, through the guard proxy (the crawler's network rule). One context per site with
axe injected by ``add_init_script`` and one reused tab (measured here: ~0.35 s a page warm, against
~1.2 s with a new context per page). Every step has a deadline; a page that hangs the renderer costs
that page (recorded as ``timeout``), then the browser is killed and started again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portal_audit.a11y.rules import axe_script
from portal_audit.netsafety import Allowance
from portal_audit.render.browser import RenderBrowser, open_tab, short_error

log = logging.getLogger("portal_audit.a11y")

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
MAX_NODES = 20          # nodes kept per rule and page; the count is kept in full
MAX_HTML = 300          # characters of each node's HTML
AXE_SECONDS = 30.0      # axe's own run on one page, on top of the page's load timeout
MAX_REQUESTS = 400      # subresources one page may load before the rest are refused
VIEWPORT = {"width": 1280, "height": 900}

# Runs in the page: WCAG A/AA rules only (plus best practice when asked), violations and "needs review"
# (incomplete) in full, everything else trimmed by axe itself; nodes capped before they cross the wire.
_RUN_AXE = """async ([tags, maxNodes, maxHtml]) => {
  if (typeof axe === 'undefined') { throw new Error('axe-core was not injected (page replaced window.axe?)'); }
  // Frames from another origin (maps, videos, social widgets) are someone else's page: the webmaster cannot
  // fix them, so axe does not look inside (the static rules still check each frame's title).
  const foreign = [...document.querySelectorAll('iframe[src], frame[src]')].filter(f => {
    try { return new URL(f.getAttribute('src'), location.href).origin !== location.origin; }
    catch (e) { return false; } });
  const context = foreign.length ? {include: [document], exclude: foreign.map(f => [f])} : document;
  const r = await axe.run(context, {runOnly: {type: 'tag', values: tags},
                                    resultTypes: ['violations', 'incomplete']});
  const slim = list => list.map(v => ({
    id: v.id, impact: v.impact, tags: v.tags, count: v.nodes.length,
    nodes: v.nodes.slice(0, maxNodes).map(n => ({
      selector: n.target.map(t => Array.isArray(t) ? t.join(' >>> ') : String(t)).join(' >>> '),
      html: (n.html || '').slice(0, maxHtml), impact: n.impact}))}));
  return {version: axe.version, violations: slim(r.violations), incomplete: slim(r.incomplete)};
}"""


@dataclass(frozen=True)
class PageTask:
    url: str                 # the stored page's final URL: what the browser is pointed at
    html: bytes              # the stored response body, served as the main document
    content_type: str | None
    template_fp: str | None
    reason: str              # why it was chosen: home, contact, service, menu, template, all


@dataclass
class RuleResult:
    rule: str
    impact: str | None
    tags: list[str]
    count: int
    nodes: list[dict[str, Any]]


@dataclass
class PageOutcome:
    task: PageTask
    status: str              # ok | timeout | crashed | error
    error: str | None = None
    ms: int = 0
    violations: list[RuleResult] = field(default_factory=list)
    incomplete: list[RuleResult] = field(default_factory=list)
    axe_version: str | None = None


class BrowserHung(Exception):
    """The browser did not answer within its deadline; the caller restarts it."""


def _rules(raw: list[dict[str, Any]]) -> list[RuleResult]:
    return [RuleResult(r["id"], r.get("impact"), list(r.get("tags") or []), int(r.get("count") or 0),
                       list(r.get("nodes") or [])) for r in raw]


class SiteAxe:
    """One site's browser context: guarded network, axe preloaded, one reused tab.

    Use ``await SiteAxe.open(...)``, then ``audit(task)`` per page, then ``close()``.
    """

    def __init__(self, browser: RenderBrowser, allowance: Allowance, user_agent: str, page_timeout: float,
                 tags: tuple[str, ...], axe_timeout: float = AXE_SECONDS):
        self.browser = browser
        self.allowance = allowance
        self.user_agent = user_agent
        self.page_timeout = page_timeout
        self.tags = list(tags)
        self.axe_timeout = axe_timeout
        self.context: Any = None
        self.page: Any = None
        self._current: PageTask | None = None
        self._requests = 0

    async def open(self) -> SiteAxe:
        self.context = await self.browser.new_context(
            self.allowance, user_agent=self.user_agent, accept_downloads=False, service_workers="block",
            viewport=VIEWPORT, java_script_enabled=True, locale="vi-VN", ignore_https_errors=True)
        # Certificate problems are the technical checklist's finding (host_facts); they must not stop the
        # accessibility audit of the same pages, which the crawler fetched without verifying either.
        await self.context.add_init_script(axe_script())
        await self.context.route("**/*", self._route)
        self.page = await open_tab(self.context, self.page_timeout)
        return self

    async def _route(self, route: Any) -> None:
        request = route.request
        task = self._current
        try:
            # Frames of another site run in their own renderer, where Playwright's frame tree is not the
            # tab's: the tab's own navigation is recognised by its frame being the tab's main frame.
            if request.is_navigation_request() and self.page is not None and request.frame == self.page.main_frame:
                if task is not None and request.url.split("#", 1)[0] == task.url.split("#", 1)[0]:
                    headers = {"content-type": task.content_type or "text/html"}
                    await route.fulfill(status=200, headers=headers, body=task.html)
                else:
                    # Scripts, meta refresh or forms steering the tab elsewhere: answer 204 No Content, which
                    # keeps the audited document (an abort would replace it with Chrome's error page).
                    await route.fulfill(status=204, body=b"")
                return
            # Where a request may go is the guard proxy's decision; here only how many a page may make.
            self._requests += 1
            await (route.continue_() if self._requests <= MAX_REQUESTS else route.abort("blockedbyclient"))
        except Exception as exc:  # the route may die with its page; never leave a request hanging
            log.debug("route handling failed for %s: %s", request.url[:200], short_error(exc))
            await _quietly(route.abort("failed"))

    async def audit(self, task: PageTask) -> PageOutcome:
        """Render one stored page and run axe on it; never raises except BrowserHung."""
        started = time.monotonic()
        self._current, self._requests = task, 0
        deadline = self.page_timeout + self.axe_timeout
        try:
            raw = await asyncio.wait_for(self._load_and_run(task), timeout=deadline)
        except TimeoutError:
            # The renderer is stuck (a script that never yields): its process may be shared by the
            # site's next pages, so the browser itself is replaced.
            raise BrowserHung(f"no result within {deadline:.0f} s") from None
        except Exception as exc:
            status = "crashed" if "crash" in str(exc).lower() else "error"
            outcome = PageOutcome(task, status, short_error(exc), _ms(started))
            await self._replace_tab()
            return outcome
        finally:
            self._current = None
        return PageOutcome(task, "ok", None, _ms(started), _rules(raw["violations"]), _rules(raw["incomplete"]),
                           raw.get("version"))

    async def _load_and_run(self, task: PageTask) -> dict[str, Any]:
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        try:
            await self.page.goto(task.url, wait_until="load", timeout=self.page_timeout * 1000)
        except PlaywrightTimeout:
            # A page that never fires `load` (a hanging script or image) is still audited as it stands.
            log.info("load event timed out on %s; auditing the DOM as it is", task.url)
        except Exception as exc:
            if "ERR_ABORTED" not in str(exc):
                raise
            # The page steered the tab elsewhere before `load` (a meta refresh of 0 s): the route answered 204,
            # which keeps the stored document but aborts goto's wait. The document is the one to audit.
            log.info("navigation away from %s was refused; auditing the DOM as it is", task.url)
        try:
            return await self.page.evaluate(_RUN_AXE, [self.tags, MAX_NODES, MAX_HTML])
        except Exception as exc:
            if "context was destroyed" not in str(exc):
                raise
            # The document was replaced while axe ran (a navigation the route answered a moment too late, on a
            # busy machine): load the stored page again and audit it once more, within the same deadline.
            log.info("the document of %s changed during the audit; auditing it again", task.url)
            await self.page.goto(task.url, wait_until="load", timeout=self.page_timeout * 1000)
            return await self.page.evaluate(_RUN_AXE, [self.tags, MAX_NODES, MAX_HTML])

    async def _replace_tab(self) -> None:
        try:
            await asyncio.wait_for(self.page.close(), timeout=10)
            self.page = await asyncio.wait_for(open_tab(self.context, self.page_timeout), timeout=10)
        except Exception as exc:
            raise BrowserHung(short_error(exc)) from None

    async def close(self) -> None:
        if self.context is not None:
            await _quietly(asyncio.wait_for(self.context.close(), timeout=10))


async def _quietly(awaitable: Any) -> None:
    try:
        await awaitable
    except Exception as exc:
        log.debug("ignored: %s", exc)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


async def audit_pages(browser: RenderBrowser, tasks: list[PageTask], *, allowance: Allowance, user_agent: str,
                      page_timeout: float, tags: tuple[str, ...], axe_timeout: float = AXE_SECONDS,
                      on_page: Callable[[PageOutcome], None] | None = None) -> list[PageOutcome]:
    """Audit one site's chosen pages; a hung browser is restarted and the run goes on with the next page."""
    outcomes: list[PageOutcome] = []

    async def open_site() -> SiteAxe:
        return await SiteAxe(browser, allowance, user_agent, page_timeout, tags, axe_timeout).open()

    site = await open_site()
    try:
        for task in tasks:
            started = time.monotonic()
            try:
                outcome = await site.audit(task)
            except BrowserHung as exc:
                outcome = PageOutcome(task, "timeout", f"{exc}; the browser was restarted", _ms(started))
                await site.close()
                await browser.restart()
                site = await open_site()
            outcomes.append(outcome)
            if on_page is not None:
                on_page(outcome)
    finally:
        await site.close()
    return outcomes
