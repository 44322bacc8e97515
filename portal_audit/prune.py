"""Retention (`portal-audit prune --keep N`): drop the raw HTML of old runs, keep everything needed for trends.

What goes: the compressed bodies of pages (``pages.html_zlib``) and of robots.txt and sitemaps
(``site_files.body_zlib``), the only raw blobs in the store. What stays: every other row and column of the run
(sites, pages' URLs, statuses, titles, headers and template fingerprints, links, documents, fetch errors,
host facts), its findings, services and accessibility results, so history, diffs, exports and reports of a
pruned run still work. What no longer works on a pruned run: auditing or rendering it again (they read the
HTML); ``is_pruned`` lets them check.

A finished run is frozen by triggers (portal_audit/store.py). Pruning is the one sanctioned exception, done
in a single transaction: the two ``*_update_frozen`` triggers of ``pages`` and ``site_files`` are dropped,
the blobs set to NULL, the triggers re-created from their stored SQL, and the prune recorded in the
``prunes`` table; a failure anywhere rolls all of it back, triggers included (SQLite DDL is transactional),
and no other connection can write in between (the transaction holds the write lock). Then VACUUM returns
the space to the file system. Running and interrupted runs are never touched (they may be resumed).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from portal_audit.store import Store, StoreError, utcnow

PRUNE_TABLE = "prunes"
RAW_BLOBS = (("pages", "html_zlib"), ("site_files", "body_zlib"))
PRUNABLE_STATUSES = ("finished", "failed")



def is_pruned(store: Store, run_id: str) -> bool:
    """Whether the run's raw HTML was removed (then it can be reported, not audited or rendered again)."""
    return bool(store.db.execute(f"SELECT 1 FROM {PRUNE_TABLE} WHERE run_id = ?", (run_id,)).fetchone())


def refuse_pruned(store: Store, run_id: str, doing: str) -> None:
    """Auditing or rendering a pruned run would replace its kept results with judgements of missing HTML."""
    if is_pruned(store, run_id):
        raise StoreError(f"{store.path}: run {run_id} cannot be {doing} again: its raw HTML was pruned "
                         "(its findings and scores are kept and can still be reported)")


def _file_bytes(store: Store) -> tuple[int, bool]:
    """The database's size on disk (main file + write-ahead log) after moving the log into the file, and whether
    that checkpoint completed (a reader holding an old snapshot, e.g. Datasette mid-query, can hold it back)."""
    busy = store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    path = Path(store.path)
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists()), not busy


def _frozen_update_triggers(store: Store) -> list[tuple[str, str]]:
    tables = tuple(table for table, _ in RAW_BLOBS)
    marks = ",".join("?" * len(tables))
    return [(name, sql) for name, sql in store.db.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks}) "
        "AND name LIKE '%\\_update\\_frozen' ESCAPE '\\'", tables)]


def prune(store: Store, keep: int) -> dict[str, Any]:
    """Remove the raw HTML of every finished (or failed) run except the newest ``keep`` of them.

    Returns ``{"bytes_before", "bytes_after", "runs_pruned": [ids], "runs_kept": [ids], "runs_skipped": [ids
    of running/interrupted runs], "pages": n, "files": n, "vacuumed": bool, "vacuum_error": str | None,
    "checkpointed": bool}`` (sizes are main file + WAL; ``checkpointed`` False means another connection held the
    write-ahead log open, so the file shrinks only at the next checkpoint after it closes).
    """
    if keep < 0:
        raise ValueError("keep must be 0 or more")
    runs = list(store.query("SELECT id, status FROM runs ORDER BY started_at DESC, id DESC"))
    prunable = [r["id"] for r in runs if r["status"] in PRUNABLE_STATUSES]
    kept, older = prunable[:keep], prunable[keep:]
    skipped = [r["id"] for r in runs if r["status"] not in PRUNABLE_STATUSES]
    bytes_before, _ = _file_bytes(store)
    conn = store.db.conn
    pruned: list[str] = []
    totals = {"pages": 0, "files": 0}
    if older:
        conn.execute("BEGIN IMMEDIATE")
        try:
            triggers = _frozen_update_triggers(store)
            for name, _ in triggers:
                conn.execute(f"DROP TRIGGER {name}")
            for run_id in older:
                counts, blob_bytes = {}, 0
                for table, column in RAW_BLOBS:
                    blob_bytes += conn.execute(f"SELECT coalesce(sum(length({column})), 0) FROM {table} "
                                               f"WHERE run_id = ?", (run_id,)).fetchone()[0]
                    counts[table] = conn.execute(f"UPDATE {table} SET {column} = NULL WHERE run_id = ? AND "
                                                 f"{column} IS NOT NULL", (run_id,)).rowcount
                totals["pages"] += counts["pages"]
                totals["files"] += counts["site_files"]
                if counts["pages"] or counts["site_files"]:
                    pruned.append(run_id)
                    conn.execute(f"INSERT INTO {PRUNE_TABLE} (run_id, pruned_at, pages, files, blob_bytes) "
                                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET pruned_at = "
                                 "excluded.pruned_at, pages = pages + excluded.pages, files = files + excluded.files, "
                                 "blob_bytes = blob_bytes + excluded.blob_bytes",
                                 (run_id, utcnow(), counts["pages"], counts["site_files"], blob_bytes))
            for _, sql in triggers:
                conn.execute(sql)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    vacuum_error = None
    if pruned:
        try:
            conn.execute("VACUUM")
        except sqlite3.OperationalError as exc:  # another connection is reading: the space is freed next time
            vacuum_error = str(exc)
    bytes_after, checkpointed = _file_bytes(store)
    return {"bytes_before": bytes_before, "bytes_after": bytes_after, "runs_pruned": pruned,
            "runs_kept": kept, "runs_skipped": skipped, "pages": totals["pages"], "files": totals["files"],
            "vacuumed": bool(pruned) and vacuum_error is None, "vacuum_error": vacuum_error,
            "checkpointed": checkpointed}
