"""The bundled Datasette metadata: every canned query runs on the demo database and finds what the demo has."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal_audit.store import Store

QUERIES = ("latest_run_sites", "failed_checks_latest", "broken_links_latest", "accessibility_rules_by_sites",
           "service_levels", "runs_over_time", "site_checks_over_time", "scores_over_time")


def metadata_path(cli) -> Path:
    result = cli("datasette-metadata")
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.is_file(), path
    return path


def fetch_all(db: Path, metadata: dict[str, Any]) -> dict[str, Any]:
    from datasette.app import Datasette

    async def main() -> dict[str, Any]:
        ds = Datasette([str(db)], metadata=metadata)
        out: dict[str, Any] = {}
        for name in QUERIES:
            extra = "&site=cong-tinh" if name == "site_checks_over_time" else ""
            response = await ds.client.get(f"/audit/{name}.json?_shape=array{extra}")
            out[name] = (response.status_code, response.json() if response.status_code == 200 else response.text)
        page = await ds.client.get("/audit")
        out["_index"] = (page.status_code, page.text)
        page = await ds.client.get("/audit/findings")
        out["_findings"] = (page.status_code, page.text)
        return out

    return asyncio.run(main())


def test_metadata_lists_the_documented_queries(cli) -> None:
    metadata = yaml.safe_load(metadata_path(cli).read_text(encoding="utf-8"))
    assert metadata["title"]
    database = metadata["databases"]["audit"]
    assert set(QUERIES) <= set(database["queries"])
    tables = {"runs", "sites", "pages", "links", "documents", "link_checks", "site_files", "fetch_errors",
              "host_facts", "audits", "findings", "services", "a11y_runs", "a11y_sites", "renders", "a11y_results",
              "page_speed"}
    assert tables <= set(database["tables"])
    assert all(entry["description"] for entry in database["tables"].values())


def test_every_canned_query_answers_on_the_demo(demo_run, cli, tmp_path: Path) -> None:
    pytest.importorskip("datasette")
    db = tmp_path / "audit.db"           # Datasette names the database after the file: "audit"
    shutil.copy(demo_run.db, db)
    metadata = yaml.safe_load(metadata_path(cli).read_text(encoding="utf-8"))
    results = fetch_all(db, metadata)
    for name in QUERIES:
        status, rows = results[name]
        assert status == 200, (name, rows)
        assert rows, f"{name}: no rows on the demo"
    sites = {row["site"]: row for row in results["latest_run_sites"][1]}
    assert sites["ubnd-huyen-cu"]["status"] == "unreachable" and sites["cong-tinh"]["pages"] > 10
    assert {row["site"] for row in results["broken_links_latest"][1]} >= {"cong-tinh"}
    assert all(row["outcome"] in ("failed", "partial") for row in results["failed_checks_latest"][1])
    levels = results["service_levels"][1]
    assert any(row["declared_above_evidenced"] for row in levels)
    assert results["accessibility_rules_by_sites"][1][0]["sites"] >= 1
    store = Store(db)
    try:
        run_id = store.run()["id"]
    finally:
        store.close()
    assert results["runs_over_time"][1][0]["run"] == run_id
    assert results["_index"][0] == 200 and "Sites of the latest run" in results["_index"][1]
    assert "site and checklist item" in results["_findings"][1]   # the table's description is shown
