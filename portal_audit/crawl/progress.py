"""Crawl progress for people: a live per-site table on a terminal, plain log lines otherwise (cron, CI)."""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from portal_audit.spiders.site_spider import SiteProgress


class LiveTable:
    """Rich live table, refreshed from the spiders' counters; used when stderr is a terminal."""

    def __init__(self, total_sites: int, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.total = total_sites
        self.live = Live(console=self.console, refresh_per_second=4, transient=False)

    def __enter__(self) -> LiveTable:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.__exit__(*exc)

    def __call__(self, sites: list[SiteProgress]) -> None:
        table = Table(title=f"portal-audit crawl: {sum(s.done for s in sites)}/{self.total} sites done")
        for column in ("site", "fetched", "queued", "errors", "link checks", "state"):
            table.add_column(column, justify="left" if column in ("site", "state") else "right")
        for s in sites:
            table.add_row(s.site_id, str(s.fetched), str(max(s.scheduled - s.fetched, 0)), str(s.errors),
                          str(s.checks), "done" if s.done else "crawling")
        self.live.update(table)


class LogLines:
    """One line per site at most every ``every`` seconds, and one when it ends; for logs and cron mail."""

    def __init__(self, every: float = 10.0, stream: Any = None):
        self.every = every
        self.stream = stream or sys.stderr
        self._last: dict[str, float] = {}
        self._ended: set[str] = set()

    def __enter__(self) -> LogLines:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, sites: list[SiteProgress]) -> None:
        now = time.monotonic()
        for s in sites:
            if s.site_id in self._ended:
                continue
            if s.done:
                self._ended.add(s.site_id)
            elif now - self._last.get(s.site_id, 0.0) < self.every:
                continue
            self._last[s.site_id] = now
            state = "done" if s.done else "crawling"
            print(f"[crawl] {s.site_id}: {state}, {s.fetched} fetched, {s.errors} errors", file=self.stream,
                  flush=True)


def make_progress(total_sites: int, quiet: bool = False) -> LiveTable | LogLines | None:
    if quiet:
        return None
    return LiveTable(total_sites) if sys.stderr.isatty() else LogLines()
