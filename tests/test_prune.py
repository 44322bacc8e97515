"""Retention: old runs lose their raw HTML and nothing else; frozen runs stay frozen; unfinished runs are untouched."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from portal_audit.history import list_runs
from portal_audit.prune import is_pruned, prune
from portal_audit.store import Store, compress_html


def add_run(store: Store, run_id: str, status: str, pages: int = 20) -> None:
    db = store.db
    db["runs"].insert({"id": run_id, "started_at": f"2026-11-{run_id[-2:]}T01:00:00+00:00", "status": "running",
                       "user_agent": "ua", "sites_total": 1})
    db["sites"].insert({"run_id": run_id, "id": "a", "name": "A", "unit_type": "other", "url": "https://a.vn/",
                        "status": "ok", "pages_ok": pages})
    # Incompressible bodies, so the file size measures what prune removes.
    db["pages"].insert_all({"run_id": run_id, "site_id": "a", "url": f"https://a.vn/{i}",
                            "final_url": f"https://a.vn/{i}", "status": 200, "template_fp": "T",
                            "html_zlib": compress_html(os.urandom(20_000))} for i in range(pages))
    db["site_files"].insert({"run_id": run_id, "site_id": "a", "url": "https://a.vn/robots.txt", "kind": "robots",
                             "status": 200, "body_zlib": compress_html(b"User-agent: *\nDisallow:\n")})
    db["links"].insert({"run_id": run_id, "site_id": "a", "from_url": "https://a.vn/0", "to_url": "https://a.vn/1",
                        "kind": "internal"})
    db["findings"].insert({"run_id": run_id, "site_id": "a", "checklist": "technical", "item_id": "tech.https",
                           "area": "technical", "outcome": "failed", "evidence": "[]"})
    db["a11y_results"].insert({"run_id": run_id, "site_id": "a", "url": "https://a.vn/0", "source": "static",
                               "rule": "image-alt", "outcome": "violation", "node_count": 2})
    db["audits"].insert({"run_id": run_id, "checklists": '["technical"]'})
    if status != "running":
        store.finish_run(run_id, status)


def html_count(store: Store, run_id: str) -> int:
    return store.db.execute("SELECT count(*) FROM pages WHERE run_id = ? AND html_zlib IS NOT NULL",
                            (run_id,)).fetchone()[0]


def rows(store: Store, table: str, run_id: str) -> int:
    return store.db.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", (run_id,)).fetchone()[0]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "audit.db")
    add_run(s, "r01", "finished")
    add_run(s, "r08", "interrupted")
    add_run(s, "r15", "finished")
    add_run(s, "r22", "finished")
    add_run(s, "r29", "running")
    yield s
    s.close()


def test_prune_keeps_the_newest_runs_and_everything_but_raw_html(store: Store) -> None:
    before = {t: rows(store, t, "r01") for t in ("pages", "sites", "links", "findings", "a11y_results", "site_files")}
    result = prune(store, keep=2)
    assert result["runs_pruned"] == ["r01"]
    assert result["runs_kept"] == ["r22", "r15"]
    assert result["runs_skipped"] == ["r29", "r08"]
    assert result["pages"] == 20 and result["files"] == 1
    assert result["vacuumed"] is True
    assert result["bytes_after"] < result["bytes_before"] - 300_000
    assert html_count(store, "r01") == 0
    assert store.db.execute("SELECT count(*) FROM site_files WHERE run_id = 'r01' AND body_zlib IS NOT NULL"
                            ).fetchone()[0] == 0
    assert {t: rows(store, t, "r01") for t in before} == before        # only the blobs went
    for kept in ("r15", "r22"):
        assert html_count(store, kept) == 20
    # Running and interrupted runs may be resumed: never touched.
    assert html_count(store, "r29") == 20 and html_count(store, "r08") == 20
    assert is_pruned(store, "r01") and not is_pruned(store, "r15")
    history = {r["id"]: r for r in list_runs(store)}
    assert history["r01"]["html_pruned"] is True and history["r15"]["html_pruned"] is False


def test_finished_runs_are_still_frozen_after_prune(store: Store) -> None:
    triggers = sorted(r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    prune(store, keep=1)
    assert sorted(r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")) == triggers
    for run_id in ("r01", "r22"):  # pruned and kept alike
        for sql in ("UPDATE pages SET status = 500 WHERE run_id = ?",
                    "UPDATE pages SET html_zlib = x'00' WHERE run_id = ?",
                    "UPDATE site_files SET body_zlib = NULL WHERE run_id = ?", "DELETE FROM pages WHERE run_id = ?",
                    "UPDATE runs SET status = 'running' WHERE id = ?"):
            with pytest.raises(sqlite3.IntegrityError, match="immutable"):
                store.db.execute(sql, (run_id,))
    # The running run is still writable.
    store.db.execute("UPDATE pages SET status = 201 WHERE run_id = 'r29'")


def test_prune_is_idempotent_and_keep_zero_prunes_every_finished_run(store: Store) -> None:
    prune(store, keep=2)
    again = prune(store, keep=2)
    assert again["runs_pruned"] == [] and again["pages"] == 0 and again["vacuumed"] is False
    everything = prune(store, keep=0)
    assert everything["runs_pruned"] == ["r22", "r15"]
    assert html_count(store, "r29") == 20 and html_count(store, "r08") == 20
    with pytest.raises(ValueError):
        prune(store, keep=-1)


def test_a_failure_midway_rolls_back_blobs_and_triggers(store: Store) -> None:
    triggers = sorted(r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    store.db.execute("CREATE TRIGGER boom BEFORE UPDATE ON pages WHEN OLD.url = 'https://a.vn/7' "
                     "AND OLD.run_id = 'r15' BEGIN SELECT RAISE(ABORT, 'boom'); END")
    with pytest.raises(sqlite3.IntegrityError, match="boom"):
        prune(store, keep=1)
    store.db.execute("DROP TRIGGER boom")
    assert sorted(r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")) == triggers
    assert html_count(store, "r01") == 20 and html_count(store, "r15") == 20
    assert not is_pruned(store, "r01")
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        store.db.execute("UPDATE pages SET html_zlib = NULL WHERE run_id = 'r01'")


def _export_before_and_after_prune(demo_run, tmp_path: Path) -> tuple[dict, dict]:
    from portal_audit.export import build_export, export_csv, validate_export

    path = tmp_path / "audit.db"
    shutil.copy(demo_run.db, path)
    store = Store(path)
    try:
        run_id = store.run()["id"]
        expected = build_export(store, run_id)
        findings = rows(store, "findings", run_id)
        result = prune(store, keep=0)
        assert result["runs_pruned"] == [run_id]
        assert result["bytes_after"] < result["bytes_before"]
        assert rows(store, "findings", run_id) == findings
        document = build_export(store, run_id)
        validate_export(document)
        assert export_csv(document, store)
    finally:
        store.close()
    return expected, document


def test_pruned_demo_run_still_exports(demo_run, tmp_path: Path) -> None:
    expected, document = _export_before_and_after_prune(demo_run, tmp_path)
    for site, old in zip(document["sites"], expected["sites"], strict=True):
        assert site["checks"] == old["checks"] and site["crawl"] == old["crawl"]
        assert site["broken_links"] == old["broken_links"] and site["services"] == old["services"]
        assert [v["rule"] for v in site["accessibility"]] == [v["rule"] for v in old["accessibility"]]


def test_pruned_demo_run_exports_exactly_as_before(demo_run, tmp_path: Path) -> None:
    expected, document = _export_before_and_after_prune(demo_run, tmp_path)
    assert document == expected


def test_cli_prune(cli, tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    store = Store(path)
    add_run(store, "r01", "finished")
    add_run(store, "r08", "finished")
    store.close()
    assert cli("prune", "--db", str(path), "--keep", "0").returncode == 2
    assert cli("prune", "--db", str(path)).returncode == 2
    assert cli("prune", "--db", str(tmp_path / "missing.db"), "--keep", "1").returncode == 2
    result = cli("prune", "--db", str(path), "--keep", "1")
    assert result.returncode == 0, result.stderr
    assert "pruned raw HTML of 1 run(s) (r01)" in result.stdout and "MB" in result.stdout
    history = json.loads(cli("history", "--db", str(path), "--format", "json").stdout)
    assert [r["html_pruned"] for r in history] == [False, True]


def test_cli_prune_waits_for_no_one_when_the_database_is_locked(cli, tmp_path: Path) -> None:
    from portal_audit.lock import db_lock

    path = tmp_path / "audit.db"
    store = Store(path)
    add_run(store, "r01", "finished")
    add_run(store, "r08", "finished")
    store.close()
    with db_lock(path, "run"):
        result = cli("prune", "--db", str(path), "--keep", "1")
    assert result.returncode == 3, result.stderr
    store = Store(path)
    assert html_count(store, "r01") == 20
    store.close()


def test_a_reader_holding_the_log_delays_the_shrink_and_says_so(store: Store) -> None:
    reader = sqlite3.connect(store.path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM pages").fetchone()   # an open snapshot, as a slow Datasette query has
    try:
        result = prune(store, keep=1)
    finally:
        reader.rollback()
        reader.close()
    assert result["runs_pruned"] == ["r15", "r01"] and result["checkpointed"] is False
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert Path(store.path).stat().st_size < result["bytes_before"] - 600_000
