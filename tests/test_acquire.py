"""Acquire runs the gather steps in order; page speed is a step of its own after the axe renders.

The browser is replaced here by a stand-in that records what it was asked to load: which pages each site
gets, which sites are skipped, and what a resumed run still loads are decided from the store, not by the
browser (tests/test_technical_speed.py and test_browser_bounds.py load real pages).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from portal_audit import acquire
from portal_audit.store import Store, compress_html
from portal_audit.technical import speed_step
from portal_audit.technical.speed import Measurement

HOME = "https://a.vn/"


class StandInBrowser:
    """SharedBrowser's interface; ``get`` hands out a token instead of starting Chromium."""

    def __init__(self, enabled: bool = True, **_: Any) -> None:
        self.error: str | None = None if enabled else "rendering turned off (--no-browser)"
        self.started = 0
        self.label = "stand-in"

    async def get(self) -> object | None:
        if self.error is None:
            self.started += 1
            return object()
        return None

    async def stop(self) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path) -> Any:
    store = Store(tmp_path / "a.db")
    db = store.db
    db["runs"].insert({"id": "r", "started_at": "2026-12-01T01:00:00+00:00", "status": "running",
                       "user_agent": "ua", "sites_total": 4})
    sites = [("a", "ok", {}), ("b", "ok", {"render": "none"}), ("c", "unreachable", {}), ("d", "partial", {})]
    db["sites"].insert_all({"run_id": "r", "id": site_id, "name": site_id, "unit_type": "other",
                            "url": f"https://{site_id}.vn/", "status": status, "config": json.dumps(config)}
                           for site_id, status, config in sites)
    pages = [("a", "https://a.vn/", 0, 40), ("a", "https://a.vn/cham", 1, 900), ("a", "https://a.vn/vua", 1, 300),
             ("a", "https://a.vn/nhanh", 1, 10), ("a", "https://a.vn/home-alias", 1, 5000),
             ("b", "https://b.vn/", 0, 10), ("d", "https://d.vn/", 0, 10)]
    db["pages"].insert_all({"run_id": "r", "site_id": site_id, "url": url, "final_url": HOME if "alias" in url
                            else url, "status": 200, "depth": depth, "elapsed_ms": ms,
                            "content_type": "text/html; charset=utf-8", "html_zlib": compress_html(b"<p>x</p>")}
                           for site_id, url, depth, ms in pages)
    store.finish_run("r", "finished")
    yield store
    store.close()


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    made: list[tuple[str, str]] = []

    async def fake_measure(browser: Any, url: str, viewport: str, **_: Any) -> Measurement:
        made.append((url, viewport))
        return Measurement(url, viewport, load_ms=100)

    monkeypatch.setattr(speed_step, "measure", fake_measure)
    return made


def test_each_crawled_site_gets_its_home_page_and_slowest_pages_and_render_none_gets_no_browser(
        store: Store, loads: list[tuple[str, str]]) -> None:
    browser = StandInBrowser()
    per_site = asyncio.run(speed_step.measure_sites(store, "r", browser, "ua"))  # type: ignore[arg-type]
    # the home page's alias is not loaded twice, however slow the crawl found it
    assert loads == [(HOME, "desktop"), ("https://a.vn/cham", "desktop"), ("https://a.vn/vua", "desktop"),
                     (HOME, "phone"), ("https://d.vn/", "desktop"), ("https://d.vn/", "phone")]
    assert per_site == {"a": 4, "b": 0, "c": 0, "d": 2}
    assert {r["site_id"] for r in store.query("SELECT site_id FROM page_speed")} == {"a", "d"}
    assert speed_step.sites_to_measure(store, "r") == []


def test_without_a_browser_nothing_is_measured_and_the_sites_stay_to_measure(
        store: Store, loads: list[tuple[str, str]]) -> None:
    browser = StandInBrowser(enabled=False)
    asyncio.run(speed_step.measure_sites(store, "r", browser, "ua"))  # type: ignore[arg-type]
    assert loads == [] and store.db["page_speed"].count == 0
    assert speed_step.sites_to_measure(store, "r") == ["a", "d"]


def test_a_resumed_run_renders_and_measures_only_what_is_missing(
        store: Store, loads: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(acquire, "SharedBrowser", StandInBrowser)
    rendered: list[list[str] | None] = []

    async def fake_axe(self: Any, site_ids: list[str] | None = None) -> list[Any]:
        rendered.append(site_ids)
        return []

    monkeypatch.setattr(acquire.A11yStage, "run", fake_axe)
    acquire.render_and_measure(store, "r")
    assert rendered == [None] and {url for url, _ in loads} >= {HOME, "https://d.vn/"}
    # an attempt interrupted after the axe step had saved a, b and c, and before d's speed was saved
    store.db["a11y_sites"].insert_all({"run_id": "r", "site_id": s, "rendered_status": "checked"} for s in "abc")
    store.db.execute("DELETE FROM page_speed WHERE site_id = 'd'")
    loads.clear()
    rendered.clear()
    acquire.render_and_measure(store, "r", resume=True)
    assert rendered == [["d"]]
    assert loads == [("https://d.vn/", "desktop"), ("https://d.vn/", "phone")]
    # nothing left: a second resume starts no step at all
    loads.clear()
    rendered.clear()
    store.db["a11y_sites"].insert({"run_id": "r", "site_id": "d", "rendered_status": "checked"})
    acquire.render_and_measure(store, "r", resume=True)
    assert rendered == [] and loads == []


def test_the_crawl_step_leaves_the_run_open_for_the_steps_before_the_freeze(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Discovery and host facts write rows that freeze with the run: they must run before it is finished."""
    from portal_audit.crawl import runner

    for run_id in ("r2", "r3"):
        store.db.execute("INSERT INTO runs (id, started_at, status, user_agent, sites_total) "
                         "VALUES (?, '2026-12-02T01:00:00+00:00', 'running', 'ua', 0)", [run_id])
    seen: list[tuple[str, str]] = []

    def fake_crawl(registry: Any, store: Store, **_: Any) -> runner.CrawlOutcome:
        return runner.CrawlOutcome(run_id="r2", status="finished", sites=[])

    def step(name: str) -> Any:
        return lambda store, run_id, registry: seen.append((name, store.run(run_id)["status"]))

    monkeypatch.setattr(runner, "crawl_registry", fake_crawl)
    monkeypatch.setattr(acquire, "discover_menus", step("discovery"))
    monkeypatch.setattr(acquire, "gather_host_facts", step("host facts"))
    outcome = acquire.crawl_and_freeze(object(), store)  # type: ignore[arg-type]
    assert seen == [("discovery", "running"), ("host facts", "running")]
    assert outcome.status == "finished" and store.run("r2")["status"] == "finished"

    seen.clear()
    monkeypatch.setattr(runner, "crawl_registry", lambda registry, store, **_: runner.CrawlOutcome(
        run_id="r3", status="interrupted", sites=[]))
    assert acquire.crawl_and_freeze(object(), store).status == "interrupted"  # type: ignore[arg-type]
    assert seen == [] and store.run("r3")["status"] == "interrupted"
