"""The technical checklist on the demo province, against the `planted.technical` facts of its answer keys.

Two demo hosts speak HTTPS with certificates of a test CA made at start-up (one valid, one expired), which the
demo registry trusts through tls_ca_file; the others are plain HTTP. DNS cannot be asked about 127.0.0.1, so
those checks must say not_checked, never passed.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import ROOT, DemoRun, run_cli

from portal_audit.audit.technical import CHECKS

ANSWERS = ROOT / "portal_audit" / "demo" / "answers"
HEADER_ITEMS = {"Content-Security-Policy": "tech.csp", "X-Content-Type-Options": "tech.x-content-type-options",
                "X-Frame-Options": "tech.frame-protection", "Referrer-Policy": "tech.referrer-policy"}


@pytest.fixture(scope="module")
def findings(demo_run: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    db = tmp_path_factory.mktemp("technical") / "audit.db"
    shutil.copy(demo_run.db, db)
    result = run_cli("audit", "--db", str(db), "--checklist", "technical")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as con:
        con.row_factory = sqlite3.Row
        rows = con.execute("SELECT * FROM findings WHERE checklist = 'technical'").fetchall()
    return {(r["site_id"], r["item_id"]): dict(r) for r in rows}


def facts(site: str) -> list[dict[str, Any]]:
    return yaml.safe_load((ANSWERS / f"{site}.yaml").read_text(encoding="utf-8"))["planted"].get("technical") or []


def sites_with(check: str) -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, f) for p in sorted(ANSWERS.glob("*.yaml")) for f in facts(p.stem) if f.get("check") == check]


def test_version_disclosure_is_failed_with_the_header_as_evidence(findings) -> None:
    planted = sites_with("version_disclosure")
    assert len(planted) >= 5
    for site, fact in planted:
        finding = findings[(site, "tech.version-disclosure")]
        assert finding["outcome"] == "failed", (site, finding["reason"])
        name = fact["header"].split(":", 1)[0]
        assert name.lower() in finding["evidence"].lower(), (site, name, finding["evidence"])


def test_security_headers_present_pass_and_missing_fail(findings) -> None:
    checked = 0
    for site, fact in sites_with("security_headers"):
        for header in fact.get("present") or []:
            if header in HEADER_ITEMS:
                assert findings[(site, HEADER_ITEMS[header])]["outcome"] == "passed", (site, header)
                checked += 1
        for header in fact.get("missing") or []:
            if header in HEADER_ITEMS:
                assert findings[(site, HEADER_ITEMS[header])]["outcome"] == "failed", (site, header)
                checked += 1
    assert checked >= 15


def test_https_viewport_and_sitemap_follow_the_keys(findings) -> None:
    for site, fact in sites_with("https"):
        assert findings[(site, "tech.https")]["outcome"] == ("passed" if fact["value"] else "failed")
    for site, fact in sites_with("viewport_meta"):
        assert findings[(site, "tech.mobile-viewport")]["outcome"] == ("passed" if fact["value"] else "failed"), site
    for site, fact in sites_with("sitemap_xml"):
        assert findings[(site, "tech.sitemap-xml")]["outcome"] == ("passed" if fact["status"] == 200 else "failed")
    # Level 3-4 procedures over plain http: the heaviest technical failure of an online-service portal.
    service = findings[("dich-vu-cong", "tech.service-https")]
    assert service["outcome"] == "failed" and service["weight"] > findings[("cong-tinh", "tech.https")]["weight"]


def https_value(site: str) -> bool:
    return any(f.get("value") for f in facts(site) if f.get("check") == "https")


def test_network_facts_gathered_at_crawl_time_are_judged_and_the_dead_site_is_never_judged(findings) -> None:
    for (site, item), finding in findings.items():
        if site == "ubnd-huyen-cu":
            assert finding["outcome"] == "not_checked", item
    live = [s for s in {site for site, _ in findings} if s != "ubnd-huyen-cu"]
    plain = [s for s in live if not https_value(s)]
    assert plain and len(plain) < len(live)
    for site in plain:
        # Plain HTTP on 127.0.0.1: no TLS on 443, no redirect to https.
        tls = findings[(site, "tech.tls-certificate")]
        assert tls["outcome"] == "failed" and "no working HTTPS" in tls["reason"], tls
        assert findings[(site, "tech.tls-version")]["outcome"] == "not_applicable"
        assert findings[(site, "tech.http-to-https")]["outcome"] == "failed"
    for site in live:
        # No DNS to ask for a literal address.
        for item in ("tech.ipv6", "tech.dnssec"):
            assert findings[(site, item)]["outcome"] == "not_checked" and findings[(site, item)]["reason"], item
    # Speed and phone width come from live loads in the render stage (loopback: fast).
    for site in live:
        speed = findings[(site, "tech.speed")]
        assert speed["outcome"] == "passed" and "FCP" in speed["evidence"], speed
        assert findings[(site, "tech.mobile-layout")]["outcome"] in ("passed", "failed")


def test_https_sites_are_judged_on_their_certificates(findings) -> None:
    planted = sites_with("tls_certificate")
    assert {f.get("valid", False) for _, f in planted} == {True, False}  # one valid, one expired at least
    for site, fact in planted:
        assert https_value(site), site
        assert findings[(site, "tech.https")]["outcome"] == "passed", site
        tls = findings[(site, "tech.tls-certificate")]
        if fact.get("valid"):
            assert tls["outcome"] == "passed", (site, tls["reason"])
            assert findings[(site, "tech.tls-version")]["outcome"] == "passed", site
        if fact.get("expired"):
            assert tls["outcome"] == "failed" and "expired" in tls["reason"], (site, tls["reason"])


def test_the_crawl_does_not_verify_certificates(demo_run: DemoRun) -> None:
    # The expired certificate is a finding, not a reason to stop crawling: the pages are there.
    with sqlite3.connect(demo_run.db) as con:
        counts = dict(con.execute("SELECT site_id, COUNT(*) FROM pages GROUP BY site_id").fetchall())
    for site, _ in sites_with("tls_certificate"):
        key = yaml.safe_load((ANSWERS / f"{site}.yaml").read_text(encoding="utf-8"))
        assert counts.get(site, 0) >= key["crawl"]["pages_ok"], site


def test_mixed_content_is_failed_on_the_planted_page(demo_run: DemoRun, findings) -> None:
    planted = sites_with("mixed_content")
    assert planted
    registry = yaml.safe_load((demo_run.out / "demo.sites.yaml").read_text(encoding="utf-8"))
    bases = {"portal": next(s["url"] for s in registry["sites"] if s["id"] == "cong-tinh").rstrip("/")}
    for site, fact in planted:
        finding = findings[(site, "tech.mixed-content")]
        assert finding["outcome"] == "failed", (site, finding["reason"])
        resource = re.sub(r"\{\{host:(\w+)\}\}", lambda m: bases[m.group(1)], fact["resource"])
        assert resource.startswith("http://")
        evidence = json.loads(finding["evidence"])
        hits = [e for e in evidence if resource in e["snippet"]]
        assert hits and all(urlsplit(e["url"]).path == fact["url"] for e in hits), evidence
    for site in {s for s, _ in findings if s != "ubnd-huyen-cu"} - {s for s, _ in planted}:
        assert findings[(site, "tech.mixed-content")]["outcome"] in ("passed", "not_applicable"), site


def test_every_check_type_of_the_schema_has_a_judge() -> None:
    schema = json.loads((ROOT / "checklists" / "checklist.schema.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]["check"]["properties"]["type"]["enum"]) == set(CHECKS)


def test_broken_internal_links_are_grouped_by_the_template_linking_to_them(findings) -> None:
    finding = findings[("xa-dong-son", "tech.broken-internal-links")]
    assert finding["outcome"] == "failed"
    evidence = json.loads(finding["evidence"])
    assert evidence and all("linked from" in e["snippet"] for e in evidence)


def test_export_carries_technical_checks(demo_run: DemoRun, tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    shutil.copy(demo_run.db, db)
    assert run_cli("audit", "--db", str(db), "--checklist", "technical").returncode == 0
    document = json.loads(run_cli("export", "--db", str(db)).stdout)
    areas = {c["area"] for s in document["sites"] for c in s["checks"]}
    assert areas == {"technical"}
