"""The SQLite store: one file holds every run, so audits and reports re-run without re-crawling.

Design choices, in the spirit of sqlite-utils and Datasette:
- plain tables with readable columns (URLs, not ids) so ``datasette audit.db`` is useful as is;
- WAL journal, so a report can read while a crawl writes;
- writes are buffered and flushed in one transaction per batch: a crash loses at most the last batch and
  never leaves a half-written batch;
- a finished run is immutable: triggers refuse any insert, update or delete of its rows.
The schema is documented in docs/schema.md; bump SCHEMA_VERSION and add a migration when it changes.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

SCHEMA_VERSION = 9

SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL,
    note TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
    province TEXT,
    registry_path TEXT,
    tool_version TEXT,
    engine TEXT,
    user_agent TEXT,
    sites_total INTEGER,
    note TEXT
);
CREATE TABLE IF NOT EXISTS sites (
    run_id TEXT NOT NULL REFERENCES runs(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_type TEXT NOT NULL,
    url TEXT NOT NULL,
    config TEXT,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'crawling', 'ok', 'partial', 'unreachable')),
    status_reason TEXT,
    pages INTEGER DEFAULT 0,
    pages_ok INTEGER DEFAULT 0,
    errors INTEGER DEFAULT 0,
    error_kinds TEXT,
    documents INTEGER DEFAULT 0,
    links INTEGER DEFAULT 0,
    budget_exhausted INTEGER DEFAULT 0,
    render_status TEXT,
    started_at TEXT,
    finished_at TEXT,
    PRIMARY KEY (run_id, id)
);
CREATE TABLE IF NOT EXISTS pages (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    url TEXT NOT NULL,
    final_url TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    declared_encoding TEXT,
    detected_encoding TEXT,
    encoding_issue TEXT,
    bytes INTEGER,
    elapsed_ms INTEGER,
    depth INTEGER,
    referrer TEXT,
    fetched_at TEXT,
    title TEXT,
    lang TEXT,
    template_fp TEXT,
    redirects TEXT,
    headers TEXT,
    html_zlib BLOB,
    via TEXT NOT NULL DEFAULT 'crawl' CHECK (via IN ('crawl', 'render')),
    UNIQUE (run_id, site_id, url)
);
CREATE INDEX IF NOT EXISTS pages_run_site ON pages (run_id, site_id);
CREATE INDEX IF NOT EXISTS pages_template ON pages (run_id, site_id, template_fp);
CREATE TABLE IF NOT EXISTS links (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    from_url TEXT NOT NULL,
    to_url TEXT NOT NULL,
    anchor TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('internal', 'out_of_scope', 'external', 'document', 'refused')),
    rel TEXT
);
CREATE INDEX IF NOT EXISTS links_to ON links (run_id, to_url);
CREATE INDEX IF NOT EXISTS links_from ON links (run_id, site_id, from_url);
CREATE TABLE IF NOT EXISTS documents (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    url TEXT NOT NULL,
    found_on TEXT,
    method TEXT,
    status INTEGER,
    content_type TEXT,
    bytes INTEGER,
    error TEXT,
    checked_at TEXT,
    PRIMARY KEY (run_id, site_id, url)
);
CREATE TABLE IF NOT EXISTS link_checks (
    run_id TEXT NOT NULL REFERENCES runs(id),
    url TEXT NOT NULL,
    method TEXT,
    status INTEGER,
    error TEXT,
    detail TEXT,
    final_url TEXT,
    checked_at TEXT,
    PRIMARY KEY (run_id, url)
);
CREATE TABLE IF NOT EXISTS site_files (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    bytes INTEGER,
    error TEXT,
    body_zlib BLOB,
    fetched_at TEXT,
    PRIMARY KEY (run_id, site_id, url)
);
CREATE TABLE IF NOT EXISTS fetch_errors (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    status INTEGER,
    detail TEXT,
    referrer TEXT,
    at TEXT
);
CREATE INDEX IF NOT EXISTS fetch_errors_run_site ON fetch_errors (run_id, site_id, kind);
-- Judgements (stage 3): recomputed by `portal-audit audit` from the frozen crawl, so not frozen themselves.
CREATE TABLE IF NOT EXISTS audits (
    run_id TEXT PRIMARY KEY REFERENCES runs(id),
    checklists TEXT NOT NULL,
    as_of TEXT
);
CREATE TABLE IF NOT EXISTS findings (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    checklist TEXT NOT NULL,
    item_id TEXT NOT NULL,
    area TEXT NOT NULL,
    ref TEXT,
    weight REAL,
    in_force INTEGER,
    outcome TEXT NOT NULL
        CHECK (outcome IN ('passed', 'partial', 'failed', 'not_applicable', 'not_checked')),
    reason TEXT,
    missing TEXT,
    evidence TEXT,
    reason_template TEXT,
    reason_params TEXT,
    PRIMARY KEY (run_id, site_id, checklist, item_id)
);
CREATE TABLE IF NOT EXISTS services (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    url TEXT NOT NULL,
    name TEXT,
    declared_level INTEGER,
    declared_label TEXT,
    evidenced_level INTEGER,
    mismatch INTEGER,
    note TEXT,
    evidence TEXT,
    PRIMARY KEY (run_id, site_id, url)
);
-- Network facts of each crawled site for the technical checks (technical/gather.py): part of the crawl, frozen.
CREATE TABLE IF NOT EXISTS host_facts (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('tls', 'http_redirect', 'dns')),
    host TEXT,
    data TEXT NOT NULL,
    at TEXT,
    PRIMARY KEY (run_id, site_id, kind)
);
-- Accessibility (the browser steps, `portal-audit render`): axe-core on a sample of each site's pages; the
-- static rules' rows (source 'static') are written by `portal-audit audit`.
-- Recomputable from the frozen crawl (the main document is served from `pages`), so not frozen either.
CREATE TABLE IF NOT EXISTS a11y_runs (
    run_id TEXT PRIMARY KEY REFERENCES runs(id),
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
    axe_version TEXT,
    browser TEXT,
    browser_error TEXT,
    tags TEXT,
    started_at TEXT,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS a11y_sites (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    rendered_status TEXT NOT NULL CHECK (rendered_status IN ('checked', 'partial', 'not_checked')),
    reason TEXT,
    pages INTEGER,
    templates INTEGER,
    pages_rendered INTEGER,
    templates_rendered INTEGER,
    PRIMARY KEY (run_id, site_id)
);
CREATE TABLE IF NOT EXISTS renders (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    url TEXT NOT NULL,
    template_fp TEXT,
    reason TEXT,
    status TEXT NOT NULL CHECK (status IN ('ok', 'timeout', 'crashed', 'error')),
    error TEXT,
    ms INTEGER,
    at TEXT,
    PRIMARY KEY (run_id, site_id, url)
);
CREATE TABLE IF NOT EXISTS a11y_results (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    url TEXT NOT NULL,
    template_fp TEXT,
    source TEXT NOT NULL CHECK (source IN ('axe', 'static')),
    rule TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('violation', 'incomplete')),
    impact TEXT,
    node_count INTEGER NOT NULL,
    nodes TEXT
);
-- Live page loads of the render stage for the speed and phone-layout checks (technical/speed.py).
CREATE TABLE IF NOT EXISTS page_speed (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    url TEXT NOT NULL,
    viewport TEXT NOT NULL CHECK (viewport IN ('desktop', 'phone')),
    fcp_ms INTEGER,
    lcp_ms INTEGER,
    load_ms INTEGER,
    ttfb_ms INTEGER,
    bytes INTEGER,
    requests INTEGER,
    overflow_px INTEGER,
    error TEXT,
    PRIMARY KEY (run_id, site_id, url, viewport)
);
CREATE INDEX IF NOT EXISTS a11y_results_site_rule ON a11y_results (run_id, site_id, rule);
-- Scores of a run as its export states them (portal_audit/trend.py), kept for trend charts; site_id '' is the
-- province. Dropped by triggers whenever the run's findings or accessibility results change (_stale_score_triggers).
CREATE TABLE IF NOT EXISTS run_scores (
    run_id TEXT NOT NULL REFERENCES runs(id),
    site_id TEXT NOT NULL,
    score REAL,
    grade TEXT,
    area_scores TEXT,
    computed_at TEXT,
    PRIMARY KEY (run_id, site_id)
);
-- Runs whose raw HTML `prune` removed (portal_audit/prune.py); their findings and scores stay.
CREATE TABLE IF NOT EXISTS prunes (
    run_id TEXT PRIMARY KEY REFERENCES runs(id),
    pruned_at TEXT NOT NULL,
    pages INTEGER,
    files INTEGER,
    blob_bytes INTEGER
);
CREATE TABLE IF NOT EXISTS publications (
    run_id TEXT NOT NULL REFERENCES runs(id),
    out TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('published', 'degraded', 'forced')),
    reason TEXT,
    at TEXT NOT NULL
);
"""

# Migrating is re-running SCHEMA (CREATE ... IF NOT EXISTS adds the new tables), then the column changes below.
MIGRATION_NOTES = {1: "crawl store", 2: "audit findings and services, render discovery",
                   3: "accessibility: static and axe-core results, renders",
                   4: "host facts (TLS, http→https, DNS) and live page speed for the technical checks",
                   5: "kept run scores for trends; prune records",
                   6: "findings: reason_template and reason_params (translatable reasons)",
                   7: "publications: where each weekly run's report went, and degraded runs held back",
                   8: "triggers: a run's kept scores are dropped when the judgements they were computed from change",
                   9: "a11y_sites.static_status dropped: whether the static rules were checked is the audit's to say"}

# Columns added to tables that existed before: (version, table, column, declaration). SCHEMA creates new
# tables with them; an older store gets them by ALTER TABLE (skipped when the column is already there).
ADDED_COLUMNS = [(6, "findings", "reason_template", "TEXT"), (6, "findings", "reason_params", "TEXT")]
# Columns dropped from tables that existed before: (version, table, column), by ALTER TABLE DROP COLUMN.
DROPPED_COLUMNS = [(9, "a11y_sites", "static_status")]

# A site's statuses (sites.status) when its crawl stored pages: the sites every later step looks at again.
CRAWLED_STATUSES = ("ok", "partial")

# Tables with a row (or rows) per site of a run, that a step can be asked about (Store.sites_with_rows).
PER_SITE_TABLES = ("pages", "links", "documents", "site_files", "fetch_errors", "host_facts", "findings", "services",
                   "a11y_sites", "renders", "a11y_results", "page_speed")

# Tables whose rows belong to a run and so freeze with it.
RUN_TABLES = ("sites", "pages", "links", "documents", "link_checks", "site_files", "fetch_errors", "host_facts")



def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# Tables whose rows a run's scores are computed from besides the frozen crawl: the judgements of `audit` and the
# accessibility results of `render`. Any write to them drops the run's kept scores (_stale_score_triggers).
SCORE_INPUT_TABLES = ("audits", "findings", "services", "a11y_runs", "a11y_sites", "renders", "a11y_results",
                      "page_speed")


def _stale_score_triggers() -> str:
    """A kept score is never older than what it was computed from: the store drops ``run_scores`` of a run
    whenever one of its score inputs is inserted, updated or deleted, so no stage has to remember to (and no
    judging stage depends on the trend module that reads the scores). The WHEN clause keeps the per-row cost
    of a bulk insert to one index lookup once the scores are gone."""
    return "\n".join(_row_triggers(
        SCORE_INPUT_TABLES, "stale_scores", "AFTER", "NEW",
        "EXISTS (SELECT 1 FROM run_scores WHERE run_id = {row}.run_id)",
        "DELETE FROM run_scores WHERE run_id = {row}.run_id;"))


def _row_triggers(tables: tuple[str, ...], name: str, timing: str, updated_row: str, when: str,
                  body: str) -> list[str]:
    """One trigger per table and per insert/update/delete, keyed on the row's run: ``{row}`` in ``when`` and
    ``body`` is NEW for an insert, ``updated_row`` for an update (OLD to guard the row as it was) and OLD for
    a delete. The names stay ``{table}_{event}_{name}``, which `CREATE TRIGGER IF NOT EXISTS` migrations rely on."""
    triggers = []
    for table in tables:
        for event, row in (("INSERT", "NEW"), ("UPDATE", updated_row), ("DELETE", "OLD")):
            triggers.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_{name} {timing} {event} ON {table} "
                f"WHEN {when.format(row=row)} BEGIN {body.format(row=row)} END;"
            )
    return triggers


def _immutability_triggers() -> str:
    """A finished run's rows can never change: the audit trail behind week-over-week diffs."""
    parts = _row_triggers(RUN_TABLES, "frozen", "BEFORE", "OLD",
                          "(SELECT status FROM runs WHERE id = {row}.run_id) = 'finished'",
                          "SELECT RAISE(ABORT, 'run is finished and immutable');")
    parts.append(
        "CREATE TRIGGER IF NOT EXISTS runs_update_frozen BEFORE UPDATE ON runs "
        "WHEN OLD.status = 'finished' "
        "BEGIN SELECT RAISE(ABORT, 'run is finished and immutable'); END;"
    )
    return "\n".join(parts)


class StoreError(Exception):
    pass


class Store:
    """Open (and create or migrate) an audit database."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite_utils.Database(str(self.path))
            self.db.execute("PRAGMA busy_timeout = 10000")
            self.db.enable_wal()
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable SQLite database ({exc})") from None

    def _migrate(self) -> None:
        current = 0
        if "schema_migrations" in self.db.table_names():
            row = self.db.execute("SELECT max(version) FROM schema_migrations").fetchone()
            current = row[0] or 0
        if current > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: written by a newer portal-audit (schema {current} > {SCHEMA_VERSION})")
        if current == SCHEMA_VERSION:
            return
        with self.db.atomic():
            self.db.executescript(SCHEMA + _immutability_triggers() + _stale_score_triggers())
            for _version, table, column, declaration in ADDED_COLUMNS:
                columns = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            for _version, table, column in DROPPED_COLUMNS:
                if column in {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}:
                    self.db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                self.db.execute("INSERT INTO schema_migrations (version, applied_at, note) VALUES (?, ?, ?)",
                                (version, utcnow(), MIGRATION_NOTES[version]))

    def close(self) -> None:
        self.db.close()

    # --- runs --------------------------------------------------------------------------------------------

    def create_run(self, *, province: str, registry_path: str, tool_version: str, engine: str,
                   user_agent: str, sites: Iterable[dict[str, Any]]) -> str:
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        existing = {r[0] for r in self.db.execute("SELECT id FROM runs WHERE id LIKE ?", (run_id + "%",))}
        suffix = 1
        base = run_id
        while run_id in existing:
            suffix += 1
            run_id = f"{base}-{suffix}"
        site_rows = list(sites)
        with self.db.atomic():
            self.db["runs"].insert({
                "id": run_id, "started_at": utcnow(), "status": "running", "province": province,
                "registry_path": registry_path, "tool_version": tool_version, "engine": engine,
                "user_agent": user_agent, "sites_total": len(site_rows),
            })
            self.db["sites"].insert_all({**row, "run_id": run_id, "status": "pending"} for row in site_rows)
        return run_id

    def finish_run(self, run_id: str, status: str, note: str | None = None) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE runs SET status = ?, finished_at = ?, note = ? WHERE id = ?",
                            (status, utcnow(), note, run_id))

    def run(self, run_id: str | None = None) -> dict[str, Any]:
        """A run by id, or the newest one; raises StoreError when there is none."""
        if run_id:
            rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        else:
            rows = list(self.db.query("SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT 1"))
        if not rows:
            raise StoreError(f"{self.path}: no run {run_id!r}" if run_id else f"{self.path}: no runs yet")
        return rows[0]

    def update_site(self, run_id: str, site_id: str, **values: Any) -> None:
        with self.db.atomic():
            self.db["sites"].update((run_id, site_id), values)

    def sites(self, run_id: str) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM sites WHERE run_id = ? ORDER BY rowid", [run_id]))

    def query(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> Iterator[dict[str, Any]]:
        return self.db.query(sql, params)

    def is_audited(self, run_id: str) -> bool:
        """Whether `portal-audit audit` has judged the run (its findings and static results exist)."""
        return self.db.execute("SELECT 1 FROM audits WHERE run_id = ?", (run_id,)).fetchone() is not None

    def sites_with_rows(self, table: str, run_id: str) -> set[str]:
        """Ids of the run's sites that ``table`` (a per-site table) holds rows for: which sites a gather
        step has done, so that a resumed run does only the others."""
        if table not in PER_SITE_TABLES:
            raise ValueError(f"{table!r} is not a per-site table")
        return {r[0] for r in self.db.execute(f"SELECT DISTINCT site_id FROM {table} WHERE run_id = ?", [run_id])}

    # --- resume and re-crawl (crawl/resume.py, crawl/httpcache.py) --------------------------------------

    def resumable_run(self, sites: Iterable[tuple[str, str]]) -> dict[str, Any] | None:
        """The newest run left ``running`` (a killed process) or ``interrupted`` that crawled exactly these
        (site id, url) pairs; None when there is none. The caller guarantees no other process is crawling it."""
        wanted = set(sites)
        for run in self.db.query("SELECT * FROM runs WHERE status IN ('running', 'interrupted') "
                                 "ORDER BY started_at DESC, id DESC"):
            have = {(r[0], r[1]) for r in self.db.execute("SELECT id, url FROM sites WHERE run_id = ?", (run["id"],))}
            if have == wanted:
                return run
        return None

    def reopen_run(self, run_id: str) -> None:
        """Mark an unfinished run as running again (resume); a finished run stays frozen (the trigger refuses)."""
        with self.db.atomic():
            self.db.execute("UPDATE runs SET status = 'running', finished_at = NULL, "
                            "note = 'resumed ' || ? WHERE id = ?", (utcnow(), run_id))

    def previous_site_run(self, run_id: str, site_id: str, url: str) -> str | None:
        """The newest other finished run that crawled this site (same id and address): the re-crawl's validators."""
        row = self.db.execute(
            "SELECT r.id FROM runs r JOIN sites s ON s.run_id = r.id WHERE r.id != ? AND s.id = ? AND s.url = ? "
            "AND r.status = 'finished' AND s.status IN ('ok', 'partial') ORDER BY r.started_at DESC, r.id DESC LIMIT 1",
            (run_id, site_id, url)).fetchone()
        return row[0] if row else None


class BufferedWriter:
    """Collects rows from the crawl and writes them in batches, one transaction per batch.

    The crawl runs in one thread (Twisted's reactor), so no locking is needed; a flush costs a few
    milliseconds and happens every ``batch_rows`` rows or ``max_seconds``, whichever comes first.
    """

    def __init__(self, store: Store, batch_rows: int = 500, max_seconds: float = 2.0):
        self.store = store
        self.batch_rows = batch_rows
        self.max_seconds = max_seconds
        self._buffers: dict[str, list[dict[str, Any]]] = {}
        self._pending = 0
        self._last_flush = time.monotonic()

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.add_many(table, [row])

    def add_many(self, table: str, rows: list[dict[str, Any]]) -> None:
        self._buffers.setdefault(table, []).extend(rows)
        self._pending += len(rows)
        if self._pending >= self.batch_rows or time.monotonic() - self._last_flush > self.max_seconds:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        buffers, self._buffers, self._pending = self._buffers, {}, 0
        self._last_flush = time.monotonic()
        db = self.store.db
        with db.atomic():
            for table, rows in buffers.items():
                if table in _PKS:
                    db[table].upsert_all(rows, pk=_PKS[table], batch_size=1000)
                else:
                    db[table].insert_all(rows, batch_size=1000, ignore=table == "pages")


_PKS = {"documents": ("run_id", "site_id", "url"), "link_checks": ("run_id", "url"),
        "site_files": ("run_id", "site_id", "url")}


def compress_html(body: bytes) -> bytes:
    return zlib.compress(body, 3)


def decompress_html(blob: bytes | None) -> bytes:
    return zlib.decompress(blob) if blob else b""


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


MAX_HEADERS, MAX_HEADER_VALUE = 64, 1000


def headers_json(headers: Iterable[tuple[str, list[str]]]) -> str:
    """Response headers as stored in ``pages.headers``: valid JSON whatever their size (each value capped,
    not the JSON text), names lower-cased, Set-Cookie kept as a list (its Expires dates contain commas, so
    joined cookies could not be told apart), other repeated headers joined with ", "."""
    out: dict[str, str | list[str]] = {}
    for name, values in list(headers)[:MAX_HEADERS]:
        key = name.lower()
        texts = [v[:MAX_HEADER_VALUE] for v in values]
        out[key] = texts[:20] if key == "set-cookie" else ", ".join(texts)[:MAX_HEADER_VALUE]
    return dumps(out)


@contextmanager
def open_store(path: str | Path) -> Iterator[Store]:
    store = Store(path)
    try:
        yield store
    finally:
        store.close()


def add_together(writer: BufferedWriter, groups: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """Buffer rows of several tables so that no flush falls between them (a page and its links): a crash
    keeps all of them or none, which is what lets a resumed crawl trust a stored page."""
    for table, rows in groups:
        writer._buffers.setdefault(table, []).extend(rows)
        writer._pending += len(rows)
    if writer._pending >= writer.batch_rows or time.monotonic() - writer._last_flush > writer.max_seconds:
        writer.flush()
