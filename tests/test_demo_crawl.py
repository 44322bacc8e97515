"""The demo province crawled end to end (`portal-audit demo`), checked against each site's answer key.

The answer keys (portal_audit/demo/answers/) were computed by an independent breadth-first crawl of the
demo and by hand; this is where the crawler's counts, error kinds, refusals and trap bounds are judged.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from conftest import ROOT, DemoRun, run_cli

from portal_audit.export import export_schema

ANSWERS = ROOT / "portal_audit" / "demo" / "answers"
SITES = sorted(p.stem for p in ANSWERS.glob("*.yaml"))


@pytest.fixture(scope="module")
def demo(demo_run: DemoRun) -> Iterator[dict[str, Any]]:
    out = demo_run.out
    registry = yaml.safe_load((out / "demo.sites.yaml").read_text(encoding="utf-8"))
    con = sqlite3.connect(out / "audit.db")
    con.row_factory = sqlite3.Row
    yield {"out": out, "db": out / "audit.db", "con": con, "stdout": demo_run.stdout,
           "sites": {s["id"]: s for s in registry["sites"]}}
    con.close()


def key(site: str) -> dict[str, Any]:
    return yaml.safe_load((ANSWERS / f"{site}.yaml").read_text(encoding="utf-8"))


def base_of(demo: dict[str, Any], site: str) -> str:
    parts = urlsplit(demo["sites"][site]["url"])
    return f"{parts.scheme}://{parts.netloc}"


def rel(url: str, base: str) -> str:
    """Answer keys write same-host URLs as path?query and other hosts' URLs absolute."""
    return url[len(base):] if url.startswith(base + "/") else url


def in_trap(path: str, answer: dict[str, Any]) -> bool:
    return any(path.startswith(t["prefix"]) for t in answer["crawl"].get("traps") or [])


@pytest.mark.parametrize("site", SITES)
def test_status_pages_and_documents_match_the_answer_key(demo: dict[str, Any], site: str) -> None:
    answer, base, con = key(site), base_of(demo, site), demo["con"]
    row = con.execute("SELECT * FROM sites WHERE id = ?", (site,)).fetchone()
    assert row["status"] == answer["crawl"]["status"], row["status_reason"]
    pages = {rel(r[0], base) for r in con.execute(
        "SELECT DISTINCT final_url FROM pages WHERE site_id = ? AND status = 200 AND html_zlib IS NOT NULL "
        "AND via = 'crawl'", (site,))}
    rendered = {rel(r[0], base) for r in con.execute(
        "SELECT url FROM pages WHERE site_id = ? AND via = 'render'", (site,))}
    # Pages behind a JavaScript-built menu: never reached by the static crawl, found by the render stage.
    assert rendered == set(answer["crawl"].get("not_reachable_statically") or [])
    outside_traps = {p for p in pages if not in_trap(p, answer)}
    assert sorted(outside_traps) == sorted(answer["crawl"]["pages_ok_paths"])
    assert len(outside_traps) == answer["crawl"]["pages_ok"]
    documents = {(rel(r[0], base), r[1]) for r in con.execute(
        "SELECT url, status FROM documents WHERE site_id = ?", (site,))}
    assert documents == {(d["url"], d["status"]) for d in answer["crawl"]["documents"]}
    for hidden in answer["crawl"].get("not_reachable_statically") or []:
        assert hidden not in pages


@pytest.mark.parametrize("site", SITES)
def test_fetch_errors_by_kind_match_the_answer_key(demo: dict[str, Any], site: str) -> None:
    answer, base, con = key(site), base_of(demo, site), demo["con"]
    recorded: dict[str, set[Any]] = {}
    for url, kind, status in con.execute("SELECT url, kind, status FROM fetch_errors WHERE site_id = ?", (site,)):
        if kind == "trap":
            continue  # bounded separately below; the keys list refusals under traps
        recorded.setdefault(kind, set()).add((rel(url, base), status) if kind == "http" else rel(url, base))
    expected: dict[str, set[Any]] = {}
    for kind, entries in (answer["crawl"]["fetch_errors"] or {}).items():
        expected[kind] = {(e["url"], e["status"]) if kind == "http" else e for e in entries}
    assert recorded == expected


@pytest.mark.parametrize("site", [s for s in SITES if key(s)["crawl"].get("traps")])
def test_traps_are_bounded_and_refusals_never_fetched(demo: dict[str, Any], site: str) -> None:
    answer, base, con = key(site), base_of(demo, site), demo["con"]
    fetched = {rel(r[0], base) for r in con.execute("SELECT url FROM pages WHERE site_id = ?", (site,))}
    for trap in answer["crawl"]["traps"]:
        inside = [p for p in fetched if p.startswith(trap["prefix"])]
        assert trap["min_pages"] <= len(inside) <= trap["max_pages"], (trap["prefix"], len(inside))
        for refused in trap.get("refused") or []:
            assert refused not in fetched


@pytest.mark.parametrize("site", [s for s in SITES if key(s)["crawl"].get("encoding")])
def test_planted_encodings_are_decoded_or_flagged(demo: dict[str, Any], site: str) -> None:
    answer, base, con = key(site), base_of(demo, site), demo["con"]
    for planted in answer["crawl"]["encoding"]:
        row = con.execute("SELECT * FROM pages WHERE site_id = ? AND url = ?", (site, base + planted["url"])).fetchone()
        assert row is not None, planted["url"]
        if planted.get("legacy"):
            assert row["encoding_issue"] == f"{planted['legacy']}_suspected"
            continue
        assert row["title"] == unicodedata.normalize("NFC", planted["title"])
        assert row["declared_encoding"] == planted["declared"]
        if planted.get("actual") and planted.get("declared") and planted["actual"] != planted["declared"]:
            assert row["encoding_issue"] == "declared_mismatch"


def test_demo_summary_run_and_database_integrity(demo: dict[str, Any]) -> None:
    con = demo["con"]
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT status FROM runs").fetchone()[0] == "finished"
    for site in SITES:
        assert site in demo["stdout"]
    assert str(demo["db"]) in demo["stdout"].replace("\n", "")
    # Nothing the crawl stored came from outside 127.0.0.1.
    hosts = {urlsplit(r[0]).hostname for r in con.execute("SELECT final_url FROM pages")}
    assert hosts == {"127.0.0.1"}
    assert con.execute("SELECT count(*) FROM link_checks").fetchone()[0] == 0  # external checks off in the demo


def test_export_validates_and_carries_crawl_status_and_broken_links(demo: dict[str, Any]) -> None:
    result = run_cli("export", "--db", str(demo["db"]))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, export_schema())
    by_id = {s["id"]: s for s in document["sites"]}
    assert set(by_id) == set(SITES)
    assert document["run"]["regime"] == "nd224_2026" or document["run"]["started_at"] < "2026-07-01"
    for site in SITES:
        answer = key(site)
        assert by_id[site]["crawl"]["status"] == answer["crawl"]["status"]
        assert by_id[site]["crawl"]["pages"] >= answer["crawl"]["pages_ok"]
        base = base_of(demo, site)
        broken = {rel(b["url"], base) for b in by_id[site]["broken_links"]}
        expected_http = {e["url"] for e in (answer["crawl"]["fetch_errors"] or {}).get("http", [])}
        expected_docs = {d["url"] for d in answer["crawl"]["documents"] if d["status"] >= 400}
        assert expected_http | expected_docs <= broken
        for entry in by_id[site]["broken_links"]:
            assert entry["found_on"] or site == "ubnd-huyen-cu"
    assert by_id["ubnd-huyen-cu"]["crawl"]["status"] == "unreachable"
