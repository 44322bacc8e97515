"""Every connection a rendered page makes passes the crawler's network rule, in discovery, axe and speed alike.

The pages of tests/canary.py try every way out of a browser (WebSocket, Worker, SharedWorker, ServiceWorker,
resource hints, frames, redirects, navigation, beacons, WebRTC, popups, downloads) towards canary listeners
on 127.0.0.2 and [::1], while the registry allows only 127.0.0.1/32. Each test first runs the same pages with
those addresses allowed, and requires the canaries to be reached: the pages really do try, so zero
connections under the guard is the guard's doing, not a page that failed to load.
"""

from __future__ import annotations

import ipaddress
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from canary import HostileSite
from conftest import ScriptedServer, one_site_registry, with_render_browser

from portal_audit.a11y.axe import WCAG_TAGS, PageOutcome, PageTask, audit_pages
from portal_audit.render.browser import RenderBrowser
from portal_audit.technical.speed import Measurement, measure

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.1/32"),)
OPEN = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
# Ways out that reach the network from every stage when nothing stops them (the control run proves it);
# the others depend on the stage (the axe tab answers its own navigations with 204, for one).
ALWAYS_TRY = {"websocket", "worker", "shared-worker", "hints", "frames", "subresources", "beacons"}


@pytest.fixture
def hostile(scripted_server: ScriptedServer) -> Iterator[HostileSite]:
    site = HostileSite(scripted_server)
    try:
        yield site
    finally:
        site.close()


def _speed(site: HostileSite, allowance: Any) -> tuple[list[Measurement], int]:
    async def go(browser: RenderBrowser) -> tuple[list[Measurement], int]:
        measured = [await measure(browser, site.server.base + path, "desktop", allowance=allowance,
                                  user_agent="portal-audit-test", timeout=5) for path in site.paths]
        return measured, browser.refused(allowance).refused_total

    return with_render_browser(go)


def _axe(site: HostileSite, allowance: Any) -> tuple[list[PageOutcome], int]:
    tasks = [PageTask(site.server.base + path, site.server.routes[path].body, "text/html; charset=utf-8", "fp",
                      "all") for path in site.paths if path != "/redirect"]

    async def go(browser: RenderBrowser) -> tuple[list[PageOutcome], int]:
        outcomes = await audit_pages(browser, tasks, allowance=allowance, user_agent="portal-audit-test",
                                     page_timeout=5, tags=WCAG_TAGS)
        return outcomes, browser.refused(allowance).refused_total

    return with_render_browser(go)


def test_speed_loads_reach_no_address_outside_the_allowance(hostile: HostileSite) -> None:
    _speed(hostile, OPEN)
    reached = hostile.hits()
    assert ALWAYS_TRY | {"navigation", "redirect"} <= set(reached), reached
    for canary in hostile.all_canaries():
        canary.hits = 0
    measured, refused = _speed(hostile, LOOPBACK_ONLY)
    assert hostile.hits() == {}
    assert refused >= len(ALWAYS_TRY)
    # Only the pages that navigate away lose their measurement (the tab ends on the browser's error page).
    assert {m.url.rsplit("/", 1)[1] for m in measured if m.error} <= {"navigation", "refresh", "redirect"}


def test_axe_renders_reach_no_address_outside_the_allowance(hostile: HostileSite) -> None:
    _axe(hostile, OPEN)
    reached = hostile.hits()
    assert set(reached) >= ALWAYS_TRY, reached
    for canary in hostile.all_canaries():
        canary.hits = 0
    outcomes, refused = _axe(hostile, LOOPBACK_ONLY)
    assert hostile.hits() == {}
    assert refused >= len(ALWAYS_TRY)
    assert [o.status for o in outcomes] == ["ok"] * len(outcomes), \
        [(o.task.url, o.status, o.error) for o in outcomes if o.status != "ok"]


HOME = """<!doctype html><html lang="vi"><head><title>Trang chủ</title></head><body>
<nav><ul id="menu"></ul></nav><main><h1>Trang chủ</h1></main>
<script>
  for (const path of {paths}) {{
    const li = document.createElement("li"), a = document.createElement("a");
    a.href = path; a.textContent = path; li.appendChild(a); document.getElementById("menu").appendChild(li);
  }}
</script></body></html>"""


def _registry(tmp_path: Path, url: str, allow: str) -> Path:
    return one_site_registry(tmp_path / f"sites-{len(allow)}.yaml", url, "render: all", allow)


def test_render_discovery_and_the_render_stage_reach_no_address_outside_the_allowance(
        tmp_path: Path, hostile: HostileSite, cli) -> None:
    paths = hostile.paths
    # First in the menu, a redirect the browser itself refuses (ERR_UNSAFE_REDIRECT): one page's error, and
    # discovery goes on with the others.
    hostile.server.page("/tep", "", status=302, Location="file:///etc/passwd")
    hostile.server.page("/", HOME.format(paths=["/tep", *paths]))
    control = tmp_path / "control.db"
    result = cli("crawl", "--config", str(_registry(tmp_path, hostile.server.base, '["127.0.0.0/8", "::1/128"]')),
                 "--db", str(control), "-q")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    reached = hostile.hits()
    assert ALWAYS_TRY | {"redirect"} <= set(reached), reached
    for canary in hostile.all_canaries():
        canary.hits = 0

    db = tmp_path / "guarded.db"
    config = _registry(tmp_path, hostile.server.base, '["127.0.0.1/32"]')
    crawl = cli("crawl", "--config", str(config), "--db", str(db), "-q")
    assert crawl.returncode in (0, 1), crawl.stdout + crawl.stderr
    render = cli("render", "--db", str(db))
    assert render.returncode in (0, 1), render.stdout + render.stderr
    assert hostile.hits() == {}
    con = sqlite3.connect(db)
    rendered = {url.replace(hostile.server.base, "") for (url,) in con.execute(
        "SELECT url FROM pages WHERE via = 'render'")}
    # Discovery read the hostile pages; the two whose tab is sent to a canary (a redirect, a download link
    # clicked at once) are recorded as refused, not stored. A zero-second meta refresh races the read of its
    # body: stored, or refused, but one of the two.
    kinds = {url.replace(hostile.server.base, ""): kind for url, kind in con.execute(
        "SELECT url, kind FROM fetch_errors")}
    moved_away = {"/redirect", "/download"} | ({"/refresh"} if "/refresh" in kinds else set())
    assert set(paths) - moved_away == rendered, rendered
    assert kinds == {"/tep": "blocked_scheme", **{path: "blocked_private" for path in moved_away}}, kinds
    # ... and the render stage audited them with axe.
    statuses = dict(con.execute("SELECT url, status FROM renders"))
    assert {hostile.server.base + p for p in paths if p not in moved_away} <= set(statuses)
    assert set(statuses.values()) == {"ok"}, statuses
