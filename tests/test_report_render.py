"""The published report from synthetic export documents: layout, ranking, fix order, comparisons, escaping.

The documents carry the scoring fields (score, grade, area_scores, score_detail, province_score) the scoring
stage adds, and hostile strings wherever a crawled site can put text.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from portal_audit.report import render_report
from portal_audit.report.model import citation, fix_list, site_slug
from portal_audit.report.render import web_url

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def _check(item_id: str, outcome: str, weight: float = 2.0, missing: list[str] | None = None,
           area: str = "content", in_force: bool = True, **ref: Any) -> dict[str, Any]:
    return {"id": item_id, "area": area, "outcome": outcome, "weight": weight, "checklist": "decree-43-2011",
            "in_force": in_force, "reason": f"reason of {item_id} {PAYLOAD}" if outcome != "passed" else None,
            "ref": {"doc": "43/2011/NĐ-CP", "article": 10, "clause": 1, "point": "b", **ref},
            "missing_elements": missing or [],
            "evidence": [{"url": f"javascript:alert('{item_id}')", "selector": "#x", "snippet": PAYLOAD},
                         {"url": "https://so.example.gov.vn/a?b=1&c=<2>", "selector": None, "snippet": None}]}


def synthetic_document(sites: int = 3) -> dict[str, Any]:
    docs = []
    for index in range(sites):
        score = [82.5, 61.0, 61.0, 40.0][index % 4] if index < sites - 1 else None
        docs.append({
            "id": f"site-{index}", "name": f"Trang {index} {PAYLOAD}", "unit_type": "so_ban_nganh",
            "url": f"https://site{index}.example.gov.vn/",
            "crawl": {"status": "ok" if score is not None else "unreachable", "pages": 10, "errors": 0,
                      "reason": None if score is not None else "dns: no such host", "error_kinds": {}},
            "score": score, "grade": None if score is None else ("A" if score > 80 else "C"),
            "area_scores": {"content": score, "services": None, "accessibility": 70.0, "technical": 55.5},
            "score_detail": {"content": {"score": score, "not_checked": ["nd43.x"], "passed": 1, "partial": 1,
                                         "failed": 2, "not_applicable": 0, "deductions": []}},
            "checks": [
                _check("nd43.a", "failed", weight=6, missing=["e1", "e2", "e3"]),
                _check("nd43.b", "partial", weight=3, missing=["e1"]),
                _check("nd43.c", "failed", weight=1),
                _check("nd43.d", "failed", weight=10, missing=["e1"], in_force=False),
                _check("nd43.e", "passed"),
                _check("nd43.x", "not_checked"),
                _check("tech.https", "failed", area="technical", weight=3, clause=None, point=None),
            ],
            "services": [{"name": f"Thủ tục {PAYLOAD}", "url": "javascript:alert(9)", "declared_level": 4,
                          "evidenced_level": 2, "declared_label": "toàn trình", "mismatch": True,
                          "note": PAYLOAD, "evidence": []}],
            "service_levels": {"declared": {"4": 1}, "evidenced": {"2": 1}},
            "accessibility": [{"rule": "image-alt", "wcag": ["1.1.1"], "impact": "critical", "source": "axe",
                               "pages": 3, "occurrences": 5, "template": "abc123", "template_pages": 4,
                               "template_pages_rendered": 2, "level": "A", "legal_vn": None, "snippet": PAYLOAD,
                               "examples": [{"url": "https://site.example/p1", "selector": PAYLOAD}],
                               "template_label": {"title": f"Tin tức {PAYLOAD}", "url": "https://site.example/tin/"}}],
            "accessibility_status": {"static": "checked", "rendered": "checked", "reason": None, "pages": 10,
                                     "templates": 2, "pages_rendered": 4, "templates_rendered": 2},
            "accessibility_review": [],
            "broken_links": [{"url": "https://site.example/x/%3C/textarea%3E%3Cscript%3Ealert(2)%3C/script%3E"
                                     "'onmouseover='alert(3)", "status": 404, "error": None,
                              "found_on": ["https://site.example/", "javascript:alert(4)"]}],
        })
    return {
        "schema": "portal-audit/export/1",
        "run": {"id": "20261127T000000Z", "started_at": "2026-11-27T00:00:00+00:00",
                "finished_at": "2026-11-27T01:00:00+00:00", "status": "finished", "regime": "nd224_2026",
                "province": f"Tỉnh Thử {PAYLOAD}", "tool_version": "0.1.0",
                "checklists": ["decree-224-2026", "decree-43-2011", "technical"], "as_of": "2026-11-27",
                "accessibility": {"status": "finished", "axe_version": "4.14.1", "browser": "chromium 1",
                                  "browser_error": None, "tags": ["wcag2a", "wcag2aa"]}},
        "targets": [{"id": "t1", "name_vi": "Chỉ tiêu một", "name_en": "Target one", "target": 0.4, "actual": 0.5,
                     "numerator": 1, "denominator": 2, "met": True},
                    {"id": "t2", "name_vi": "Chỉ tiêu hai", "name_en": "Target two", "target": 1.0, "actual": None,
                     "numerator": 0, "denominator": 0, "met": None, "not_checked": ["site-2"]}],
        "service_levels": {"procedures": 10, "declared": {"3": 4, "4": 6}, "evidenced": {"2": 2, "3": 5, "4": 3},
                           "shares": {"declared": {"3": 0.4, "4": 0.6}, "evidenced": {"2": 0.2, "3": 0.5, "4": 0.3}}},
        "province_score": {"score": 61.2, "median": 61.0, "sites_scored": sites - 1,
                           "sites_not_scored": [f"site-{sites - 1}"], "grades": {"A": 1, "C": sites - 2},
                           "area_scores": {}},
        "sites": docs,
    }


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    render_report(synthetic_document(), out, lang="vi", findings_csv="site_id,area\n")
    return out


def test_layout_files_and_data(rendered: Path) -> None:
    for name in ("index.html", "static/report.css", "data/summary.json", "data/findings.csv",
                 "sites/site-0.html", "data/sites/site-0.json", "sites/site-2.html"):
        assert (rendered / name).is_file(), name
    summary = json.loads(read(rendered / "data" / "summary.json"))
    assert summary["province_score"]["score"] == 61.2 and summary["targets"][0]["id"] == "t1"
    assert [s["id"] for s in summary["sites"]][:3] == ["site-0", "site-1", "site-2"]
    assert json.loads(read(rendered / "data" / "sites" / "site-0.json"))["id"] == "site-0"
    # UTF-8 with a byte-order mark, so that Excel shows Vietnamese correctly
    assert (rendered / "data" / "findings.csv").read_bytes() == b"\xef\xbb\xbfsite_id,area\n"
    assert not list(rendered.glob(".report-*"))  # no staging directory left behind


def test_ranking_ties_share_a_rank_and_unscored_sites_are_not_ranked_as_zero(rendered: Path) -> None:
    summary = json.loads(read(rendered / "data" / "summary.json"))
    ranks = {s["id"]: s["rank"] for s in summary["sites"]}
    assert ranks == {"site-0": 1, "site-1": 2, "site-2": None}
    assert summary["sites"][2]["not_scored"] == "unreachable"
    index = read(rendered / "index.html")
    # the crawler's line in words, its own English folded into a technical detail
    assert "chưa chấm" in index and "không tìm thấy địa chỉ (lỗi DNS)" in index
    assert '<summary>chi tiết kỹ thuật</summary><span lang="en">no such host</span>' in index
    assert index.index("site-0.html") < index.index("site-1.html") < index.index("site-2.html")


def test_no_script_and_every_payload_escaped(rendered: Path) -> None:
    for page in [rendered / "index.html", *sorted((rendered / "sites").glob("*.html"))]:
        html = read(page)
        assert "<script" not in html.lower(), page
        assert re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.I) is None, page  # no event-handler attribute
        assert "<img" not in html, page
        assert 'href="javascript:' not in html.lower(), page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
    site = read(rendered / "sites" / "site-0.html")
    assert "onmouseover=&#39;alert(3)" in site  # the quote cannot end an attribute
    assert 'href="https://so.example.gov.vn/a?b=1&amp;c=&lt;2&gt;"' in site


def test_first_run_says_nothing_to_compare(rendered: Path) -> None:
    index = read(rendered / "index.html")
    assert "Lần đánh giá đầu tiên" in index and "▲" not in index and "▼" not in index
    assert "<svg" not in index


def test_fix_list_fastest_win_first_with_citations() -> None:
    from portal_audit.report.i18n import translations

    site = synthetic_document()["sites"][0]
    fixes = fix_list(site, "vi", translations("vi").gettext)
    # in force first, then gain/effort: tech.https 3/1, nd43.a 6/3, nd43.b 1.5/1, nd43.c 1/1; nd43.d (not in force) last
    assert [f["id"] for f in fixes] == ["tech.https", "nd43.a", "nd43.b", "nd43.c", "nd43.d"]
    assert fixes[1]["citation"] == "Điều 10 khoản 1 điểm b Nghị định 43/2011/NĐ-CP"
    assert fixes[0]["citation"] == "Điều 10 Nghị định 43/2011/NĐ-CP"
    en = translations("en").gettext
    assert citation({"doc": "32/2017/TT-BTTTT", "article": 18, "clause": 1, "point": "đ"}, en) == \
        "Art. 18(1)(đ), Circular 32/2017/TT-BTTTT"


def test_scorecard_shows_fixes_a11y_services_links_and_not_checked(rendered: Path) -> None:
    site = read(rendered / "sites" / "site-0.html")
    for text in ("Những gì còn thiếu", "Căn cứ pháp lý", "Điều 10 khoản 1 điểm b Nghị định 43/2011/NĐ-CP",
                 "hết hiệu lực từ 15/08/2022", "Mẫu của trang “Tin tức &lt;script&gt;", "1.1.1", "nghiêm trọng",
                 "không khớp",
                 "Liên kết hỏng", "Chưa kiểm tra", "nd43.x", "Lần đánh giá đầu tiên"):
        assert text in site, text
    assert '<html lang="vi">' in site


def test_diff_and_trend_give_arrows_with_text_and_an_svg_from_numbers(tmp_path: Path) -> None:
    document = synthetic_document()
    diff = {"from": "R1", "to": "R2", "sites": {
        "site-0": {"status": "compared", "note": None, "score": {"from": 80.0, "to": 82.5, "change": 2.5},
                   "new": [{"area": "content", "id": "nd43.a", "name_vi": "Mục A", "name_en": "Item A",
                            "outcome_from": "passed", "outcome_to": "failed"}],
                   "fixed": [], "open": [], "not_checked": []},
        "site-1": {"status": "compared", "note": None, "score": {"from": 70.0, "to": 61.0, "change": -9.0},
                   "new": [], "fixed": [], "open": [], "not_checked": []}}}
    trend = [{"run_id": f"R{i}", "started_at": f"2026-11-{10 + i:02d}T00:00:00+00:00",
              "province_score": 50.0 + i, "sites": {"site-0": 70.0 + i}} for i in range(1, 4)]
    trend[1]["province_score"] = None  # a gap in the line, never a zero
    index = render_report(document, tmp_path, lang="en", diff=diff, trend=trend)
    html = read(index)
    assert '<html lang="en">' in html
    assert "up 2.5 points" in html and "down 9.0 points" in html and "first run" not in html.lower()
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "<script" not in svg and "alert" not in svg and svg.count("<circle") == 2
    assert 'role="img"' in svg and "<title" in svg
    site = read(tmp_path / "sites" / "site-0.html")
    assert "Item A" in site and "Compared with run R1." in site


def test_rerender_replaces_files_and_drops_scorecards_of_removed_sites(tmp_path: Path) -> None:
    document = synthetic_document(4)
    render_report(document, tmp_path)
    assert (tmp_path / "sites" / "site-3.html").exists()
    (tmp_path / "keep.txt").write_text("not ours")
    smaller = copy.deepcopy(document)
    smaller["sites"] = smaller["sites"][:2]
    render_report(smaller, tmp_path)
    assert not (tmp_path / "sites" / "site-3.html").exists() and not (tmp_path / "data/sites/site-3.json").exists()
    assert (tmp_path / "sites" / "site-1.html").exists() and (tmp_path / "keep.txt").exists()
    assert len(json.loads(read(tmp_path / "data" / "summary.json"))["sites"]) == 2


def test_hostile_site_ids_stay_inside_the_sites_folder(tmp_path: Path) -> None:
    document = synthetic_document(2)
    document["sites"][0]["id"] = "../../etc/passwd"
    document["sites"][1]["id"] = "CON"
    render_report(document, tmp_path)
    names = sorted(p.name for p in (tmp_path / "sites").iterdir())
    assert len(names) == 2 and all(re.fullmatch(r"[a-z0-9_-]+--[0-9a-f]{10}\.html", n) for n in names), names
    assert not (tmp_path.parent / "etc").exists()
    assert site_slug("so-noi-vu") == "so-noi-vu" and site_slug("a--b") != "a--b"


def test_missing_scoring_fields_mean_not_scored(tmp_path: Path) -> None:
    document = synthetic_document()
    document.pop("province_score")
    for site in document["sites"]:
        for key in ("score", "grade", "area_scores", "score_detail"):
            site.pop(key)
    index = read(render_report(document, tmp_path, lang="en"))
    assert "this export carries no scores" in index
    assert json.loads(read(tmp_path / "data" / "summary.json"))["sites"][0]["rank"] is None


def test_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report language"):
        render_report(synthetic_document(), tmp_path, lang="fr")


@pytest.mark.parametrize("url, ok", [
    ("https://a.gov.vn/x", True), ("http://127.0.0.1:8/x", True), ("javascript:alert(1)", False),
    (" JavaScript:alert(1)", False), ("data:text/html,<script>", False), ("//evil.example/x", False),
    ("vbscript:x", False), ("https://a.gov.vn/\nx", False), ("", False), (None, False), ("file:///etc/passwd", False),
])
def test_only_http_urls_become_links(url: Any, ok: bool) -> None:
    assert web_url(url) is ok


def test_engine_reasons_are_marked_english_in_a_vietnamese_report(rendered: Path, tmp_path: Path) -> None:
    """The engine's reasons are English: in a report of another language they carry lang="en" (WCAG 3.1.2)."""
    site = next(iter(sorted((rendered / "sites").glob("*.html"))))
    reasons = re.findall(r'<span lang="en">reason of ([\w.-]+)', read(site))
    assert reasons, "no reason marked as English in the Vietnamese scorecard"
    render_report(synthetic_document(), tmp_path, lang="en")
    assert '<span lang="en">' not in read(tmp_path / "sites" / site.name)


def _with_templates(document: dict[str, Any]) -> dict[str, Any]:
    from portal_audit.reasons import english, join_reasons, reason, reason_label

    doc = copy.deepcopy(document)
    made = {
        "nd43.a": reason("{n} of {total} document(s) cannot be downloaded", n=1, total=4),
        "nd43.b": join_reasons([reason("missing: {names}", names=f"Lịch công tác {PAYLOAD}"),
                                "navigation built by JavaScript was not rendered (error: x)",
                                reason("newest dated item {date} is {age} working days old (limit {limit})",
                                       date="2026-11-01", age=20, limit=15)]),
        "tech.https": reason("footer lacks: {items}", items=[reason_label("person responsible"), "e-mail"]),
        "nd43.x": reason("site not crawled: {why}", why=english(PAYLOAD)),
    }
    for site in doc["sites"]:
        for check in site["checks"]:
            if check["id"] in made:
                value = made[check["id"]]
                check.update(reason=str(value), reason_template=value.template,
                             reason_params=json.loads(json.dumps(value.params)))
    return doc


def test_reasons_with_a_template_are_translated_in_a_vietnamese_report(tmp_path: Path) -> None:
    document = _with_templates(synthetic_document())
    render_report(document, tmp_path / "vi", lang="vi")
    render_report(document, tmp_path / "en", lang="en")
    vi, en = read(tmp_path / "vi" / "sites" / "site-0.html"), read(tmp_path / "en" / "sites" / "site-0.html")
    assert "không tải được 1 trên 4 tệp văn bản" in vi
    assert "1 of 4 document(s) cannot be downloaded" not in vi
    assert "phần chân trang thiếu: người chịu trách nhiệm, thư điện tử" in vi
    assert "tin/bài mới nhất ngày 2026-11-01 đã 20 ngày làm việc (giới hạn 15)" in vi
    assert "thiếu: Lịch công tác &lt;script&gt;" in vi  # parameters stay escaped
    # A part of a joined reason with no template stays English, marked as such.
    assert '<span lang="en">navigation built by JavaScript was not rendered (error: x)</span>' in vi
    # An English parameter (a crawl error) stays English inside the Vietnamese sentence, marked and escaped.
    assert 'chưa thu thập được dữ liệu trang web: <span lang="en">&lt;script&gt;' in vi
    assert PAYLOAD not in vi and PAYLOAD not in en
    assert "1 of 4 document(s) cannot be downloaded" in en
    assert "footer lacks: person responsible, e-mail" in en
    assert "newest dated item 2026-11-01 is 20 working days old (limit 15)" in en
    assert '<span lang="en">' not in en and "không tải được" not in en
    # Checks without a template keep the English reason, marked lang="en".
    assert '<span lang="en">reason of nd43.c' in vi


def test_an_untranslated_template_falls_back_to_the_english_reason(tmp_path: Path) -> None:
    from portal_audit.report.reasons import translated_reason

    check = {"reason": "something new", "reason_template": "something {new}", "reason_params": {"new": "new"}}
    assert translated_reason(check, "vi") is None
    assert translated_reason({"reason": "x", "reason_template": None}, "vi") is None
    assert translated_reason({"reason": "no linked documents", "reason_template": "no linked documents",
                              "reason_params": {}}, "en") is None
    assert translated_reason({"reason": "no linked documents", "reason_template": "no linked documents",
                              "reason_params": {}}, "vi") == "không có tệp văn bản nào được liên kết"
