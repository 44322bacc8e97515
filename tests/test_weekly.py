"""The weekly command (`portal-audit run`): one call for cron, a lock, resume after kill -9, week-over-week diff.

The demo province is served in the test process from a copy of its files (so one page can change between two
weekly runs, at the same addresses, as on a real site); the runs are subprocesses, as cron starts them.
Rendered accessibility rules are off (`--no-browser`) and so is discovery by browser (`render: none`): what is
tested here is the machinery around the stages, each of which has its own tests.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, run_cli
from test_resume import page_urls, wait_for_pages

from portal_audit.demo.server import HOSTS_DIR, DemoProvince
from portal_audit.lock import db_lock

ANSWERS = ROOT / "portal_audit" / "demo" / "answers"
LEADERS_PAGE = Path("portal") / "web" / "so-noi-vu" / "lanh-dao-so.html"


class Province:
    def __init__(self, demo: DemoProvince, registry: Path, hosts: Path):
        self.demo, self.registry, self.hosts = demo, registry, hosts


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    out = tmp_path_factory.mktemp("weekly")
    hosts = out / "hosts"
    shutil.copytree(HOSTS_DIR, hosts)
    with DemoProvince(hosts_dir=hosts) as demo:
        registry = demo.write_registry(out / "demo.sites.yaml")
        text = registry.read_text(encoding="utf-8")
        assert "  render: sample\n" in text
        registry.write_text(text.replace("  render: sample\n", "  render: none\n"), encoding="utf-8")
        yield Province(demo, registry, hosts)


def weekly(province: Province, db: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("run", "--config", str(province.registry), "--db", str(db), "--out", str(out), "--no-browser",
                   "--quiet", *extra, timeout=600)


def export(db: Path) -> dict[str, Any]:
    result = run_cli("export", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def traps_of(site: str) -> list[str]:
    answer = yaml.safe_load((ANSWERS / f"{site}.yaml").read_text(encoding="utf-8"))
    return [t["prefix"] for t in answer["crawl"].get("traps") or []]


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """What a resumed run must give exactly as an uninterrupted one: per site, the crawl status, every check's
    outcome and missing elements, the services and their levels, the accessibility rules found, the scores.
    Run ids, timestamps and page counts inside the planted crawler traps (whose reach depends on the order
    of discovery, see tests/test_resume.py) are left out."""
    out = {}
    for site in document["sites"]:
        out[site["id"]] = {
            "crawl": site["crawl"]["status"],
            "checks": {c["id"]: (c["outcome"], sorted(c["missing_elements"])) for c in site["checks"]},
            "services": sorted((s["name"], s["declared_level"], s["evidenced_level"]) for s in site["services"]),
            "accessibility": sorted({a["rule"] for a in site["accessibility"]}),
            "score": site["score"], "grade": site["grade"], "area_scores": site["area_scores"],
        }
    return out


def outside_traps(urls: dict[str, set[str]]) -> dict[str, set[str]]:
    return {site: {u for u in found if not any(u.split("|", 1)[1].startswith(p) for p in traps_of(site))}
            for site, found in urls.items()}


@pytest.fixture(scope="module")
def uninterrupted(province: Province, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("uninterrupted")
    db, report = out / "audit.db", out / "site"
    result = weekly(province, db, report, "--log", str(out / "run.log"))
    # The demo's old district site is unreachable on purpose, and rendered rules are off: exit 1, not 0.
    assert result.returncode == 1, result.stdout + result.stderr
    return db, report


def test_run_writes_everything_and_says_so(uninterrupted: tuple[Path, Path], province: Province) -> None:
    db, report = uninterrupted
    assert (report / "index.html").is_file()
    assert (report / "sites" / "so-noi-vu.html").is_file()
    assert (report / "data" / "findings.csv").is_file()
    document = export(db)
    assert document["run"]["status"] == "finished"
    assert {s["id"]: s["score"] is None for s in document["sites"]}["ubnd-huyen-cu"] is True
    assert all(s["score"] is not None for s in document["sites"] if s["crawl"]["status"] in ("ok", "partial"))
    log = (db.parent / "run.log").read_text(encoding="utf-8")
    assert "findings:" in log and f"report {report / 'index.html'}" in log


def test_second_run_shows_exactly_the_changed_page(uninterrupted: tuple[Path, Path], province: Province,
                                                   tmp_path: Path) -> None:
    db, _ = uninterrupted
    work = tmp_path / "audit.db"
    shutil.copy(db, work)
    page = province.hosts / LEADERS_PAGE
    original = page.read_bytes()
    page.write_text("<title>Lãnh đạo Sở</title><article><h1>Lãnh đạo Sở Nội vụ</h1><p>Đang cập nhật.</p>"
                    "</article>", encoding="utf-8")
    try:
        result = weekly(province, work, tmp_path / "site")
    finally:
        page.write_bytes(original)
    assert result.returncode == 1, result.stdout + result.stderr
    con = sqlite3.connect(work)
    runs = [r[0] for r in con.execute("SELECT id FROM runs ORDER BY started_at, id")]
    assert len(runs) == 2
    (stored,), = con.execute("SELECT html_zlib FROM pages WHERE run_id = ? AND site_id = 'so-noi-vu' AND url LIKE "
                             "'%/lanh-dao-so'", (runs[1],)).fetchall()
    con.close()
    assert "Đang cập nhật" in zlib.decompress(stored).decode("utf-8")  # fetched again, not last week's copy

    diff = json.loads(run_cli("diff", "--db", str(work), "--format", "json").stdout)
    assert (diff["from"], diff["to"]) == tuple(runs)
    changed = {site: entry for site, entry in diff["sites"].items() if entry["new"] or entry["fixed"]}
    assert list(changed) == ["so-noi-vu"], changed
    new = changed["so-noi-vu"]["new"]
    assert changed["so-noi-vu"]["fixed"] == []
    # The leaders' biographies were part of the agency introduction, in the baseline and the regime in force.
    assert sorted(f["id"] for f in new) == ["nd224.9.1.b.gioi-thieu-so", "nd43.10.1.a.gioi-thieu-so"], new
    assert all(f["outcome_from"] == "passed" and f["outcome_to"] in ("partial", "failed") for f in new)
    assert changed["so-noi-vu"]["score"]["change"] < 0
    for site, entry in diff["sites"].items():
        if site != "so-noi-vu" and entry["status"] == "compared":
            assert entry["score"]["change"] == 0, (site, entry["score"])

    scorecard = (tmp_path / "site" / "sites" / "so-noi-vu.html").read_text(encoding="utf-8")
    since = scorecard[scorecard.index('id="h-since"'):]
    assert new[0]["name_vi"] in since
    other = (tmp_path / "site" / "sites" / "cong-tinh.html").read_text(encoding="utf-8")
    assert new[0]["name_vi"] not in other[other.index('id="h-since"'):]


def test_kill_9_mid_crawl_then_resume_equals_an_uninterrupted_run(uninterrupted: tuple[Path, Path],
                                                                  province: Province, tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    proc = subprocess.Popen([sys.executable, "-m", "portal_audit", "run", "--config", str(province.registry),
                             "--db", str(db), "--out", str(tmp_path / "site"), "--no-browser", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wait_for_pages(db, proc, 30)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    (killed_run, status), = con.execute("SELECT id, status FROM runs").fetchall()
    con.close()
    assert status == "running"
    assert not (tmp_path / "site" / "index.html").exists()

    result = weekly(province, db, tmp_path / "site", "--resume")
    assert result.returncode == 1, result.stdout + result.stderr
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT id, status FROM runs").fetchall() == [(killed_run, "finished")]
    con.close()
    resumed, reference = export(db), export(uninterrupted[0])
    assert comparable(resumed) == comparable(reference)
    assert outside_traps(page_urls(db)) == outside_traps(page_urls(uninterrupted[0]))
    assert (tmp_path / "site" / "index.html").is_file()


def test_second_run_on_a_locked_database_exits_3_naming_the_holder(province: Province, tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    with db_lock(db, "run") as held:
        result = weekly(province, db, tmp_path / "site")
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"pid {os.getpid()}" in result.stderr and held.holder["started_at"] in result.stderr
    assert not db.exists()  # refused before anything was written


def test_bad_config_is_a_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "sites.yaml"
    config.write_text("province: X\nsites:\n  - id: a\n    name: A\n", encoding="utf-8")
    result = run_cli("run", "--config", str(config), "--db", str(tmp_path / "a.db"), "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "sites.yaml:" in result.stderr


def test_resume_after_the_report_was_lost_redoes_only_the_later_stages(uninterrupted: tuple[Path, Path],
                                                                       province: Province, tmp_path: Path) -> None:
    db, report = uninterrupted
    work, site = tmp_path / "audit.db", tmp_path / "site"
    shutil.copy(db, work)
    shutil.copytree(report, site)
    (site / "data" / "summary.json").unlink()  # killed while publishing: the report is not this run's
    before = sum(len(s.hits) for s in province.demo.servers.values())
    result = weekly(province, work, site, "--resume")
    assert result.returncode == 1, result.stdout + result.stderr
    con = sqlite3.connect(work)
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    con.close()
    assert json.loads((site / "data" / "summary.json").read_text(encoding="utf-8"))["run"]["id"] == \
        export(work)["run"]["id"]
    assert sum(len(s.hits) for s in province.demo.servers.values()) == before  # nothing crawled again


@pytest.mark.parametrize("option", ["--out", "--log"])
def test_unwritable_report_or_log_is_refused_before_crawling(province: Province, tmp_path: Path, option: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / "site" if option == "--out" else tmp_path / "site"
    extra = ("--log", str(blocker / "run.log")) if option == "--log" else ()
    result = weekly(province, tmp_path / "audit.db", out, *extra)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cannot write" in result.stderr and str(blocker) in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "audit.db").exists()
