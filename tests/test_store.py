"""The store: created and migrated on open, finished runs frozen, batches written whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from portal_audit.store import SCHEMA_VERSION, SCORE_INPUT_TABLES, BufferedWriter, Store, StoreError


def new_run(store: Store) -> str:
    return store.create_run(province="T", registry_path="r.yaml", tool_version="0", engine="scrapy",
                            user_agent="ua", sites=[{"id": "a", "name": "A", "unit_type": "other",
                                                     "url": "http://a.vn/", "config": "{}"}])


def page(run_id: str, url: str) -> dict[str, object]:
    return {"run_id": run_id, "site_id": "a", "url": url, "final_url": url, "status": 200}


def test_open_creates_schema_in_wal_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "sub" / "audit.db")
    assert store.db.journal_mode == "wal"
    assert {"runs", "sites", "pages", "links", "documents", "link_checks", "site_files", "fetch_errors"} <= set(
        store.db.table_names())
    assert store.db.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == SCHEMA_VERSION
    store.close()
    Store(tmp_path / "sub" / "audit.db").close()  # reopening does not migrate twice


def test_finished_run_is_immutable(tmp_path: Path) -> None:
    store = Store(tmp_path / "audit.db")
    run_id = new_run(store)
    writer = BufferedWriter(store)
    writer.add("pages", page(run_id, "http://a.vn/"))
    writer.flush()
    store.finish_run(run_id, "finished")
    for sql, args in [("INSERT INTO pages (run_id, site_id, url, final_url) VALUES (?, 'a', 'x', 'x')", (run_id,)),
                      ("UPDATE pages SET status = 500 WHERE run_id = ?", (run_id,)),
                      ("DELETE FROM sites WHERE run_id = ?", (run_id,)),
                      ("UPDATE runs SET status = 'running' WHERE id = ?", (run_id,))]:
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            store.db.execute(sql, args)
    # Another, unfinished run is still writable.
    other = new_run(store)
    store.db.execute("UPDATE sites SET status = 'ok' WHERE run_id = ?", (other,))
    assert other != run_id


def test_a_failed_batch_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "audit.db")
    run_id = new_run(store)
    writer = BufferedWriter(store, batch_rows=10_000)
    writer.add("pages", page(run_id, "http://a.vn/1"))
    writer.add("fetch_errors", {"run_id": run_id, "site_id": "a", "url": "u", "kind": None})  # NOT NULL fails
    with pytest.raises(sqlite3.IntegrityError):
        writer.flush()
    assert store.db.execute("SELECT count(*) FROM pages").fetchone()[0] == 0


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    path.write_text("this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        Store(path)


def test_database_opens_in_datasette_as_is(tmp_path: Path) -> None:
    import asyncio

    from datasette.app import Datasette

    path = tmp_path / "audit.db"
    store = Store(path)
    run_id = new_run(store)
    writer = BufferedWriter(store)
    writer.add("pages", {**page(run_id, "http://a.vn/"), "title": "Trang chủ", "html_zlib": b"x"})
    writer.flush()
    store.finish_run(run_id, "finished")
    store.close()

    async def fetch() -> list[dict[str, object]]:
        ds = Datasette([str(path)])
        for table in ("runs", "sites", "pages", "links", "fetch_errors"):
            response = await ds.client.get(f"/audit/{table}.json?_shape=array")
            assert response.status_code == 200, (table, response.text[:200])
        response = await ds.client.get("/audit/pages.json?_shape=array")
        return response.json()

    rows = asyncio.run(fetch())
    assert rows[0]["title"] == "Trang chủ"


def test_a_version_5_store_gains_the_reason_columns(tmp_path: Path) -> None:
    """Version 6 adds two columns to an existing table: ALTER TABLE on open, once, rows kept; version 7 adds
    a table, version 8 the stale-score triggers, version 9 drops a column (rows and triggers kept)."""
    path = tmp_path / "old.db"
    store = Store(path)
    run_id = new_run(store)
    store.db.execute("INSERT INTO findings (run_id, site_id, checklist, item_id, area, outcome, reason) "
                     "VALUES (?, 'a', 'technical', 'tech.https', 'technical', 'failed', 'old reason')", (run_id,))
    store.db.conn.commit()
    store.close()
    # Turn it back into a version 5 file: the findings table without the two columns.
    db = sqlite3.connect(path)
    db.executescript("ALTER TABLE findings DROP COLUMN reason_template; ALTER TABLE findings DROP COLUMN "
                     "reason_params; DROP TABLE publications; DELETE FROM schema_migrations WHERE version >= 6;")
    db.executescript("ALTER TABLE a11y_sites ADD COLUMN static_status TEXT NOT NULL DEFAULT 'checked' "
                     "CHECK (static_status IN ('checked', 'not_checked'));")
    db.execute("INSERT INTO a11y_sites (run_id, site_id, static_status, rendered_status) "
               "VALUES (?, 'a', 'not_checked', 'partial')", (run_id,))
    stale = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE "
                                      "'%_stale_scores'")]
    assert len(stale) == 3 * len(SCORE_INPUT_TABLES)
    db.executescript("".join(f"DROP TRIGGER {name};" for name in stale))
    db.commit()
    db.close()
    for _ in range(2):  # the second open finds the current version and changes nothing
        store = Store(path)
        columns = [r[1] for r in store.db.execute("PRAGMA table_info(findings)")]
        assert columns[-2:] == ["reason_template", "reason_params"]
        row = next(store.query("SELECT reason, reason_template FROM findings"))
        assert row == {"reason": "old reason", "reason_template": None}
        versions = [r[0] for r in store.db.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == list(range(1, SCHEMA_VERSION + 1)) and SCHEMA_VERSION == 9
        assert "static_status" not in {r[1] for r in store.db.execute("PRAGMA table_info(a11y_sites)")}
        assert next(store.query("SELECT site_id, rendered_status FROM a11y_sites")) == {
            "site_id": "a", "rendered_status": "partial"}
        assert "publications" in store.db.table_names()
        assert {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")} >= set(stale)
        store.close()


def kept_scores(store: Store, run_id: str) -> int:
    return store.db.execute("SELECT count(*) FROM run_scores WHERE run_id = ?", (run_id,)).fetchone()[0]


def keep_scores(store: Store, run_id: str) -> None:
    store.db["run_scores"].insert_all([{"run_id": run_id, "site_id": "a", "score": 50.0},
                                       {"run_id": run_id, "site_id": "", "score": 50.0}])


SCORE_INPUT_ROWS = {
    "audits": {"checklists": "[]"},
    "findings": {"site_id": "a", "checklist": "c", "item_id": "i", "area": "x", "outcome": "passed"},
    "services": {"site_id": "a", "url": "http://a.vn/dv"},
    "a11y_runs": {"status": "running"},
    "a11y_sites": {"site_id": "a", "rendered_status": "checked"},
    "renders": {"site_id": "a", "url": "http://a.vn/", "status": "ok"},
    "a11y_results": {"site_id": "a", "url": "http://a.vn/", "source": "static", "rule": "image-alt",
                     "outcome": "violation", "node_count": 1},
    "page_speed": {"site_id": "a", "url": "http://a.vn/", "viewport": "desktop"},
}


@pytest.mark.parametrize("table", SCORE_INPUT_TABLES)
def test_the_store_drops_kept_scores_when_their_inputs_change(tmp_path: Path, table: str) -> None:
    """Any insert, update or delete of a run's judgements or accessibility results drops that run's kept
    scores (and only that run's), whichever stage writes them: a trend never shows a score older than its inputs."""
    store = Store(tmp_path / "audit.db")
    run_id, other = new_run(store), new_run(store)
    keep_scores(store, run_id)
    keep_scores(store, other)
    store.db[table].insert({"run_id": run_id, **SCORE_INPUT_ROWS[table]})
    assert kept_scores(store, run_id) == 0 and kept_scores(store, other) == 2
    for change in (f"UPDATE {table} SET run_id = run_id WHERE run_id = ?", f"DELETE FROM {table} WHERE run_id = ?"):
        keep_scores(store, run_id)
        store.db.execute(change, (run_id,))
        assert kept_scores(store, run_id) == 0, change
    assert kept_scores(store, other) == 2


def test_kept_scores_survive_what_they_do_not_depend_on(tmp_path: Path) -> None:
    """Saving the scores themselves, a publication record and reading keep them."""
    store = Store(tmp_path / "audit.db")
    run_id = new_run(store)
    keep_scores(store, run_id)
    store.db.execute("UPDATE run_scores SET grade = 'B' WHERE run_id = ?", (run_id,))
    store.db["publications"].insert({"run_id": run_id, "out": "r", "state": "published", "at": "now"})
    list(store.query("SELECT * FROM findings"))
    assert kept_scores(store, run_id) == 2


def test_a_step_can_ask_which_sites_a_per_site_table_holds(tmp_path: Path) -> None:
    from portal_audit.store import PER_SITE_TABLES

    store = Store(tmp_path / "s.db")
    try:
        for table in PER_SITE_TABLES:
            assert {"run_id", "site_id"} <= {r[1] for r in store.db.execute(f"PRAGMA table_info({table})")}, table
        run_id = new_run(store)
        store.db["host_facts"].insert({"run_id": run_id, "site_id": "a", "kind": "tls", "data": "{}"})
        assert store.sites_with_rows("host_facts", run_id) == {"a"}
        assert store.sites_with_rows("page_speed", run_id) == set()
        with pytest.raises(ValueError):
            store.sites_with_rows("runs; DROP TABLE pages", run_id)
    finally:
        store.close()
