"""Scores over runs: what the report's trend chart, its arrows and the weekly summary compare.

A run's scores are a pure function of its export (portal_audit/scoring.py), but building the export of
every past run for a trend chart would cost a year of weekly runs each time. So each run's scores are kept
in ``run_scores`` once computed; the store's triggers drop a run's rows whenever its findings or
accessibility results change (store.SCORE_INPUT_TABLES), so a kept score is never older than its inputs.
"""

from __future__ import annotations

import json
from typing import Any

from portal_audit.publishing import DEGRADED_RUNS_SQL
from portal_audit.store import Store, utcnow

TREND_RUNS = 26  # half a year of weekly runs on the chart


def save_scores(store: Store, document: dict[str, Any]) -> None:
    """Keep the scores of an export just built (cheap; called whenever a report is written)."""
    run_id = document["run"]["id"]
    rows = [{"run_id": run_id, "site_id": site["id"], "score": site.get("score"), "grade": site.get("grade"),
             "area_scores": json.dumps(site.get("area_scores") or {}), "computed_at": utcnow()}
            for site in document["sites"]]
    province = document.get("province_score") or {}
    rows.append({"run_id": run_id, "site_id": "", "score": province.get("score"), "grade": None,
                 "area_scores": json.dumps(province.get("area_scores") or {}), "computed_at": utcnow()})
    with store.db.atomic():
        store.db.execute("DELETE FROM run_scores WHERE run_id = ?", (run_id,))
        store.db["run_scores"].insert_all(rows)


def run_scores(store: Store, run_id: str) -> dict[str, Any] | None:
    """{"province": score, "sites": {site id: score}} of an audited run, computed once and kept; None when
    the run was never audited (nothing to score)."""
    rows = list(store.query("SELECT site_id, score FROM run_scores WHERE run_id = ?", [run_id]))
    if not rows:
        if not store.is_audited(run_id):
            return None
        from portal_audit.export import build_export

        save_scores(store, build_export(store, run_id))
        rows = list(store.query("SELECT site_id, score FROM run_scores WHERE run_id = ?", [run_id]))
    return {"province": next((r["score"] for r in rows if r["site_id"] == ""), None),
            "sites": {r["site_id"]: r["score"] for r in rows if r["site_id"] != ""}}


def score_trend(store: Store, upto_run: str, limit: int = TREND_RUNS) -> list[dict[str, Any]]:
    """The finished, audited runs up to ``upto_run`` (inclusive), oldest first, with their scores; earlier
    degraded runs that were never published are left out (a network outage here is not a fall in scores)."""
    upto = store.run(upto_run)
    runs = list(store.query(
        "SELECT r.id, r.started_at FROM runs r JOIN audits a ON a.run_id = r.id WHERE r.status = 'finished' "
        f"AND (r.id = ? OR (r.started_at < ? AND r.id NOT IN ({DEGRADED_RUNS_SQL}))) "
        "ORDER BY r.started_at DESC, r.id DESC LIMIT ?",
        [upto["id"], upto["started_at"], limit]))
    points = []
    for run in reversed(runs):
        scores = run_scores(store, run["id"])
        if scores is not None:
            points.append({"run_id": run["id"], "started_at": run["started_at"],
                           "province_score": scores["province"], "sites": scores["sites"]})
    return points

