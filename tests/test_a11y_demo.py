"""Accessibility on the demo province, against its answer keys; the no-browser path; the export.

Every defect planted in `planted.accessibility` must be found by rule and page (by the static rules when
the key says `source: static`), and no WCAG A/AA problem may be reported on the pages listed in
`planted.accessibility_clean` (pages built clean on purpose, with the near-misses real sites have:
decorative images, links named by aria-label, visually hidden labels).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import ROOT, DemoRun, run_cli

from portal_audit.a11y.rules import rule_info

ANSWERS = ROOT / "portal_audit" / "demo" / "answers"
SITES = sorted(p.stem for p in ANSWERS.glob("*.yaml"))


def key(site: str) -> dict[str, Any]:
    return yaml.safe_load((ANSWERS / f"{site}.yaml").read_text(encoding="utf-8"))["planted"]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def violations(con: sqlite3.Connection, site: str) -> list[tuple[str, str, str]]:
    """(rule, page path, source) of every violation of a site, best practice included."""
    rows = con.execute("SELECT rule, url, source FROM a11y_results WHERE site_id = ? AND outcome = 'violation'",
                       (site,)).fetchall()
    return [(r[0], path_of(r[1]), r[2]) for r in rows]


SITES_WITH_CLEAN_PAGES = [site for site in SITES if key(site).get("accessibility_clean")]


@pytest.fixture(scope="module")
def con(demo_run: DemoRun) -> sqlite3.Connection:
    connection = sqlite3.connect(demo_run.db)
    yield connection
    connection.close()


@pytest.mark.parametrize("site", SITES)
def test_planted_defects_are_found_by_rule_and_page(con: sqlite3.Connection, site: str) -> None:
    found = violations(con, site)
    missing = []
    for defect in key(site).get("accessibility") or []:
        sources = {"static"} if defect.get("source") == "static" else {"static", "axe"}
        if not any(rule == defect["rule"] and page == defect["url"] and source in sources
                   for rule, page, source in found):
            missing.append(f"{defect['rule']} on {defect['url']} ({'/'.join(sorted(sources))})")
    assert not missing, f"{site}: planted defects not reported: {missing}"


def test_most_sites_have_pages_planted_clean() -> None:
    assert len(SITES_WITH_CLEAN_PAGES) >= 4, SITES_WITH_CLEAN_PAGES


@pytest.mark.parametrize("site", SITES_WITH_CLEAN_PAGES)
def test_pages_planted_clean_have_no_wcag_problem(con: sqlite3.Connection, site: str) -> None:
    clean = [entry["url"] for entry in key(site)["accessibility_clean"]]
    wcag = [(rule, page, source) for rule, page, source in violations(con, site)
            if rule_info(rule).level in ("A", "AA") and page in clean]
    assert not wcag, f"{site}: problems reported on pages planted clean: {wcag}"
    rendered = {path_of(r[0]) for r in con.execute(
        "SELECT url FROM renders WHERE site_id = ? AND status = 'ok'", (site,))}
    # The clean pages must really have been looked at in the browser, not only by the static rules.
    assert rendered & set(clean), f"{site}: none of the clean pages {clean} was rendered"


def test_every_reachable_site_was_checked_both_ways(con: sqlite3.Connection, demo_run: DemoRun) -> None:
    rows = {r[0]: r[1:] for r in con.execute("SELECT site_id, rendered_status, reason FROM a11y_sites")}
    assert rows.pop("ubnd-huyen-cu")[0] == "not_checked"
    assert rows and all(v[0] == "checked" for v in rows.values()), rows
    statuses = {s["id"]: s["accessibility_status"] for s in json.loads(run_cli(
        "export", "--db", str(demo_run.db)).stdout)["sites"]}
    assert statuses.pop("ubnd-huyen-cu")["static"] == "not_checked"
    assert all(s["static"] == "checked" and s["rendered"] == "checked" for s in statuses.values()), statuses
    axe_run = con.execute("SELECT status, axe_version, browser FROM a11y_runs").fetchone()
    assert axe_run[0] == "finished" and axe_run[1] == "4.14.1" and axe_run[2]


def test_export_groups_accessibility_by_template_and_lists_every_page_in_csv(demo_run: DemoRun) -> None:
    document = json.loads(run_cli("export", "--db", str(demo_run.db)).stdout)
    sites = {s["id"]: s for s in document["sites"]}
    assert document["run"]["accessibility"]["axe_version"] == "4.14.1"
    marquee = [a for a in sites["so-y-te"]["accessibility"] if a["rule"] == "marquee"]
    # The ticker is in the layout: one finding per template, found by the browser, counted per page once.
    assert marquee and all(a["source"] == "axe" and a["template"] for a in marquee)
    assert sum(a["pages"] for a in marquee) == con_count(demo_run.db, "so-y-te", "marquee")
    assert all(a["legal_vn"] and "Điều 18 khoản 1 điểm b" in a["legal_vn"] for a in marquee)
    assert sites["ubnd-huyen-cu"]["accessibility_status"]["rendered"] == "not_checked"
    csv_text = run_cli("export", "--db", str(demo_run.db), "--format", "csv").stdout
    rows = [line for line in csv_text.splitlines() if line.startswith("so-y-te,accessibility,marquee,")]
    assert len(rows) == con_count(demo_run.db, "so-y-te", "marquee")


def test_export_names_the_ticker_once_as_a_shared_element_and_templates_by_their_pages(demo_run: DemoRun) -> None:
    """The marquee sits in the shared layout: it is one shared element over the templates it is on, each group
    explained by it entirely; every template is named by a page title without the site name, and its address."""
    document = json.loads(run_cli("export", "--db", str(demo_run.db)).stdout)
    site = next(s for s in document["sites"] if s["id"] == "so-y-te")
    marquee_groups = [a for a in site["accessibility"] if a["rule"] == "marquee"]
    shared = [e for e in site["accessibility_shared"] if e["rule"] == "marquee"]
    assert len(shared) == 1 and "<marquee" in shared[0]["snippet"]
    assert shared[0]["templates"] == len(marquee_groups) >= 2
    assert shared[0]["pages"] == sum(a["pages"] for a in marquee_groups)
    assert all(a["shared_occurrences"] == a["occurrences"] for a in marquee_groups)
    labels = [a["template_label"] for a in site["accessibility"]]
    assert all(label["url"].startswith("http") and label["title"] for label in labels)
    assert not any("Sở Y tế tỉnh" in label["title"] for label in labels), labels


def con_count(db: Path, site: str, rule: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT count(DISTINCT url) FROM a11y_results WHERE site_id = ? AND rule = ? "
                                  "AND outcome = 'violation'", (site, rule)).fetchone()[0]


def test_without_a_browser_static_rules_run_and_rendered_rules_are_not_checked(demo_run: DemoRun,
                                                                               tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(demo_run.db, db)
    with sqlite3.connect(db) as connection:
        judged = connection.execute("SELECT count(*) FROM a11y_results WHERE site_id = 'so-y-te' "
                                    "AND source = 'static'").fetchone()[0]
        connection.execute("DELETE FROM a11y_results WHERE site_id = 'so-y-te' AND source = 'static'")
    assert judged > 0
    result = run_cli("render", "--db", str(db), "--site", "so-y-te", "--site", "so-tai-chinh",
                     env={"PORTAL_AUDIT_BROWSER": str(tmp_path / "no-such-chrome")})
    # The render stage gathers; the static rules are judged by the audit, from the stored pages alone.
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM a11y_results WHERE site_id = 'so-y-te'").fetchone() == (0,)
    audited = run_cli("audit", "--db", str(db))
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    assert "NOT CHECKED" in result.stderr and "no-such-chrome" in result.stderr
    with sqlite3.connect(db) as connection:
        status = dict(connection.execute(
            "SELECT site_id, rendered_status || '|' || reason FROM a11y_sites "
            "WHERE site_id IN ('so-y-te', 'so-tai-chinh')").fetchall())
        sources = {r[0] for r in connection.execute(
            "SELECT DISTINCT source FROM a11y_results WHERE site_id = 'so-y-te'")}
    assert all(v.startswith("not_checked|rendered rules not checked: no browser") for v in status.values())
    assert sources == {"static"}
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM a11y_results WHERE site_id = 'so-y-te' "
                                  "AND source = 'static'").fetchone() == (judged,)
    document = json.loads(run_cli("export", "--db", str(db)).stdout)
    site = next(s for s in document["sites"] if s["id"] == "so-tai-chinh")
    assert site["accessibility_status"]["rendered"] == "not_checked"
    # Contrast needs a browser: with none, it is not reported at all, and the status says why.
    assert not [a for a in site["accessibility"] if a["rule"] == "color-contrast"]
    assert "no-such-chrome" in site["accessibility_status"]["reason"]
