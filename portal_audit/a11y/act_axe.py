"""The axe path of the ACT harness: every example rendered in Chromium, as the render stage does it.

The examples load their assets from ``/WAI/content-assets/wcag-act-rules/`` (shared/act/README.md), so the
folder is served at that prefix on 127.0.0.1 and each example is audited with the render stage's own
code (``audit_pages``: bundled axe, production tags, the example's bytes as the main document). Which axe
rules answer which ACT rule comes from W3C's published axe-core implementation report (its
``procedureNames``), restricted to the ACT rules the static rules claim, so both columns cover the same rules.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from portal_audit.a11y.act import HTML_SUFFIXES, load_index
from portal_audit.a11y.axe import WCAG_TAGS, PageTask, audit_pages
from portal_audit.render.browser import RenderBrowser

PREFIX = "/WAI/content-assets/wcag-act-rules/"


@contextmanager
def serve_act(act_dir: Path) -> Iterator[str]:
    """Serve ``act_dir`` at PREFIX on a free loopback port; yield the base URL (with the prefix)."""

    class Handler(SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            path = path.split("?", 1)[0].split("#", 1)[0]
            inner = path[len(PREFIX):] if path.startswith(PREFIX) else "__outside__"
            return str(act_dir / inner)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(act_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()


def axe_claims(act_dir: Path, act_rules: set[str]) -> dict[str, set[str]]:
    """ACT rule id → axe rule ids, from W3C's implementation report of axe-core."""
    report = json.loads((act_dir / "implementations" / "axe-core.json").read_text("utf-8"))
    claims: dict[str, set[str]] = {}
    for mapping in report["actRuleMapping"]:
        if mapping["ruleId"] in act_rules and mapping.get("procedureNames"):
            claims[mapping["ruleId"]] = set(mapping["procedureNames"])
    return claims


def axe_results(act_dir: Path, act_rules: set[str], tags: tuple[str, ...] = (*WCAG_TAGS, "best-practice")) -> \
        dict[Path, set[str] | None]:
    """Rule ids axe reports (violations only) on each example of the given ACT rules; None when not run."""
    cases = [c for c in load_index(act_dir) if c.rule_id in act_rules]

    async def run(base: str) -> dict[Path, set[str] | None]:
        browser = await RenderBrowser().start()
        try:
            tasks = [PageTask(base + str(c.path.relative_to(act_dir)), c.path.read_bytes(),
                              "text/html; charset=utf-8", None, c.rule_id)
                     for c in cases if c.path.suffix.lower() in HTML_SUFFIXES]
            outcomes = await audit_pages(browser, tasks, allowance=True, user_agent="portal-audit-act",
                                         page_timeout=10, tags=tags)
        finally:
            await browser.stop()
        by_url: dict[str, Any] = {o.task.url: o for o in outcomes}
        results: dict[Path, set[str] | None] = {}
        for case in cases:
            outcome = by_url.get(base + str(case.path.relative_to(act_dir)))
            ok = outcome is not None and outcome.status == "ok"
            results[case.path] = {v.rule for v in outcome.violations} if ok else None
        return results

    with serve_act(act_dir) as base:
        return asyncio.run(run(base))
