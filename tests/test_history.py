"""History and week-over-week diffs: real changes are new/fixed, artifacts of the crawl are not.

Synthetic stores (rows inserted directly) make each case exact: a fix, a failure not checked again, a site
that timed out one week, a firewall answering 403.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from portal_audit.history import diff_runs, list_runs, previous_run
from portal_audit.store import Store, StoreError

UA = "portal-audit/0.1 (+https://audit.example.gov.vn)"
FINDING_KEYS = {"area", "id", "name_vi", "name_en", "outcome_from", "outcome_to"}


def add_run(store: Store, run_id: str, sites: dict[str, dict[str, Any]], *, status: str = "finished",
            audited: bool = True) -> str:
    """A run with the given sites. Each site: status, reason, pages [(path, status, depth, template)],
    errors [(path, kind, status)], findings {item_id: (outcome, [evidence paths])} (technical checklist),
    a11y {"rendered": ...} (None: the browser steps did not run), violations [(rule, source, path, template)],
    renders [(path, template)]."""
    db = store.db
    started = f"2026-11-{run_id[-2:]}T01:00:00+00:00"
    db["runs"].insert({"id": run_id, "started_at": started, "status": "running", "province": "T",
                       "user_agent": UA, "sites_total": len(sites)})
    for site_id, spec in sites.items():
        base = f"https://{site_id}.gov.vn"
        pages = spec.get("pages", [("/", 200, 0, "T0")])
        errors = spec.get("errors", [])
        kinds: dict[str, int] = {}
        for _, kind, _ in errors:
            kinds[kind] = kinds.get(kind, 0) + 1
        db["sites"].insert({
            "run_id": run_id, "id": site_id, "name": site_id, "unit_type": "so_ban_nganh", "url": base + "/",
            "status": spec.get("status", "ok"), "status_reason": spec.get("reason"),
            "pages": len(pages), "pages_ok": spec.get("pages_ok", sum(1 for p in pages if p[1] == 200)),
            "errors": len(errors), "error_kinds": json.dumps(kinds)})
        db["pages"].insert_all({"run_id": run_id, "site_id": site_id, "url": base + path, "final_url": base + path,
                                "status": code, "depth": depth, "template_fp": template, "html_zlib": b"x"}
                               for path, code, depth, template in pages)
        db["fetch_errors"].insert_all({"run_id": run_id, "site_id": site_id, "url": base + path, "kind": kind,
                                       "status": code, "detail": f"HTTP {code}" if code else kind}
                                      for path, kind, code in errors)
        if audited:
            db["findings"].insert_all({
                "run_id": run_id, "site_id": site_id, "checklist": "technical", "item_id": item, "area": "technical",
                "outcome": outcome, "evidence": json.dumps([{"url": base + p} for p in evidence])}
                for item, (outcome, evidence) in spec.get("findings", {}).items())
        a11y = spec.get("a11y", {"rendered": "checked"})
        if a11y:
            db["a11y_sites"].insert({"run_id": run_id, "site_id": site_id, "rendered_status": a11y["rendered"]})
        db["a11y_results"].insert_all({"run_id": run_id, "site_id": site_id, "url": base + path, "template_fp": tpl,
                                       "source": source, "rule": rule, "outcome": "violation", "impact": "serious",
                                       "node_count": 1}
                                      for rule, source, path, tpl in spec.get("violations", []))
        db["renders"].insert_all({"run_id": run_id, "site_id": site_id, "url": base + path, "template_fp": tpl,
                                  "status": "ok"} for path, tpl in spec.get("renders", [("/", "T0")]))
    if audited:
        db["audits"].insert({"run_id": run_id, "checklists": '["technical"]'})
    if status != "running":
        store.finish_run(run_id, status)
    return run_id


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "audit.db")
    yield s
    s.close()


def ids(entry: dict[str, Any], kind: str) -> list[str]:
    return [f["id"] for f in entry[kind]]


def test_new_fixed_and_open_findings_and_accessibility_rules(store: Store) -> None:
    pages = [("/", 200, 0, "T0"), ("/tin/1", 200, 1, "T1")]
    add_run(store, "r01", {"a": {"pages": pages, "findings": {
        "tech.https": ("failed", ["/"]), "tech.csp": ("passed", []), "tech.referrer-policy": ("failed", ["/"]),
        "tech.hsts": ("passed", [])},
        "violations": [("image-alt", "static", "/tin/1", "T1"), ("label", "axe", "/", "T0")]}})
    add_run(store, "r08", {"a": {"pages": pages, "findings": {
        "tech.https": ("passed", ["/"]), "tech.csp": ("failed", ["/"]), "tech.referrer-policy": ("partial", ["/"]),
        "tech.hsts": ("passed", [])},
        "violations": [("color-contrast", "axe", "/", "T0"), ("label", "axe", "/", "T0")]}})
    diff = diff_runs(store, "r01", "r08")
    assert diff["from"] == "r01" and diff["to"] == "r08"
    entry = diff["sites"]["a"]
    assert entry["status"] == "compared" and entry["note"] is None
    assert ids(entry, "fixed") == ["tech.https", "image-alt"]
    assert ids(entry, "new") == ["tech.csp", "color-contrast"]
    assert ids(entry, "open") == ["tech.referrer-policy", "label"]
    assert entry["not_checked"] == []
    https = entry["fixed"][0]
    assert set(https) == FINDING_KEYS
    assert https == {"area": "technical", "id": "tech.https", "name_vi": "Trang được phục vụ qua HTTPS",
                     "name_en": "Site served over HTTPS", "outcome_from": "failed", "outcome_to": "passed"}
    alt = entry["fixed"][1]
    assert alt["area"] == "accessibility" and alt["outcome_from"] == "failed" and alt["outcome_to"] == "passed"
    assert alt["name_en"] and alt["name_vi"] and alt["name_en"] != "image-alt"  # from the rule table
    assert entry["open"][0]["outcome_to"] == "partial"
    assert set(entry) == {"status", "note", "new", "fixed", "open", "not_checked", "score"}


def test_failed_then_not_checked_is_not_checked_never_fixed(store: Store) -> None:
    add_run(store, "r01", {"a": {
        "pages": [("/", 200, 0, "T0"), ("/lien-he", 200, 1, "T2"), ("/tin/1", 200, 1, "T1")],
        "findings": {"tech.https": ("failed", ["/"]), "tech.csp": ("failed", ["/lien-he"])},
        "violations": [("image-alt", "static", "/tin/1", "T1"), ("color-contrast", "axe", "/lien-he", "T2")],
        "renders": [("/", "T0"), ("/lien-he", "T2")]}})
    # This week: tech.https not checked; tech.csp "passed" but its evidence page was not fetched; the article
    # template with the missing alt was not crawled; the contact page was not rendered.
    add_run(store, "r08", {"a": {
        "pages": [("/", 200, 0, "T0")],
        "findings": {"tech.https": ("not_checked", []), "tech.csp": ("passed", ["/"])},
        "renders": [("/", "T0")]}})
    entry = diff_runs(store, "r01", "r08")["sites"]["a"]
    assert entry["fixed"] == [] and entry["new"] == []
    assert ids(entry, "not_checked") == ["tech.csp", "tech.https", "color-contrast", "image-alt"]
    assert {f["id"]: f["outcome_to"] for f in entry["not_checked"]}["tech.https"] == "not_checked"
    assert "could not be compared" in entry["note"]


def test_accessibility_not_run_this_week_is_not_a_fix(store: Store) -> None:
    """The browser steps did not run in r08: axe's problem is not known to be fixed. The static rules are the
    audit's judgement, so in an audited run their silence is a fix; in a run never audited it is not."""
    last_week = {"violations": [("image-alt", "static", "/", "T0"), ("color-contrast", "axe", "/", "T0")]}
    add_run(store, "r01", {"a": last_week})
    add_run(store, "r08", {"a": {"a11y": None}})
    entry = diff_runs(store, "r01", "r08")["sites"]["a"]
    assert ids(entry, "fixed") == ["image-alt"]
    assert ids(entry, "not_checked") == ["color-contrast"]
    assert entry["not_checked"][0]["outcome_to"] == "not_checked"
    add_run(store, "r09", {"a": {"a11y": None}}, audited=False)
    entry = diff_runs(store, "r01", "r09")["sites"]["a"]
    assert entry["fixed"] == [] and set(ids(entry, "not_checked")) >= {"color-contrast", "image-alt"}


def test_same_problem_on_a_new_template_is_not_called_new(store: Store) -> None:
    add_run(store, "r01", {"a": {"pages": [("/", 200, 0, "T0")]}})
    add_run(store, "r08", {"a": {"pages": [("/", 200, 0, "T0"), ("/moi", 200, 1, "T9")],
                                 "violations": [("image-alt", "static", "/moi", "T9"),
                                                ("html-has-lang", "static", "/", "T0")]}})
    entry = diff_runs(store, "r01", "r08")["sites"]["a"]
    assert ids(entry, "new") == ["html-has-lang"]          # the home page was checked last week: a regression
    assert ids(entry, "not_checked") == ["image-alt"]       # a section never seen before: not known to be new


FLAPS = [
    ({"status": "ok"}, {"status": "unreachable", "reason": "timeout: no answer", "pages": [],
                        "errors": [("/", "timeout", None)]}, "unreachable"),
    ({"status": "unreachable", "reason": "connection: refused", "pages": [],
      "errors": [("/", "connection", None)]}, {"status": "ok"}, "unreachable"),
    ({"status": "ok"}, {"status": "partial", "reason": "some pages could not be read: timeout 6",
                        "errors": [(f"/p{i}", "timeout", None) for i in range(6)]}, "timeouts"),
]


@pytest.mark.parametrize(("before", "after", "word"), FLAPS)
def test_availability_flap_lists_no_new_or_fixed(store: Store, before: dict[str, Any], after: dict[str, Any],
                                                 word: str) -> None:
    pages = [("/", 200, 0, "T0"), ("/a", 200, 1, "T1"), ("/b", 200, 1, "T1"), ("/c", 200, 1, "T1")]
    add_run(store, "r01", {"a": {"pages": pages, **before, "findings": {
        "tech.https": ("failed", ["/"]), "tech.csp": ("passed", []), "tech.hsts": ("failed", [])},
        "violations": [("image-alt", "static", "/a", "T1")]}})
    add_run(store, "r08", {"a": {"pages": pages, **after, "findings": {
        "tech.https": ("passed", []), "tech.csp": ("failed", []), "tech.hsts": ("failed", [])}}})
    entry = diff_runs(store, "r01", "r08")["sites"]["a"]
    assert entry["status"] == "availability"
    assert word in entry["note"] and "not checked" in entry["note"]
    assert entry["new"] == [] and entry["fixed"] == []
    assert {"tech.https", "tech.csp"} <= set(ids(entry, "not_checked"))
    assert ids(entry, "open") == ["tech.hsts"]


def test_big_drop_in_pages_fetched_is_an_availability_change(store: Store) -> None:
    many = [("/", 200, 0, "T0")] + [(f"/tin/{i}", 200, 1, "T1") for i in range(40)]
    add_run(store, "r01", {"a": {"pages": many, "findings": {"tech.https": ("failed", [])}}})
    add_run(store, "r08", {"a": {"pages": many[:10], "findings": {"tech.https": ("passed", [])}}})
    entry = diff_runs(store, "r01", "r08")["sites"]["a"]
    assert entry["status"] == "availability"
    assert "41 to 10" in entry["note"]
    assert entry["fixed"] == [] and ids(entry, "not_checked") == ["tech.https"]
    # A smaller drop is an ordinary week.
    add_run(store, "r15", {"a": {"pages": many[:30], "findings": {"tech.https": ("passed", [])}}})
    assert diff_runs(store, "r01", "r15")["sites"]["a"]["status"] == "compared"


def test_403_home_page_is_blocked_with_allow_list_advice(store: Store) -> None:
    add_run(store, "r01", {"a": {"findings": {"tech.https": ("failed", ["/"])}}, "b": {}})
    add_run(store, "r08", {
        # As the crawl records it: the 403 page stored (HTML body), an http fetch error, the site unreachable.
        "a": {"status": "unreachable", "reason": "http: HTTP 403", "pages": [("/", 403, 0, "W")],
              "errors": [("/", "http", 403)], "findings": {"tech.https": ("not_checked", [])}, "renders": []},
        # Home page fine, but most pages refused (a WAF rate rule).
        "b": {"pages": [("/", 200, 0, "T0")] + [(f"/p{i}", 403, 1, "W") for i in range(5)],
              "errors": [(f"/p{i}", "http", 403) for i in range(5)]}})
    diff = diff_runs(store, "r01", "r08")
    for site_id in ("a", "b"):
        entry = diff["sites"][site_id]
        assert entry["status"] == "blocked", site_id
        assert "403" in entry["note"] and "allow-list" in entry["note"] and UA in entry["note"]
        assert entry["new"] == [] and entry["fixed"] == []
    assert "home page" in diff["sites"]["a"]["note"] and "5 of 6 pages" in diff["sites"]["b"]["note"]
    assert ids(diff["sites"]["a"], "not_checked") == ["tech.https"]


def test_403_on_a_non_html_home_page_is_blocked_too(store: Store) -> None:
    """A WAF's 403 with a text/plain body is stored as a document probe, not a page."""
    add_run(store, "r01", {"a": {}})
    add_run(store, "r08", {"a": {"status": "unreachable", "reason": "the home page answered no usable page",
                                 "pages": [], "renders": []}})
    store.db["runs"].insert({"id": "r15", "started_at": "2026-11-15T01:00:00+00:00", "status": "running",
                             "user_agent": UA, "sites_total": 1})
    store.db["sites"].insert({"run_id": "r15", "id": "a", "name": "a", "unit_type": "other",
                              "url": "https://a.gov.vn/", "status": "unreachable",
                              "status_reason": "the home page answered no usable page", "error_kinds": "{}"})
    store.db["documents"].insert({"run_id": "r15", "site_id": "a", "url": "https://a.gov.vn/", "status": 403,
                                  "content_type": "text/plain"})
    store.finish_run("r15", "finished")
    assert diff_runs(store, "r01", "r08")["sites"]["a"]["status"] == "availability"   # plain outage
    assert diff_runs(store, "r01", "r15")["sites"]["a"]["status"] == "blocked"


def test_scores_come_from_the_given_maps_and_sites_added_or_removed(store: Store) -> None:
    add_run(store, "r01", {"a": {}, "gone": {}})
    add_run(store, "r08", {"a": {}, "fresh": {}})
    diff = diff_runs(store, "r01", "r08", {"a": 61.5, "gone": 40.0}, {"a": 70.25, "fresh": 55.0})
    assert diff["sites"]["a"]["score"] == {"from": 61.5, "to": 70.25, "change": 8.75}
    assert diff["sites"]["fresh"]["status"] == "new_site"
    assert diff["sites"]["fresh"]["score"] == {"from": None, "to": 55.0, "change": None}
    assert diff["sites"]["gone"]["status"] == "removed_site"
    assert diff_runs(store, "r01", "r08")["sites"]["a"]["score"] == {"from": None, "to": None, "change": None}
    assert diff_runs(store, "r01", "r08", {"a": None}, {"a": 50})["sites"]["a"]["score"]["change"] is None
    with pytest.raises(StoreError):
        diff_runs(store, "r01", "r01")


def test_unaudited_earlier_run_lists_failures_as_not_checked(store: Store) -> None:
    add_run(store, "r01", {"a": {"findings": {"tech.https": ("failed", [])}}}, audited=False)
    add_run(store, "r08", {"a": {"findings": {"tech.https": ("failed", [])}}})
    entry = diff_runs(store, "r01", "r08")["sites"]["a"]
    assert entry["new"] == [] and ids(entry, "not_checked") == ["tech.https"]
    assert "r01 was not audited" in entry["note"]


def test_list_runs_and_previous_run(store: Store) -> None:
    add_run(store, "r01", {"a": {}, "b": {"status": "unreachable", "pages": []}})
    add_run(store, "r08", {"a": {}}, status="interrupted", audited=False)
    add_run(store, "r15", {"a": {}})
    add_run(store, "r22", {"a": {}}, status="running", audited=False)
    runs = list_runs(store)
    assert [r["id"] for r in runs] == ["r22", "r15", "r08", "r01"]
    oldest = runs[-1]
    assert oldest["sites"] == 2 and oldest["sites_by_status"] == {"ok": 1, "unreachable": 1}
    assert oldest["pages"] == 1 and oldest["audited"] is True and oldest["html_pruned"] is False
    assert runs[2]["status"] == "interrupted" and runs[2]["audited"] is False
    assert previous_run(store, "r22") == "r15"
    assert previous_run(store, "r15") == "r01"          # the interrupted run is skipped
    assert previous_run(store, "r01") is None


# --- the command line ----------------------------------------------------------------------------------------

def test_cli_history_and_diff(cli, tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    store = Store(path)
    add_run(store, "r01", {"a": {"findings": {"tech.https": ("failed", ["/"])}}})
    store.close()
    result = cli("diff", "--db", str(path))
    assert result.returncode == 2 and "nothing to compare" in result.stderr
    store = Store(path)
    add_run(store, "r08", {"a": {"findings": {"tech.https": ("passed", ["/"])}}})
    store.close()

    result = cli("history", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "r08" in result.stdout and "r01" in result.stdout
    result = cli("history", "--db", str(path), "--format", "json")
    assert [r["id"] for r in json.loads(result.stdout)] == ["r08", "r01"]

    result = cli("diff", "--db", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    assert (diff["from"], diff["to"]) == ("r01", "r08")
    assert [f["id"] for f in diff["sites"]["a"]["fixed"]] == ["tech.https"]
    result = cli("diff", "--db", str(path))
    assert result.returncode == 0 and "tech.https" in result.stdout and "fixed" in result.stdout
    assert cli("diff", "--db", str(path), "--from", "nope").returncode == 2
    assert cli("diff", "--db", str(path), "--from", "r08", "--to", "r08").returncode == 2
    assert cli("diff", "--db", str(tmp_path / "missing.db")).returncode == 2
    assert cli("history", "--db", str(tmp_path / "missing.db")).returncode == 2


def test_demo_run_diffs_against_itself_as_all_open(demo_run, tmp_path: Path) -> None:
    """Two identical crawls of the demo: every failure open, nothing new or fixed, the dead site flagged."""
    path = tmp_path / "audit.db"
    shutil.copy(demo_run.db, path)
    store = Store(path)
    run = store.run()
    try:
        assert previous_run(store, run["id"]) is None
        # A second run with the same facts: copy the demo's rows under a later id.
        copy_run(store, run["id"], run["id"] + "-copy")
        diff = diff_runs(store, run["id"], run["id"] + "-copy")
    finally:
        store.close()
    statuses = {site_id: entry["status"] for site_id, entry in diff["sites"].items()}
    assert statuses.pop("ubnd-huyen-cu") == "availability"
    assert set(statuses.values()) == {"compared"}
    for entry in diff["sites"].values():
        assert entry["new"] == [] and entry["fixed"] == [] and entry["not_checked"] == []
    assert sum(len(e["open"]) for e in diff["sites"].values()) > 50


def copy_run(store: Store, run_id: str, new_id: str) -> None:
    db = store.db
    run = dict(next(iter(store.query("SELECT * FROM runs WHERE id = ?", [run_id]))))
    db["runs"].insert({**run, "id": new_id, "status": "running", "started_at": run["started_at"] + "x"})
    for table in ("sites", "pages", "fetch_errors", "documents", "findings", "a11y_sites", "a11y_results",
                  "renders", "audits"):
        rows = [{**row, "run_id": new_id} for row in store.query(f"SELECT * FROM {table} WHERE run_id = ?",
                                                                  [run_id])]
        if table in ("pages", "fetch_errors"):  # their "id" is a row id; in sites it is the site's id
            for row in rows:
                del row["id"]
        db[table].insert_all(rows)
    store.finish_run(new_id, "finished")
