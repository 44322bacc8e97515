"""Resume after a crash: a crawl killed with SIGKILL (or stopped with SIGTERM) continues in the same run with
`crawl --resume`, re-fetches nothing it stored, and ends with the pages an uninterrupted crawl stores.

The demo province is served in the test process (DemoProvince counts every request per host), the crawls run
as subprocesses as a user runs them. The demo's crawl is deterministic (no site exhausts its page budget; two
uninterrupted crawls store the same page URLs, checked below), so the sets can be compared site by site, except
inside the planted crawler traps, where the pages reached depend on the order of discovery (see check_resumed).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import ROOT, run_cli

from portal_audit.demo.server import DemoProvince

ANSWERS = ROOT / "portal_audit" / "demo" / "answers"


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoProvince, Path]]:
    out = tmp_path_factory.mktemp("resume")
    with DemoProvince() as demo:
        # No browser in these crawls: render discovery is not what is being tested, and it needs Chromium.
        text = demo.write_registry(out / "demo.sites.yaml").read_text(encoding="utf-8")
        registry = out / "demo.sites.yaml"
        assert "  render: sample\n" in text
        registry.write_text(text.replace("  render: sample\n", "  render: none\n"), encoding="utf-8")
        yield demo, registry


@pytest.fixture(scope="module")
def reference(province: tuple[DemoProvince, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Page URLs per site of an uninterrupted crawl; run twice to show the crawl is deterministic."""
    _, registry = province
    out = tmp_path_factory.mktemp("reference")
    sets = []
    for name in ("a.db", "b.db"):
        result = run_cli("crawl", "--config", str(registry), "--db", str(out / name), "-q", "--no-cache")
        assert result.returncode in (0, 1), result.stdout + result.stderr
        sets.append(page_urls(out / name))
        con = sqlite3.connect(out / name)
        assert con.execute("SELECT count(*) FROM sites WHERE budget_exhausted = 1").fetchone()[0] == 0
        con.close()
    assert sets[0] == sets[1]
    return sets[0]


def page_urls(db: Path, run_id: str | None = None) -> dict[str, set[str]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    where = "WHERE run_id = ?" if run_id else ""
    out: dict[str, set[str]] = {}
    for site, url in con.execute(f"SELECT site_id, url FROM pages {where}", (run_id,) if run_id else ()):
        out.setdefault(site, set()).add(path_of(url))
    con.close()
    return out


def fetched_urls(db: Path) -> dict[str, set[str]]:
    """Per site, the URLs its stored pages were fetched from: requested URL, redirect hops and final URL."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out: dict[str, set[str]] = {}
    for site, url, final_url, redirects in con.execute("SELECT site_id, url, final_url, redirects FROM pages"):
        hops = [h["url"] for h in json.loads(redirects)] if redirects else []
        out.setdefault(site, set()).update(path_of(u) for u in (url, final_url, *hops))
    con.close()
    return out


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.port}|{parts.path}" + (f"?{parts.query}" if parts.query else "")


def hits(demo: DemoProvince) -> Counter[str]:
    """GET requests per URL (port + target) the demo hosts received so far."""
    counter: Counter[str] = Counter()
    for server in demo.servers.values():
        port = server.server_address[1]
        counter.update(f"{port}|{target}" for method, target in list(server.hits) if method == "GET")
    return counter


def start_crawl(registry: Path, db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "portal_audit", "crawl", "--config", str(registry), "--db", str(db),
                             "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def wait_for_pages(db: Path, proc: subprocess.Popen[str], at_least: int) -> int:
    """Poll the database read-only until ``at_least`` pages are stored (the crawl must still be running)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the crawl ended before it could be interrupted"
        if db.exists():
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
                count = con.execute("SELECT count(*) FROM pages").fetchone()[0]
                con.close()
            except sqlite3.OperationalError:
                count = 0
            if count >= at_least:
                return count
        time.sleep(0.05)
    raise AssertionError("no pages stored in time")


def check_resumed(db: Path, run_id: str, reference: dict[str, set[str]], before: Counter[str],
                  after: Counter[str], fetched_before: dict[str, set[str]]) -> None:
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT id, status FROM runs").fetchall() == [(run_id, "finished")]
    assert con.execute("SELECT count(*) FROM sites WHERE finished_at IS NULL OR status IN ('pending', 'crawling')"
                       ).fetchone()[0] == 0
    dupes = con.execute("SELECT site_id, url, count(*) FROM pages GROUP BY site_id, url HAVING count(*) > 1").fetchall()
    assert dupes == []
    # Counters recomputed from the stored rows.
    for site, pages, links in con.execute("SELECT id, pages, links FROM sites"):
        assert pages == con.execute("SELECT count(*) FROM pages WHERE site_id = ?", (site,)).fetchone()[0]
        assert links == con.execute("SELECT count(*) FROM links WHERE site_id = ?", (site,)).fetchone()[0]
    # Host facts gathered for every crawled site, the ones finished before the crash included.
    crawled = {r[0] for r in con.execute("SELECT id FROM sites WHERE status IN ('ok', 'partial')")}
    assert {r[0] for r in con.execute("SELECT DISTINCT site_id FROM host_facts")} == crawled
    con.close()
    # Same pages as the uninterrupted crawl, except inside the planted crawler traps: there the pages reached
    # depend on the order of discovery (a week page first found through a longer chain of weeks gets a larger
    # depth, so fewer weeks fit under max_depth), in a resumed crawl as between two unlucky uninterrupted ones.
    # The traps are held to the answer key's bounds instead.
    resumed = page_urls(db)
    assert resumed.keys() == reference.keys()
    for site, urls in resumed.items():
        traps = (yaml.safe_load((ANSWERS / f"{site}.yaml").read_text(encoding="utf-8"))["crawl"].get("traps") or [])

        def in_trap(url: str, prefix: str) -> bool:
            return url.split("|", 1)[1].startswith(prefix)

        outside = {u for u in urls if not any(in_trap(u, t["prefix"]) for t in traps)}
        expected = {u for u in reference[site] if not any(in_trap(u, t["prefix"]) for t in traps)}
        assert sorted(outside ^ expected) == [], site
        for trap in traps:
            inside = [u for u in urls if in_trap(u, trap["prefix"])]
            assert trap["min_pages"] <= len(inside) <= trap["max_pages"], (site, trap["prefix"])
    # No page stored before the resume was requested again by it. Sites overlap (the portal's whole host holds
    # a department's scoped site), so a URL may be fetched once per site that still had to store it; and the
    # host-facts step sends one GET / per crawled site (technical/gather.py).
    fetched_after = fetched_urls(db)
    allowed: Counter[str] = Counter()
    for site, urls in fetched_after.items():
        allowed.update(urls - fetched_before.get(site, set()))
        allowed[f"{urlsplit(site_url(db, site)).port}|/"] += 1
    stored = set().union(*fetched_before.values())
    again = {url: (after[url] - before[url], allowed[url]) for url in stored
             if after[url] - before[url] > allowed[url]}
    assert again == {}


def site_url(db: Path, site: str) -> str:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    url = con.execute("SELECT url FROM sites WHERE id = ?", (site,)).fetchone()[0]
    con.close()
    return str(url)


def test_sigkill_then_resume_continues_the_same_run(province: tuple[DemoProvince, Path],
                                                    reference: dict[str, set[str]], tmp_path: Path) -> None:
    demo, registry = province
    db = tmp_path / "audit.db"
    proc = start_crawl(registry, db)
    wait_for_pages(db, proc, 30)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    (run_id, status), = con.execute("SELECT id, status FROM runs").fetchall()
    assert status == "running"  # nobody could mark it
    con.close()
    stored_before = page_urls(db)
    assert sum(map(len, stored_before.values())) < sum(map(len, reference.values()))
    fetched_before = fetched_urls(db)
    before = hits(demo)
    result = run_cli("crawl", "--config", str(registry), "--db", str(db), "-q", "--resume")
    assert result.returncode == 1, result.stdout + result.stderr  # the demo has unreachable sites: exit 1
    assert f"run {run_id} (finished)" in result.stdout.replace("\n", " ")
    check_resumed(db, run_id, reference, before, hits(demo), fetched_before)


def test_sigterm_marks_interrupted_then_resume_finishes(province: tuple[DemoProvince, Path],
                                                        reference: dict[str, set[str]], tmp_path: Path) -> None:
    demo, registry = province
    db = tmp_path / "audit.db"
    proc = start_crawl(registry, db)
    wait_for_pages(db, proc, 30)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, out + err
    con = sqlite3.connect(db)
    (run_id, status), = con.execute("SELECT id, status FROM runs").fetchall()
    assert status == "interrupted"
    con.close()
    fetched_before = fetched_urls(db)
    before = hits(demo)
    result = run_cli("crawl", "--config", str(registry), "--db", str(db), "-q", "--resume")
    assert result.returncode == 1, result.stdout + result.stderr
    check_resumed(db, run_id, reference, before, hits(demo), fetched_before)
    # Nothing left to resume now: a clear usage error.
    again = run_cli("crawl", "--config", str(registry), "--db", str(db), "-q", "--resume")
    assert again.returncode == 2
    assert "nothing to resume" in again.stderr


def test_resume_with_nothing_to_resume_is_a_usage_error(province: tuple[DemoProvince, Path], tmp_path: Path) -> None:
    _, registry = province
    result = run_cli("crawl", "--config", str(registry), "--db", str(tmp_path / "empty.db"), "-q", "--resume")
    assert result.returncode == 2
    assert "nothing to resume" in result.stderr


def test_resume_after_the_crawl_ended_runs_only_the_missing_steps(tmp_path: Path, scripted_server: Any) -> None:
    """Killed after every site's crawler ended (during host facts): the resume fetches no page, only gathers."""
    scripted_server.page("/", '<html><title>Trang chủ</title><a href="/a">A</a></html>')
    scripted_server.page("/a", "<html><title>A</title></html>")
    config = tmp_path / "sites.yaml"
    config.write_text(f"""province: Test
defaults: {{allow_private_networks: ["127.0.0.1/32"], delay: 0, retries: 0}}
sites:
  - {{id: so-a, name: "Sở A", unit_type: other, url: "{scripted_server.base}/"}}
""", encoding="utf-8")
    db = tmp_path / "audit.db"
    assert run_cli("crawl", "--config", str(config), "--db", str(db), "-q").returncode == 0
    con = sqlite3.connect(db)
    run_id = con.execute("SELECT id FROM runs").fetchone()[0]
    # What a kill during the host-facts step leaves: the run still 'running', no host facts yet.
    con.executescript("DROP TRIGGER runs_update_frozen; DROP TRIGGER host_facts_delete_frozen;"
                      "UPDATE runs SET status = 'running', finished_at = NULL; DELETE FROM host_facts;")
    con.commit()
    con.close()
    hits = len(scripted_server.hits)
    result = run_cli("crawl", "--config", str(config), "--db", str(db), "-q", "--resume")
    assert result.returncode == 0, result.stdout + result.stderr
    assert scripted_server.hits[hits:] == ["/"]  # technical/gather.py's one GET http://host/
    con = sqlite3.connect(db)
    assert con.execute("SELECT id, status FROM runs").fetchall() == [(run_id, "finished")]
    assert con.execute("SELECT count(*) FROM host_facts").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM pages").fetchone()[0] == 2
    con.close()
