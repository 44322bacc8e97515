"""One home for the fetch-error kinds (portal_audit/errorkind.py): every reader uses the same names and groups."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from conftest import ROOT

from portal_audit import export
from portal_audit.audit import technical
from portal_audit.crawl.errors import classify_browser_error
from portal_audit.errorkind import BROKEN_KINDS, INCOMPLETE_KINDS, NETWORK_KINDS, REFUSED_KINDS, ErrorKind
from portal_audit.report.crawl_reasons import KIND_LABELS
from portal_audit.store import Store


def test_a_kind_is_the_plain_string_the_store_holds() -> None:
    assert ErrorKind.TOO_LARGE == "too_large" and f"{ErrorKind.TIMEOUT}: x" == "timeout: x"
    assert classify_browser_error("net::ERR_NAME_NOT_RESOLVED") is ErrorKind.DNS


def test_every_kind_is_documented_and_worded_by_the_report() -> None:
    schema = (ROOT / "docs" / "schema.md").read_text("utf-8")
    documented = set(re.findall(r"^\| `(\w+)` \|", schema.split("`fetch_errors.kind`:", 1)[1], re.M))
    assert documented == {k.value for k in ErrorKind}
    assert {k.value for k in ErrorKind} <= set(KIND_LABELS)


def test_the_groups_are_made_of_kinds_and_refusals_are_never_broken() -> None:
    for group in (BROKEN_KINDS, INCOMPLETE_KINDS, NETWORK_KINDS, REFUSED_KINDS):
        assert all(isinstance(k, ErrorKind) for k in group)
    assert not set(BROKEN_KINDS) & {*REFUSED_KINDS, ErrorKind.ROBOTS, ErrorKind.TRAP}
    assert set(NETWORK_KINDS) <= set(INCOMPLETE_KINDS)


def test_the_audit_item_and_the_export_list_agree_on_what_is_broken(tmp_path: Path) -> None:
    """An internal page that failed for a reason no kind names ("other") is a link a visitor finds broken: the
    export lists it and the broken-internal-links item fails on it, never one without the other."""
    assert export.BROKEN_KINDS is technical.BROKEN_KINDS is BROKEN_KINDS
    store = Store(tmp_path / "audit.db")
    run_id = store.create_run(province="t", registry_path="r.yaml", tool_version="0", engine="test", user_agent="ua",
                              sites=[{"id": "s", "name": "S", "unit_type": "so_ban_nganh",
                                      "url": "https://cong.gov.vn/"}])
    home, bad, robots = "https://cong.gov.vn/", "https://cong.gov.vn/hong", "https://cong.gov.vn/cam"
    for url, kind in ((bad, ErrorKind.OTHER), (robots, ErrorKind.ROBOTS)):
        store.db["fetch_errors"].insert({"run_id": run_id, "site_id": "s", "url": url, "kind": kind,
                                         "detail": "x", "referrer": home})
        store.db["links"].insert({"run_id": run_id, "site_id": "s", "from_url": home, "to_url": url,
                                  "kind": "internal"})
    listed = export.broken_links(store, run_id, "s")
    assert [(b["url"], b["error"]) for b in listed] == [(bad, "other")]
    page = SimpleNamespace(url=home, final_url=home, template="t1")
    corpus = SimpleNamespace(store=store, run_id=run_id, site={"id": "s"}, pages=[page])
    outcome, why, evidence = technical.check_broken_internal_links(corpus, {"check": {}}, [])
    assert outcome == "failed" and why == "1 internal URL(s) broken"
    assert [e.url for e in evidence] == [home] and bad in evidence[0].snippet
    store.close()
