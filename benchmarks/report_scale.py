#!/usr/bin/env python3
"""Report rendering at province-and-then-some scale: 1,000 sites into static HTML, JSON and CSV.

Why this benchmark exists: the report (``portal_audit.report.render_report``) writes one scorecard per site
plus the province page, and a national roll-up or a large province's weekly run can reach a thousand sites.
The goal is under 30 s for 1,000 sites on a 2-core machine (printed, never asserted).

What it does, in one run:

1. generates a synthetic export document (``portal-audit/export/1`` with the scoring fields) of ``--sites``
   sites (default 1,000), seeded: per site 60 checks (about 40% passed, 20% partial, 25% failed, 10% not
   applicable, 5% not checked, each failed/partial one with 1–6 missing elements and 1–5 evidence rows),
   15 accessibility groups (rule × template, 5 example pages each), 20 services (declared vs evidenced levels,
   ~15% mismatched) and 10 broken links (up to 10 "found on" pages each); a 12-run trend of province and site
   scores; and a diff against the previous run (new, fixed, still open findings per site);
2. renders it with ``render_report`` into a temporary directory (Vietnamese catalogue, the same code the CLI
   uses), timing each phase (``timings``: prepare, data files, scorecard model, scorecard templates,
   scorecard files, index model, index, publish), then renders it again into the same directory to time a
   re-render over an existing report (files replaced one by one, index.html last);
3. prints the phases, the output size, and the last line ``report_1000_sites_s: <seconds>`` (the first render).

Run it with the project's interpreter: ``.venv/bin/python benchmarks/report_scale.py [--sites N] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal_audit.report import render_report  # noqa: E402
from portal_audit.report.model import checklist_items  # noqa: E402

RULES = [("image-alt", ["1.1.1"], "critical"), ("link-name", ["2.4.4", "4.1.2"], "serious"),
         ("color-contrast", ["1.4.3"], "serious"), ("label", ["4.1.2"], "critical"),
         ("html-has-lang", ["3.1.1"], "serious"), ("heading-order", [], "moderate"),
         ("td-has-header", ["1.3.1"], "critical"), ("frame-title", ["4.1.2"], "serious"),
         ("meta-viewport", ["1.4.4"], "critical"), ("identical-links-same-purpose", ["2.4.9"], "minor"),
         ("empty-heading", [], "minor"), ("button-name", ["4.1.2"], "critical"),
         ("document-title", ["2.4.2"], "serious"), ("marquee", ["2.2.2"], "serious"),
         ("duplicate-id", [], "minor")]
UNIT_TYPES = ["so_ban_nganh"] * 6 + ["ubnd_xa"] * 10 + ["ubnd_tinh", "dvc"]
OUTCOMES = ["passed"] * 8 + ["partial"] * 4 + ["failed"] * 5 + ["not_applicable"] * 2 + ["not_checked"]
WORDS = ("thông", "tin", "chỉ", "đạo", "điều", "hành", "văn", "bản", "quy", "phạm", "pháp", "luật", "dự", "thảo",
         "lấy", "ý", "kiến", "thủ", "tục", "cổng", "dịch", "vụ", "công", "trực", "tuyến", "liên", "hệ", "cán", "bộ",
         "tiếp", "dân")


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def generate(sites: int, seed: int = 7) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    rng = random.Random(seed)
    items = [(checklist, item_id) for (checklist, item_id) in checklist_items()][:60]
    docs = []
    for index in range(sites):
        host = f"https://trang{index}.truonggiang.gov.vn"
        unreachable = rng.random() < 0.02
        checks = []
        for checklist, item_id in items:
            outcome = "not_checked" if unreachable else rng.choice(OUTCOMES)
            missing = [f"el_{k}" for k in range(rng.randint(1, 6))] if outcome in ("failed", "partial") else []
            evidence = [{"url": f"{host}/tin-tuc/bai-{rng.randint(1, 5000)}.html",
                         "selector": f"#content > div:nth-of-type({k + 1}) > a", "snippet": _text(rng, 8)}
                        for k in range(rng.randint(1, 5))] if outcome != "not_applicable" else []
            checks.append({"id": item_id, "area": "technical" if item_id.startswith("tech.") else
                           rng.choice(["content", "services"]), "outcome": outcome,
                           "ref": {"doc": "43/2011/NĐ-CP", "article": 10, "clause": 1, "point": rng.choice("abcdđe")},
                           "reason": None if outcome == "passed" else f"missing: {_text(rng, 12)}",
                           "missing_elements": missing, "evidence": evidence, "checklist": checklist,
                           "in_force": checklist != "decree-43-2011", "weight": float(rng.choice([0.5, 1, 2, 3, 6]))})
        a11y = []
        for k, (rule, wcag, impact) in enumerate(RULES):
            template = f"{index:04x}{k:08x}"
            a11y.append({"rule": rule, "wcag": wcag, "impact": impact, "source": rng.choice(["axe", "static"]),
                         "pages": rng.randint(1, 400), "occurrences": rng.randint(1, 2000), "template": template,
                         "template_pages": rng.randint(1, 500), "template_pages_rendered": 2,
                         "level": "A", "legal_vn": None, "snippet": f'<img src="/anh/{k}.jpg" width="90">',
                         "examples": [{"url": f"{host}/trang/{k}-{e}.html", "selector": "body > div > header > a > img"}
                                      for e in range(5)]})
        services = []
        for k in range(20):
            declared = rng.randint(1, 4)
            evidenced = declared if rng.random() > 0.15 else max(1, declared - 1)
            services.append({"name": f"Thủ tục {_text(rng, 6)}", "url": f"{host}/thu-tuc/{k}",
                             "declared_level": declared, "evidenced_level": evidenced,
                             "declared_label": f"mức độ {declared}", "mismatch": declared != evidenced,
                             "note": None, "evidence": []})
        broken = [{"url": f"{host}/upload/{k}/van-ban-{rng.randint(1, 999)}.pdf", "status": 404, "error": None,
                   "found_on": [f"{host}/van-ban/{p}" for p in range(rng.randint(1, 10))]} for k in range(10)]
        score = None if unreachable else round(rng.uniform(20, 95), 1)
        docs.append({
            "id": f"trang-{index:04d}", "name": f"Trang thông tin điện tử đơn vị số {index}",
            "unit_type": rng.choice(UNIT_TYPES), "url": host + "/",
            "crawl": {"status": "unreachable" if unreachable else "ok", "pages": rng.randint(20, 3000),
                      "errors": rng.randint(0, 40), "reason": "dns: no such host" if unreachable else None,
                      "error_kinds": {}},
            "score": score, "grade": None if score is None else "ABCDE"[min(4, int((100 - score) // 15))],
            "area_scores": {a: None if score is None else round(rng.uniform(10, 100), 1)
                            for a in ("content", "services", "accessibility", "technical")},
            "checks": checks, "services": services, "service_levels": {}, "accessibility": a11y,
            "accessibility_status": {"static": "checked", "rendered": "checked", "reason": None, "pages": 100,
                                     "templates": 15, "pages_rendered": 30, "templates_rendered": 15},
            "accessibility_review": [], "broken_links": broken,
        })
    document = {
        "schema": "portal-audit/export/1",
        "run": {"id": "20261127T000000Z", "started_at": "2026-11-27T00:00:00+00:00",
                "finished_at": "2026-11-27T06:00:00+00:00", "status": "finished", "regime": "nd224_2026",
                "province": "Tỉnh Trường Giang (benchmark)", "tool_version": "0.1.0",
                "checklists": ["decree-224-2026", "decree-43-2011", "technical"], "as_of": "2026-11-27",
                "accessibility": {"status": "finished", "axe_version": "4.14.1", "browser": "chromium",
                                  "browser_error": None, "tags": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}},
        "targets": [{"id": "online-services-level-3", "name_vi": "Tỷ lệ dịch vụ công mức độ 3",
                     "name_en": "Share of services at level 3", "target": 0.4, "actual": 0.52, "numerator": 10400,
                     "denominator": 20000, "met": True}],
        "service_levels": {"procedures": sites * 20, "declared": {}, "evidenced": {}, "shares": {}},
        "province_score": {"score": 58.3, "median": 57.9, "sites_scored": sites, "sites_not_scored": [],
                           "grades": {"A": 1, "B": 2}, "area_scores": {}},
        "sites": docs,
    }
    trend = [{"run_id": f"R{k:02d}", "started_at": f"2026-{9 + k // 4:02d}-{1 + (k % 4) * 7:02d}T00:00:00+00:00",
              "province_score": round(50 + k * 0.7, 1),
              "sites": {d["id"]: round(rng.uniform(20, 95), 1) for d in docs}} for k in range(12)]
    findings = [{"area": "content", "id": c["id"], "name_vi": c["id"], "name_en": c["id"], "outcome_from": "passed",
                 "outcome_to": c["outcome"]} for c in docs[0]["checks"][:10]]
    diff = {"from": "R10", "to": "R11", "sites": {
        d["id"]: {"status": "compared", "note": None, "new": findings[:4], "fixed": findings[4:7], "open": findings[7:],
                  "not_checked": [], "score": {"from": 50.0, "to": d["score"],
                                               "change": None if d["score"] is None else round(d["score"] - 50, 1)}}
        for d in docs}}
    return document, diff, trend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="render into this directory and keep it")
    args = parser.parse_args()

    started = time.perf_counter()
    document, diff, trend = generate(args.sites)
    generated = time.perf_counter() - started
    checks = sum(len(s["checks"]) for s in document["sites"])
    print(f"document: {args.sites} sites, {checks} checks, "
          f"{sum(len(s['accessibility']) for s in document['sites'])} accessibility groups, "
          f"{sum(len(s['services']) for s in document['sites'])} services, 12-run trend, diff "
          f"(generated in {generated:.1f} s)")
    out = args.keep or Path(tempfile.mkdtemp(prefix="report-scale-"))
    try:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        render_report(document, out, lang="vi", diff=diff, trend=trend, findings_csv="site_id\n", timings=timings)
        first = time.perf_counter() - started
        for phase, seconds in timings.items():
            print(f"  {phase:<22} {seconds:7.2f} s")
        files = [p for p in out.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        print(f"first render: {first:.2f} s, {len(files)} files, {size / 1e6:.0f} MB "
              f"({size / max(1, args.sites) / 1e3:.0f} kB a site)")
        started = time.perf_counter()
        render_report(document, out, lang="vi", diff=diff, trend=trend, findings_csv="site_id\n")
        print(f"re-render over the existing report: {time.perf_counter() - started:.2f} s")
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)
    print(f"report_{args.sites}_sites_s: {first:.2f}" if args.sites != 1000 else f"report_1000_sites_s: {first:.2f}")


if __name__ == "__main__":
    main()
