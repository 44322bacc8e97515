"""The axe renders step of acquire (`portal-audit render`): axe-core on a sample of each site's pages.

Reads a crawled run from the store and writes ``a11y_runs``, ``a11y_sites``, ``renders`` and axe-core's
``a11y_results`` rows (page speed, the other step that needs the browser, is technical/speed_step.py). Each
site's results replace that site's previous ones in one transaction, so an interrupted step leaves every site
either fully old or fully new, and re-running it is always safe.
The static rules are not judged here but in ``portal-audit audit`` (a11y/static_results.py), from the stored
pages. Without a browser every site says, in ``a11y_sites``, that the rendered rules were not checked and
why; nothing is ever counted as passed because it could not be looked at.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal_audit.a11y.axe import WCAG_TAGS, PageOutcome, PageTask, audit_pages
from portal_audit.a11y.rules import axe_version
from portal_audit.a11y.sampling import Candidate, choose_pages, menu_targets
from portal_audit.crawl.encoding import decode_html
from portal_audit.html import parse_html
from portal_audit.render.browser import SharedBrowser
from portal_audit.render.settings import SiteSettings
from portal_audit.store import CRAWLED_STATUSES, Store, decompress_html, dumps, utcnow


@dataclass
class SiteSummary:
    site_id: str
    rendered_status: str
    reason: str | None = None
    pages: int = 0
    templates: int = 0
    pages_rendered: int = 0
    templates_rendered: int = 0
    violations: int = 0

    def line(self) -> str:
        text = (f"{self.site_id}: {self.pages} page(s) in {self.templates} template(s); "
                f"{self.pages_rendered} page(s) of {self.templates_rendered} template(s) rendered with axe "
                f"(rendered rules {self.rendered_status.replace('_', ' ')}); {self.violations} rendered rule×page "
                f"problem(s)")
        return text + (f" [{self.reason}]" if self.reason else "")


def _tags(settings: SiteSettings) -> tuple[str, ...]:
    return (*WCAG_TAGS, "best-practice") if settings.best_practice else WCAG_TAGS


def _axe_rows(run_id: str, site_id: str, outcome: PageOutcome) -> list[dict[str, Any]]:
    rows = []
    for kind, results in (("violation", outcome.violations), ("incomplete", outcome.incomplete)):
        for result in results:
            rows.append({"run_id": run_id, "site_id": site_id, "url": outcome.task.url,
                         "template_fp": outcome.task.template_fp, "source": "axe", "rule": result.rule,
                         "outcome": kind, "impact": result.impact, "node_count": result.count,
                         "nodes": dumps(result.nodes)})
    return rows


class A11yStage:
    """Runs the step over one run's sites, in the browser its caller shares with the next step (acquire.py)."""

    def __init__(self, store: Store, run_id: str, browser: SharedBrowser, *, user_agent: str | None = None,
                 on_site: Callable[[SiteSummary], None] | None = None):
        self.store = store
        self.run_id = run_id
        self.browser = browser
        self.user_agent = user_agent or store.run(run_id).get("user_agent") or "portal-audit"
        self.on_site = on_site

    async def run(self, site_ids: list[str] | None = None) -> list[SiteSummary]:
        sites = [s for s in self.store.sites(self.run_id) if site_ids is None or s["id"] in site_ids]
        self._begin()
        summaries: list[SiteSummary] = []
        status = "failed"
        try:
            for site in sites:
                summary = await self._site(site)
                summaries.append(summary)
                if self.on_site is not None:
                    self.on_site(summary)
            status = "finished"
        except (KeyboardInterrupt, asyncio.CancelledError):
            status = "interrupted"
            raise
        finally:
            self._end(status)
        return summaries

    def _begin(self) -> None:
        with self.store.db.atomic():
            self.store.db["a11y_runs"].upsert({
                "run_id": self.run_id, "status": "running", "axe_version": axe_version(), "browser": None,
                "browser_error": None, "tags": dumps(list(WCAG_TAGS)), "started_at": utcnow(), "finished_at": None,
            }, pk="run_id")

    def _end(self, status: str) -> None:
        with self.store.db.atomic():
            self.store.db["a11y_runs"].update(self.run_id, {
                "status": status, "finished_at": utcnow(), "browser_error": self.browser.error,
                "browser": self.browser.label})

    async def _site(self, site: dict[str, Any]) -> SiteSummary:
        settings = SiteSettings.from_row(site)
        if site["status"] not in CRAWLED_STATUSES:
            summary = SiteSummary(site["id"], "not_checked",
                                  f"site not crawled ({site['status']}: {site.get('status_reason') or 'no pages'})")
            self._save(site["id"], summary, [], [])
            return summary
        candidates, home_html, aliases = self._candidates(site["id"])
        summary = SiteSummary(site["id"], "not_checked", pages=len(candidates),
                              templates=len({c.template_fp for c in candidates}))
        menu = [aliases.get(u, u) for u in menu_targets(*home_html)] if home_html else []
        choices = choose_pages(candidates, mode=settings.render, budget=settings.budget,
                               per_template=settings.per_template, menu=menu)
        outcomes: list[PageOutcome] = []
        if settings.render == "none":
            summary.reason = "render: none in the registry; rendered rules (contrast, ARIA, focus) not checked"
        elif choices:
            browser = await self.browser.get()
            if browser is None:
                summary.reason = f"rendered rules not checked: {self.browser.error}"
            else:
                tasks = self._tasks(site["id"], choices)
                outcomes = await audit_pages(browser, tasks, allowance=settings.allowance,
                                             user_agent=self.user_agent, page_timeout=settings.timeout,
                                             tags=_tags(settings))
                self._rendered_status(summary, outcomes)
        axe_rows = [row for outcome in outcomes if outcome.status == "ok" for row in _axe_rows(
            self.run_id, site["id"], outcome)]
        summary.violations = sum(1 for r in axe_rows if r["outcome"] == "violation")
        self._save(site["id"], summary, axe_rows, outcomes)
        return summary

    def _candidates(self, site_id: str) -> tuple[list[Candidate], tuple[str, str] | None, dict[str, str]]:
        """Every stored page once: template groups to sample from, and the home page for its menu.

        Read from the page rows, not the bodies: a page with a template_fp was parsed by the crawl with the same
        parse_html, so only pages without one (rare) and the home page are decoded and parsed here. The static
        rules, judged by the audit, parse every page; doing it here too cost the render stage 0.8 ms a page.
        """
        candidates: list[Candidate] = []
        aliases: dict[str, str] = {}
        home: tuple[str, str] | None = None
        seen: set[str] = set()
        for page in self.store.query(
                "SELECT id, url, final_url, template_fp, depth, title FROM pages WHERE run_id = ? AND site_id = ? "
                "AND status = 200 AND html_zlib IS NOT NULL ORDER BY id", [self.run_id, site_id]):
            aliases[page["url"]] = page["final_url"]
            if page["final_url"] in seen:
                continue
            seen.add(page["final_url"])
            is_home = home is None and page["depth"] == 0
            text = self._text(page["id"]) if is_home or page["template_fp"] is None else None
            if text is not None and parse_html(text) is None:
                continue
            candidates.append(Candidate(page["final_url"], page["template_fp"], page["depth"] or 0, page["title"]))
            if is_home and text is not None:
                home = (text, page["final_url"])
        return candidates, home, aliases

    def _text(self, page_id: int) -> str:
        row = next(iter(self.store.query("SELECT content_type, html_zlib FROM pages WHERE id = ?", [page_id])))
        return decode_html(decompress_html(row["html_zlib"]), row["content_type"]).text

    def _tasks(self, site_id: str, choices: list[Any]) -> list[PageTask]:
        tasks = []
        for choice in choices:
            row = next(iter(self.store.query(
                "SELECT final_url, content_type, template_fp, html_zlib FROM pages WHERE run_id = ? AND site_id = ? "
                "AND final_url = ? AND status = 200 AND html_zlib IS NOT NULL LIMIT 1",
                [self.run_id, site_id, choice.url])), None)
            if row is not None:
                tasks.append(PageTask(row["final_url"], decompress_html(row["html_zlib"]), row["content_type"],
                                      row["template_fp"], choice.reason))
        return tasks

    @staticmethod
    def _rendered_status(summary: SiteSummary, outcomes: list[PageOutcome]) -> None:
        ok = [o for o in outcomes if o.status == "ok"]
        summary.pages_rendered = len(ok)
        summary.templates_rendered = len({o.task.template_fp for o in ok})
        failed = [o for o in outcomes if o.status != "ok"]
        if not ok:
            summary.rendered_status = "not_checked"
            summary.reason = "no page could be rendered: " + (failed[0].error or failed[0].status if failed else "")
        elif failed:
            summary.rendered_status = "partial"
            summary.reason = f"{len(failed)} of {len(outcomes)} page(s) could not be rendered ({failed[0].status}: " \
                             f"{failed[0].error})"
        else:
            summary.rendered_status = "checked"

    def _save(self, site_id: str, summary: SiteSummary, rows: list[dict[str, Any]],
              outcomes: list[PageOutcome]) -> None:
        db = self.store.db
        at = utcnow()
        with db.atomic():
            db.execute("DELETE FROM renders WHERE run_id = ? AND site_id = ?", [self.run_id, site_id])
            db.execute("DELETE FROM a11y_results WHERE run_id = ? AND site_id = ? AND source = 'axe'",
                       [self.run_id, site_id])
            db["a11y_results"].insert_all(rows, batch_size=1000)
            db["renders"].insert_all(({"run_id": self.run_id, "site_id": site_id, "url": o.task.url,
                                       "template_fp": o.task.template_fp, "reason": o.task.reason,
                                       "status": o.status, "error": o.error, "ms": o.ms, "at": at}
                                      for o in outcomes), batch_size=1000)
            db["a11y_sites"].upsert({
                "run_id": self.run_id, "site_id": site_id, "rendered_status": summary.rendered_status,
                "reason": summary.reason, "pages": summary.pages, "templates": summary.templates,
                "pages_rendered": summary.pages_rendered, "templates_rendered": summary.templates_rendered},
                pk=("run_id", "site_id"))
