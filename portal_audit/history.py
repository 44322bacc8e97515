"""Runs over time and what changed between two runs (`portal-audit history`, `portal-audit diff`).

A week-over-week diff is only worth reading if its changes are real. The US federal website scanner found
that 62% of the day-to-day changes it reported were artifacts: a site that timed out, a page that was not
fetched, a firewall that refused the crawler. So the rules here are conservative:

- **fixed needs a judgement now**: a finding that failed (or was partial) before is *fixed* only when the later
  run judged it passed or not applicable, and, for a finding tied to pages, when those pages were fetched
  again (accessibility: the same page, or a page of the same template, checked again by the same kind of
  check). Otherwise it is *not_checked*: nobody looked, so nobody can say it was fixed.
- **new needs a judgement before**: a failure whose item was not judged in the earlier run (not checked,
  a checklist added since, an accessibility rule on a template never checked before) is *not_checked*,
  not *new*.
- **availability changes are not findings**: when a site's availability changed between the runs
  (unreachable ↔ reachable, a partial crawl dominated by timeouts and connection errors, or far fewer pages
  fetched, see the thresholds below), its status is ``availability`` with a note, and what would have been
  new or fixed is listed under not_checked.
- **a refusal is not an outage**: a site whose home page (or most pages) answered 403 Forbidden to the crawler
  is ``blocked``, with the advice to allow-list the auditor's User-Agent and IP address.

Scores are computed elsewhere; the caller passes them in as ``{site_id: score or None}`` maps.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from portal_audit.a11y.static_results import static_status
from portal_audit.errorkind import NETWORK_KINDS
from portal_audit.prune import PRUNE_TABLE
from portal_audit.publishing import DEGRADED_RUNS_SQL
from portal_audit.store import CRAWLED_STATUSES, Store, StoreError

# --- thresholds (docs/operations.md repeats them) ------------------------------------------------------------
# A partial crawl is "degraded" when network failures are at least this share of the URLs it tried
# (stored pages + network failures).
DEGRADED_SHARE = 0.2
# Pages fetched (distinct HTML pages answering 200) falling below this share of the earlier run's, by at
# least PAGE_DROP_MIN pages, is an availability change: the findings cover a different site.
PAGE_DROP_SHARE = 0.5
PAGE_DROP_MIN = 5
# A site is "blocked" when its start page answered 403, or at least this share of its stored pages did.
BLOCKED_SHARE = 0.5

BAD = ("failed", "partial")
GOOD = ("passed", "not_applicable")


# --- runs -----------------------------------------------------------------------------------------------------

def pruned_runs(store: Store) -> dict[str, str]:
    """``{run_id: pruned_at}`` for runs whose raw HTML was removed by ``portal-audit prune``."""
    return {row[0]: row[1] for row in store.db.execute(f"SELECT run_id, pruned_at FROM {PRUNE_TABLE}")}


def list_runs(store: Store) -> list[dict[str, Any]]:
    """Every run, newest first: id, times, status, sites (total and by crawl status), pages, audited, pruned."""
    pruned = pruned_runs(store)
    audited = {row[0] for row in store.db.execute("SELECT run_id FROM audits")}
    by_status: dict[str, dict[str, int]] = {}
    pages: dict[str, int] = {}
    for run_id, status, count, pages_ok in store.db.execute(
            "SELECT run_id, status, count(*), sum(coalesce(pages_ok, 0)) FROM sites GROUP BY run_id, status"):
        by_status.setdefault(run_id, {})[status] = count
        pages[run_id] = pages.get(run_id, 0) + (pages_ok or 0)
    out = []
    for run in store.query("SELECT * FROM runs ORDER BY started_at DESC, id DESC"):
        counts = dict(sorted(by_status.get(run["id"], {}).items()))
        out.append({
            "id": run["id"], "started_at": run["started_at"], "finished_at": run["finished_at"],
            "status": run["status"], "sites": run["sites_total"] if run["sites_total"] is not None
            else sum(counts.values()),
            "sites_by_status": counts, "pages": pages.get(run["id"], 0),
            "audited": run["id"] in audited,
            "html_pruned": run["id"] in pruned, "pruned_at": pruned.get(run["id"]),
        })
    return out


def previous_run(store: Store, run_id: str) -> str | None:
    """The newest finished run started before ``run_id`` (None when there is none); a degraded run that was
    never published is skipped, so next week compares with the last week the public saw."""
    run = store.run(run_id)
    row = store.db.execute(
        "SELECT id FROM runs WHERE status = 'finished' AND id != ? AND (started_at < ? OR (started_at = ? AND id < ?)) "
        f"AND id NOT IN ({DEGRADED_RUNS_SQL}) ORDER BY started_at DESC, id DESC LIMIT 1",
        (run["id"], run["started_at"], run["started_at"], run["id"])).fetchone()
    return row[0] if row else None


# --- site availability ----------------------------------------------------------------------------------------

def _url_key(url: str, site_url: str) -> str:
    """A URL as the path within its site, so the same page matches across runs even if the site moved to
    https:// or (the demo) another port; URLs on other hosts stay whole."""
    parts, base = urlsplit(url), urlsplit(site_url)
    if (parts.hostname or "") == (base.hostname or "") and parts.port == base.port:
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return url


def _site_facts(store: Store, run_id: str, site: dict[str, Any]) -> dict[str, Any]:
    """What the crawl says about one site's availability in one run."""
    q = store.db.execute
    kinds = json.loads(site["error_kinds"] or "{}")
    stored = q("SELECT count(*) FROM pages WHERE run_id = ? AND site_id = ?", (run_id, site["id"])).fetchone()[0]
    forbidden = q("SELECT count(*) FROM pages WHERE run_id = ? AND site_id = ? AND status = 403",
                  (run_id, site["id"])).fetchone()[0]
    # The start page answering 403, whether its body was stored as a page (HTML) or only probed (not HTML).
    start_forbidden = bool(q("SELECT 1 FROM pages WHERE run_id = ? AND site_id = ? AND depth = 0 AND status = 403",
                             (run_id, site["id"])).fetchone())
    site_key = _url_key(site["url"], site["url"])
    for table in ("fetch_errors", "documents"):
        for (url,) in q(f"SELECT url FROM {table} WHERE run_id = ? AND site_id = ? AND status = 403",
                        (run_id, site["id"])):
            if _url_key(url, site["url"]).rstrip("/") == site_key.rstrip("/"):
                start_forbidden = True
    reason = site["status_reason"] or ""
    if site["status"] == "unreachable" and "HTTP 403" in reason:
        start_forbidden = True
    network = sum(int(kinds.get(k, 0)) for k in NETWORK_KINDS)
    tried = stored + network
    if start_forbidden or (stored >= 2 and forbidden / stored >= BLOCKED_SHARE):
        state = "blocked"
    elif site["status"] not in CRAWLED_STATUSES:
        state = "unreachable"
    elif site["status"] == "partial" and tried and network / tried >= DEGRADED_SHARE:
        state = "degraded"
    else:
        state = "ok"
    return {"state": state, "status": site["status"], "reason": site["status_reason"],
            "pages_ok": site["pages_ok"] or 0, "network_errors": network, "tried": tried,
            "forbidden": forbidden, "stored": stored, "start_forbidden": start_forbidden}


_STATE_TEXT = {"ok": "reachable", "degraded": "partial crawl dominated by timeouts and connection errors",
               "unreachable": "unreachable", "blocked": "blocked by the site (HTTP 403)"}


def _availability_note(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """Why this site's findings cannot be compared between the runs, or None when they can."""
    if before["state"] == "unreachable" and after["state"] == "unreachable":
        return f"unreachable in both runs ({after['reason'] or 'no usable page'}): nothing to compare"
    if before["state"] != after["state"]:
        def text(facts: dict[str, Any]) -> str:
            extra = f" ({facts['network_errors']} of {facts['tried']} URLs)" if facts["state"] == "degraded" else ""
            why = f": {facts['reason']}" if facts["state"] == "unreachable" and facts["reason"] else ""
            return _STATE_TEXT[facts["state"]] + extra + why
        return (f"availability changed: {text(before)} → {text(after)}; changes in findings are listed as not "
                "checked (they may be artifacts of the outage, not changes on the site)")
    drop = before["pages_ok"] - after["pages_ok"]
    if after["pages_ok"] < PAGE_DROP_SHARE * before["pages_ok"] and drop >= PAGE_DROP_MIN:
        return (f"pages fetched fell from {before['pages_ok']} to {after['pages_ok']} (below "
                f"{PAGE_DROP_SHARE:.0%} of the earlier run): changes in findings are listed as not checked")
    return None


def _blocked_note(facts: dict[str, Any], user_agent: str | None) -> str:
    where = "its home page" if facts["start_forbidden"] else f"{facts['forbidden']} of {facts['stored']} pages"
    ua = f"User-Agent \"{user_agent}\"" if user_agent else "User-Agent"
    return (f"the site answered 403 Forbidden to the auditor's crawler ({where}): ask its administrator to "
            f"allow-list the auditor's {ua} and IP address (firewall/WAF), then run again; findings could not "
            "be compared")


# --- findings -------------------------------------------------------------------------------------------------

@cache
def _item_names(checklist: str) -> dict[str, tuple[str, str]]:
    from portal_audit.audit.checklist import load_checklist

    try:
        loaded = load_checklist(checklist)
    except Exception:  # a checklist since renamed or removed: the id still identifies the item
        return {}
    return {item["id"]: (item.get("name_vi") or item["id"], item.get("name_en") or item["id"])
            for item in loaded.items}


def _finding(area: str, item_id: str, name_vi: str, name_en: str, before: str | None,
             after: str | None) -> dict[str, Any]:
    return {"area": area, "id": item_id, "name_vi": name_vi, "name_en": name_en,
            "outcome_from": before, "outcome_to": after}


def _fetched_keys(store: Store, run_id: str, site_id: str, site_url: str) -> tuple[set[str], set[str]]:
    """Keys of the site's pages fetched as 200 in the run (raw HTML may since have been pruned), and their
    template fingerprints."""
    urls, templates = set(), set()
    for url, final_url, template in store.db.execute(
            "SELECT url, final_url, template_fp FROM pages WHERE run_id = ? AND site_id = ? AND status = 200",
            (run_id, site_id)):
        urls.add(_url_key(url, site_url))
        urls.add(_url_key(final_url, site_url))
        if template:
            templates.add(template)
    return urls, templates


def _rendered_keys(store: Store, run_id: str, site_id: str, site_url: str) -> tuple[set[str], set[str]]:
    urls, templates = set(), set()
    for url, template in store.db.execute(
            "SELECT url, template_fp FROM renders WHERE run_id = ? AND site_id = ? AND status = 'ok'",
            (run_id, site_id)):
        urls.add(_url_key(url, site_url))
        if template:
            templates.add(template)
    return urls, templates


class _RunSide:
    """One run's view of one site: findings, accessibility results and what was fetched and rendered."""

    def __init__(self, store: Store, run_id: str, site: dict[str, Any] | None, audited: bool):
        self.run_id = run_id
        self.site = site
        self.audited = audited
        self.findings: dict[tuple[str, str], dict[str, Any]] = {}
        self.violations: dict[str, list[tuple[str, str, str | None]]] = {}
        self.static_checked = self.rendered_checked = False
        self.fetched: tuple[set[str], set[str]] = (set(), set())
        self.rendered: tuple[set[str], set[str]] = (set(), set())
        if site is None:
            return
        site_id, site_url = site["id"], site["url"]
        for row in store.query("SELECT checklist, item_id, area, outcome, evidence FROM findings "
                               "WHERE run_id = ? AND site_id = ?", [run_id, site_id]):
            self.findings[(row["checklist"], row["item_id"])] = row
        self.static_checked = static_status(store, run_id, site) == "checked"
        rendered = store.db.execute("SELECT rendered_status FROM a11y_sites WHERE run_id = ? AND site_id = ?",
                                    (run_id, site_id)).fetchone()
        self.rendered_checked = bool(rendered) and rendered[0] in ("checked", "partial")
        for rule, source, url, template in store.db.execute(
                "SELECT rule, source, url, template_fp FROM a11y_results WHERE run_id = ? AND site_id = ? "
                "AND outcome = 'violation' ORDER BY rule, source = 'axe', rowid", (run_id, site_id)):
            self.violations.setdefault(rule, []).append((source, _url_key(url, site_url), template))
        self.fetched = _fetched_keys(store, run_id, site_id, site_url)
        self.rendered = _rendered_keys(store, run_id, site_id, site_url)

    def checked(self, source: str) -> bool:
        return self.static_checked if source == "static" else self.rendered_checked

    def covers(self, source: str, url_key: str, template: str | None) -> bool:
        """Whether this run checked that page (or a page of its template) with that kind of check."""
        if not self.checked(source):
            return False
        urls, templates = self.fetched if source == "static" else self.rendered
        return url_key in urls or (template is not None and template in templates)

    def evidence_keys(self, row: dict[str, Any]) -> set[str]:
        """The finding's evidence pages that were fetched in this run (the pages it was judged on)."""
        assert self.site is not None
        keys = set()
        for ev in json.loads(row["evidence"] or "[]"):
            url = ev.get("url") if isinstance(ev, dict) else None
            if url and _url_key(url, self.site["url"]) in self.fetched[0]:
                keys.add(_url_key(url, self.site["url"]))
        return keys


def _compare_findings(before: _RunSide, after: _RunSide) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {"new": [], "fixed": [], "open": [], "not_checked": []}
    for key in sorted(set(before.findings) | set(after.findings), key=lambda k: (k[1], k[0])):
        row_from, row_to = before.findings.get(key), after.findings.get(key)
        o_from = row_from["outcome"] if row_from else None
        o_to = row_to["outcome"] if row_to else None
        area = (row_to or row_from or {})["area"]
        name_vi, name_en = _item_names(key[0]).get(key[1], (key[1], key[1]))
        finding = _finding(area, key[1], name_vi, name_en, o_from, o_to)
        if o_from in BAD and o_to in BAD:
            lists["open"].append(finding)
        elif o_from in GOOD and o_to in BAD:
            lists["new"].append(finding)
        elif o_from in BAD and o_to in GOOD:
            assert row_from is not None
            # Judged on pages that were not fetched this time: the "fix" may be a page the crawl missed.
            unseen = before.evidence_keys(row_from) - after.fetched[0]
            lists["not_checked" if unseen else "fixed"].append(finding)
        elif o_from in BAD or o_to in BAD:
            lists["not_checked"].append(finding)
    return lists


def _rule_outcome(side: _RunSide, seen: list[Any], sources: set[str]) -> str:
    """failed where the rule was seen; passed only if the run ran the kind of check that sees it."""
    if seen:
        return "failed"
    return "passed" if all(side.checked(s) for s in sources) else "not_checked"


def _compare_accessibility(before: _RunSide, after: _RunSide) -> dict[str, list[dict[str, Any]]]:
    """Per axe rule (static rules carry the id of the axe rule they mirror)."""
    from portal_audit.a11y.rules import rule_info

    lists: dict[str, list[dict[str, Any]]] = {"new": [], "fixed": [], "open": [], "not_checked": []}
    for rule in sorted(set(before.violations) | set(after.violations)):
        seen_from, seen_to = before.violations.get(rule, []), after.violations.get(rule, [])
        sources = {s for s, _, _ in seen_from + seen_to}

        o_from, o_to = _rule_outcome(before, seen_from, sources), _rule_outcome(after, seen_to, sources)
        info = rule_info(rule)
        finding = _finding("accessibility", rule, info.title_vi, info.title_en, o_from, o_to)
        if o_from == "failed" and o_to == "failed":
            lists["open"].append(finding)
        elif o_from == "failed" and o_to == "passed":
            # Fixed only where it was seen: every page (or its template) checked again by the same check.
            again = all(after.covers(source, key, template) for source, key, template in seen_from)
            lists["fixed" if again else "not_checked"].append(finding)
        elif o_from == "passed" and o_to == "failed":
            # New only if the earlier run looked there (same page or template) and saw nothing.
            looked = any(before.covers(source, key, template) for source, key, template in seen_to)
            lists["new" if looked else "not_checked"].append(finding)
        else:
            lists["not_checked"].append(finding)
    return lists


# --- the diff -------------------------------------------------------------------------------------------------

def _score(site_id: str, scores_from: dict[str, Any] | None, scores_to: dict[str, Any] | None) -> dict[str, Any]:
    a = (scores_from or {}).get(site_id)
    b = (scores_to or {}).get(site_id)
    return {"from": a, "to": b, "change": round(b - a, 2) if a is not None and b is not None else None}


def diff_runs(store: Store, from_run: str, to_run: str, scores_from: dict[str, Any] | None = None,
              scores_to: dict[str, Any] | None = None) -> dict[str, Any]:
    """What changed for each site between two runs.

    ``{"from": id, "to": id, "sites": {site_id: {"status": compared | new_site | removed_site | availability |
    blocked, "note", "new", "fixed", "open", "not_checked", "score": {"from", "to", "change"}}}}``, each finding
    ``{"area", "id", "name_vi", "name_en", "outcome_from", "outcome_to"}``.
    """
    run_from, run_to = store.run(from_run), store.run(to_run)
    if run_from["id"] == run_to["id"]:
        raise StoreError(f"cannot compare run {run_from['id']} with itself")
    audited = {row[0] for row in store.db.execute("SELECT run_id FROM audits WHERE run_id IN (?, ?)",
                                                  (run_from["id"], run_to["id"]))}
    sites_from = {s["id"]: s for s in store.sites(run_from["id"])}
    sites_to = {s["id"]: s for s in store.sites(run_to["id"])}
    order = list(sites_to) + [s for s in sites_from if s not in sites_to]
    out: dict[str, Any] = {}
    for site_id in order:
        entry: dict[str, Any] = {"status": "compared", "note": None, "new": [], "fixed": [], "open": [],
                                 "not_checked": [], "score": _score(site_id, scores_from, scores_to)}
        out[site_id] = entry
        if site_id not in sites_from:
            entry.update(status="new_site", note="not in the earlier run: nothing to compare")
            continue
        if site_id not in sites_to:
            entry.update(status="removed_site", note="not in the later run (removed from the registry?)")
            continue
        facts_from = _site_facts(store, run_from["id"], sites_from[site_id])
        facts_to = _site_facts(store, run_to["id"], sites_to[site_id])
        before = _RunSide(store, run_from["id"], sites_from[site_id], run_from["id"] in audited)
        after = _RunSide(store, run_to["id"], sites_to[site_id], run_to["id"] in audited)
        lists = _compare_findings(before, after)
        a11y = _compare_accessibility(before, after)
        for name in lists:
            lists[name].extend(a11y[name])
        if facts_to["state"] == "blocked":
            entry.update(status="blocked", note=_blocked_note(facts_to, run_to["user_agent"]))
        elif facts_from["state"] == "blocked":
            entry.update(status="availability",
                         note="the earlier run was refused by the site (HTTP 403): findings could not be compared")
        elif note := _availability_note(facts_from, facts_to):
            entry.update(status="availability", note=note)
        if entry["status"] != "compared":
            # What looks new or fixed across an outage or a refusal is not evidence of either.
            lists["not_checked"] = sorted(lists["new"] + lists["fixed"] + lists["not_checked"],
                                          key=lambda f: (f["area"], f["id"]))
            lists["new"], lists["fixed"] = [], []
        elif not before.audited or not after.audited:
            entry["note"] = f"run {(run_to if not after.audited else run_from)['id']} was not audited: " \
                            "its findings are missing, so failures are listed as not checked"
        elif lists["not_checked"]:
            entry["note"] = (f"{len(lists['not_checked'])} finding(s) could not be compared: not judged in one of "
                             "the runs, or their pages were not fetched or rendered again")
        entry.update(lists)
    return {"from": run_from["id"], "to": run_to["id"], "sites": out}


# --- printing -------------------------------------------------------------------------------------------------

def print_history(runs: list[dict[str, Any]], console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"{len(runs)} run(s), newest first")
    for column in ("run", "started (UTC)", "finished", "status", "sites", "crawl", "pages", "audited", "raw HTML"):
        table.add_column(column, no_wrap=column in ("run", "started (UTC)"))
    for run in runs:
        started = (run["started_at"] or "")[:16].replace("T", " ")
        finished = (run["finished_at"] or "")[:16].replace("T", " ")
        if finished[:10] == started[:10]:
            finished = finished[11:]
        table.add_row(run["id"], started, finished or "-", run["status"], str(run["sites"]),
                      ", ".join(f"{k} {v}" for k, v in run["sites_by_status"].items()) or "-",
                      str(run["pages"]), "yes" if run["audited"] else "no",
                      f"pruned {run['pruned_at'][:10]}" if run["html_pruned"] else "kept")
    console.print(table)


def print_diff(diff: dict[str, Any], console: Any, details: int = 10) -> None:
    from rich.table import Table

    table = Table(title=f"changes from run {diff['from']} to run {diff['to']}")
    for column in ("site", "status", "score", "new", "fixed", "open", "not checked", "note"):
        table.add_column(column, no_wrap=column == "site")
    for site_id, entry in diff["sites"].items():
        score = entry["score"]
        if score["change"] is not None:
            score_text = f"{score['from']:.1f} → {score['to']:.1f} ({score['change']:+.1f})"
        elif score["to"] is not None or score["from"] is not None:
            score_text = f"{_num(score['from'])} → {_num(score['to'])}"
        else:
            score_text = "-"
        table.add_row(site_id, entry["status"], score_text, str(len(entry["new"])), str(len(entry["fixed"])),
                      str(len(entry["open"])), str(len(entry["not_checked"])), (entry["note"] or "")[:90])
    console.print(table)
    for site_id, entry in diff["sites"].items():
        for kind in ("new", "fixed"):
            items = entry[kind]
            if not items:
                continue
            console.print(f"[bold]{site_id}[/bold] {kind}:")
            for f in items[:details]:
                console.print(f"  {f['area']:13} {f['id']}  {f['name_en']}  ({f['outcome_from']} → {f['outcome_to']})",
                              markup=False, highlight=False)
            if len(items) > details:
                console.print(f"  … and {len(items) - details} more (--format json lists all)")


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"
