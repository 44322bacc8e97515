"""The weekly run (`portal-audit run`): crawl → render → audit → score → report, one call, resumable.

Each stage reads and writes the store only, so an interrupted run continues where the store says it
stopped: a crawl that did not finish is resumed in the same run (nothing stored is fetched again), sites
the accessibility stage has not saved are rendered, and the audit, scores and report, which are cheap
and deterministic, are simply computed again. The caller holds the database lock (portal_audit/lock.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal_audit.publishing import degraded_folder, network_failure, record_publication
from portal_audit.registry import Registry
from portal_audit.store import Store, StoreError

log = logging.getLogger("portal_audit.run")

# A site is fully audited when its crawl reached it and both accessibility passes ran.
FAILED_CRAWL = ("unreachable", "pending", "crawling")


@dataclass
class WeeklyResult:
    run_id: str
    crawl_status: str                       # finished | interrupted
    resumed: bool
    sites: list[dict[str, Any]]
    not_fully_checked: dict[str, str] = field(default_factory=dict)   # site id → why
    report: Path | None = None
    document: dict[str, Any] | None = None
    diff: dict[str, Any] | None = None
    degraded: str | None = None             # why the run looks like our own network failure (publishing.py)
    held: bool = False                      # degraded, so the report went beside the published one


    @property
    def complete(self) -> bool:
        return self.crawl_status == "finished" and not self.not_fully_checked


def resumable_run(store: Store, registry: Registry, out: Path, force_publish: bool = False) -> dict[str, Any] | None:
    """The run of these sites that still has work left: a crawl left running (killed) or interrupted, or
    the newest run when its crawl finished but its accessibility stage, audit or report did not (a degraded
    run's report beside ``out`` counts, unless it is now to be published)."""
    from portal_audit.acquire import sites_to_render

    sites = {(s.id, s.url) for s in registry.sites}
    unfinished = store.resumable_run(sites)
    if unfinished is not None:
        return unfinished
    try:
        newest = store.run(None)
    except StoreError:
        return None
    if newest["status"] != "finished" or {(s["id"], s["url"]) for s in store.sites(newest["id"])} != sites:
        return None
    audited = store.is_audited(newest["id"])
    reported = {reported_run(out)} | (set() if force_publish else {reported_run(degraded_folder(out))})
    done = audited and not sites_to_render(store, newest["id"]) and newest["id"] in reported
    return None if done else newest


def reported_run(out: Path) -> str | None:
    """The run id of the report published in ``out`` (its data/summary.json), None when there is none."""
    try:
        summary = json.loads((out / "data" / "summary.json").read_text(encoding="utf-8"))
        return str(summary["run"]["id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_weekly(registry: Registry, store: Store, out: Path, *, lang: str = "vi", resume: bool = False,
               use_browser: bool = True, force_publish: bool = False, crawl: Callable[..., Any],
               echo: Callable[[str], None]) -> WeeklyResult:
    """Run every stage for ``registry`` into ``store`` and write the report to ``out`` (to ``<out>.degraded``
    when the run is degraded, unless ``force_publish``).

    ``crawl(registry, store, resume_run_id)`` runs (or resumes) the crawl and returns a CrawlOutcome; it is
    passed in so that the command line can wrap it in its progress display.
    """
    from portal_audit.acquire import render_and_measure
    from portal_audit.audit.engine import audit_run

    previous = resumable_run(store, registry, out, force_publish) if resume else None
    if resume and previous is None:
        echo("nothing to resume: every run of these sites is complete; starting a new run")
    if previous is not None and previous["status"] == "finished":
        run_id, crawl_status = previous["id"], "finished"
        echo(f"run {run_id}: crawl already finished; continuing with the later stages")
    else:
        outcome = crawl(registry, store, previous["id"] if previous else None)
        run_id, crawl_status = outcome.run_id, outcome.status
    result = WeeklyResult(run_id, crawl_status, previous is not None, store.sites(run_id))
    if crawl_status != "finished":
        return result

    rendered = render_and_measure(store, run_id, use_browser=use_browser, resume=previous is not None,
                                  on_site=lambda s: echo(s.line()))
    if rendered.browser_error:
        echo(f"rendered accessibility rules NOT CHECKED: {rendered.browser_error}")
    counts = audit_run(store, run_id)
    echo("findings: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for row in store.query("SELECT site_id, rendered_status, reason FROM a11y_sites WHERE run_id = ?", [run_id]):
        if row["rendered_status"] != "checked":
            result.not_fully_checked[row["site_id"]] = row["reason"] or "accessibility not fully checked"

    from portal_audit.report.render import publish_report

    result.degraded = network_failure(store.sites(run_id))
    result.held = bool(result.degraded) and not force_publish
    target = degraded_folder(out) if result.held else out
    if result.held:
        echo(f"run degraded: {result.degraded}; the published report in {out} is kept, this run's report goes "
             f"to {target} (publish it with --force-publish)")
    result.report, result.document, result.diff = publish_report(store, target, lang, run_id)
    record_publication(store, run_id, target, "degraded" if result.held else "forced" if result.degraded
                       else "published", result.degraded)
    result.sites = store.sites(run_id)
    for site in result.sites:
        if site["status"] in FAILED_CRAWL:
            result.not_fully_checked[site["id"]] = f"crawl {site['status']}: {site['status_reason'] or ''}".strip()
    return result


def biggest_changes(diff: dict[str, Any] | None, limit: int = 5) -> list[tuple[str, float]]:
    """Sites whose score moved most since the previous run (availability changes are not score news)."""
    if not diff:
        return []
    moves = [(site_id, entry["score"]["change"]) for site_id, entry in diff["sites"].items()
             if entry.get("status") == "compared" and (entry.get("score") or {}).get("change")]
    return sorted(moves, key=lambda m: -abs(m[1]))[:limit]


def print_run_summary(result: WeeklyResult, store: Store, console: Any) -> None:
    """The lines cron mails on Monday: per site status and score, what moved, where the report is."""
    from rich.table import Table

    scored = {s["id"]: s for s in (result.document or {}).get("sites", [])}
    changes = (result.diff or {}).get("sites") or {}
    table = Table(title=f"run {result.run_id} ({'resumed, ' if result.resumed else ''}{result.crawl_status})")
    for column in ("site", "crawl", "pages", "score", "since last run", "note"):
        table.add_column(column)
    for site in result.sites:
        entry = scored.get(site["id"], {})
        score = entry.get("score")
        change = changes.get(site["id"], {})
        moved = (change.get("score") or {}).get("change")
        since = ("—" if not change else change["status"] if change["status"] != "compared"
                 else f"{moved:+.1f}; new {len(change['new'])}, fixed {len(change['fixed'])}" if moved is not None
                 else f"new {len(change['new'])}, fixed {len(change['fixed'])}")
        table.add_row(site["id"], site["status"], str(site["pages_ok"] or 0),
                      "not scored" if score is None else f"{score:.1f} ({entry.get('grade')})", since,
                      (result.not_fully_checked.get(site["id"]) or "")[:70])
    console.print(table)
    counts: dict[str, int] = {}
    for site in result.sites:
        counts[site["status"]] = counts.get(site["status"], 0) + 1
    console.print("sites: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    moves = biggest_changes(result.diff)
    if moves:
        console.print("biggest changes: " + ", ".join(f"{site_id} {change:+.1f}" for site_id, change in moves))
    if result.report is not None and result.held:
        console.print(f"report NOT published (run degraded: {result.degraded}): {result.report}")
    elif result.report is not None:
        console.print(f"report: {result.report}")
    console.print(f"database: {store.path}")
    log.info("run %s %s: %s; report %s", result.run_id, result.crawl_status,
             ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), result.report)
