"""The scorecard says each thing once: an accessibility problem by rule (a shared element once, not per template),
one fix item per obligation across the baseline and the texts in force, and one status per cited legal text."""

from __future__ import annotations

from datetime import date
from typing import Any

from portal_audit.a11y.summary import common_title_suffix
from portal_audit.report.i18n import translations
from portal_audit.report.legal_texts import text_status
from portal_audit.report.model import accessibility_by_rule, fix_list

VI = translations("vi").gettext
LOGO = '<img src="/logo.png">'


def _group(template: str, occurrences: int, shared: int, pages: int = 2) -> dict[str, Any]:
    return {"rule": "image-alt", "wcag": ["1.1.1"], "impact": "critical", "source": "static", "pages": pages,
            "occurrences": occurrences, "template": template, "template_pages": pages,
            "examples": [{"url": f"https://s.example/{template}/1", "selector": "img"}], "snippet": LOGO,
            "template_label": {"title": f"Trang {template}", "url": f"https://s.example/{template}/"},
            "shared_occurrences": shared,
            "local_example": {"url": f"https://s.example/{template}/1", "selector": "main img",
                              "snippet": f'<img src="/{template}.png">'} if occurrences > shared else None}


def test_a_shared_element_is_said_once_and_templates_only_with_problems_of_their_own() -> None:
    site = {"accessibility": [_group("news", 4, 2), _group("list", 2, 2), _group("home", 1, 1, pages=1)],
            "accessibility_shared": [{"rule": "image-alt", "snippet": LOGO, "selector": "header img", "templates": 3,
                                      "templates_checked": 3, "pages": 5, "occurrences": 5,
                                      "examples": [{"url": "https://s.example/"}]}],
            "score_detail": {"accessibility": {"deductions": [{"rule": "image-alt", "points": 12.5}]}}}
    rules = accessibility_by_rule(site, "vi", VI)
    assert len(rules) == 1
    rule = rules[0]
    assert rule["points"] == 12.5 and rule["occurrences"] == 7 and rule["pages"] == 5
    assert [e["snippet"] for e in rule["shared"]] == [LOGO]
    # "list" and "home" fail only on the logo: fixing the shared element fixes them, so they are not listed
    assert [(t["title"], t["occurrences"], t["snippet"]) for t in rule["templates"]] == \
        [("Trang news", 2, '<img src="/news.png">')]


def test_without_shared_elements_every_template_is_listed_by_its_page_title() -> None:
    site = {"accessibility": [_group("news", 3, 0), _group("list", 1, 0)]}
    rule = accessibility_by_rule(site, "vi", VI)[0]
    assert rule["shared"] == [] and rule["points"] is None
    assert [(t["title"], t["url"]) for t in rule["templates"]] == [
        ("Trang news", "https://s.example/news/"), ("Trang list", "https://s.example/list/")]


def test_the_site_name_every_title_repeats_is_dropped_from_template_labels() -> None:
    titles = ["Tin tức - Sở Y tế tỉnh X", "Liên hệ - Sở Y tế tỉnh X", "Khai mạc hội nghị - tổng kết - Sở Y tế tỉnh X",
              "Trang chủ"]
    assert common_title_suffix(titles) == " - Sở Y tế tỉnh X"
    assert common_title_suffix(["Kỷ niệm 80 năm | Sở A", "Tin | Sở B", "Văn bản"]) == ""
    assert common_title_suffix([]) == ""


def _check(item_id: str, checklist: str, outcome: str, in_force: bool, doc: str, missing: list[str] | None = None,
           **ref: Any) -> dict[str, Any]:
    return {"id": item_id, "checklist": checklist, "area": "content", "outcome": outcome, "in_force": in_force,
            "weight": 2.0, "missing_elements": missing or [], "reason": None,
            "ref": {"doc": doc, "article": ref.get("article", 9), "clause": 1, "point": ref.get("point", "b")},
            "evidence": [{"url": f"https://s.example/{item_id}", "snippet": "x"}]}


def test_the_baseline_item_joins_its_successor_in_force_with_the_elements_only_it_names() -> None:
    site = {"checks": [
        _check("nd224.9.1.b.gioi-thieu-so", "decree-224-2026", "failed", True, "224/2026/NĐ-CP"),
        _check("nd43.10.1.a.gioi-thieu-so", "decree-43-2011", "partial", False, "43/2011/NĐ-CP",
               missing=["lanh_dao"], article=10, point="a"),
        # its successor (nd224.9.1.d.tctt19.a.van-ban) passed: the baseline still asks something, so it stays
        _check("nd224.9.1.d.tctt19.a.van-ban", "decree-224-2026", "passed", True, "104/2016/QH13"),
        _check("nd43.10.1.e.van-ban", "decree-43-2011", "failed", False, "43/2011/NĐ-CP", article=10, point="e"),
    ]}
    fixes = fix_list(site, "vi", VI, date(2026, 12, 7))
    assert [f["id"] for f in fixes] == ["nd224.9.1.b.gioi-thieu-so", "nd43.10.1.e.van-ban"]
    merged = fixes[0]
    assert [a["id"] for a in merged["also"]] == ["nd43.10.1.a.gioi-thieu-so"]
    assert merged["also"][0]["text"]["status"] == "repealed"
    assert [m.get("baseline") for m in merged["missing"]] == [True]
    assert len(merged["evidence"]) == 2


def test_one_status_per_text_on_the_run_day() -> None:
    assert text_status("43/2011/NĐ-CP", date(2026, 12, 7))["status"] == "repealed"
    assert text_status("43/2011/NĐ-CP", date(2026, 12, 7))["since"] == date(2022, 8, 15)
    assert text_status("43/2011/NĐ-CP", date(2015, 1, 1))["status"] == "in_force"
    assert text_status("224/2026/NĐ-CP", date(2026, 6, 1))["status"] == "not_yet"
    assert text_status("224/2026/NĐ-CP", date(2026, 12, 7))["url"].startswith("https://datafiles.chinhphu.vn/")
    assert text_status("32/2017/TT-BTTTT; 224/2026/NĐ-CP", date(2026, 12, 7))["status"] is None  # unverified
    assert text_status("1/2099/XX", date(2026, 12, 7)) == {"status": None, "since": None, "url": None}
    assert text_status("43/2011/NĐ-CP", None)["status"] is None


def test_the_csv_adds_the_vietnamese_name_and_reason_after_the_contract_columns() -> None:
    import csv
    import io

    from portal_audit.export import CSV_COLUMNS, export_csv

    check = _check("nd43.10.1.e.van-ban", "decree-43-2011", "failed", False, "43/2011/NĐ-CP", article=10, point="e")
    check.update(reason="the home page is served over plain http://",
                 reason_template="the home page is served over plain http://", reason_params={})
    document = {"run": {"id": "R"}, "sites": [{"id": "s", "checks": [check]}]}
    rows = list(csv.reader(io.StringIO(export_csv(document))))
    assert tuple(rows[0][:8]) == CSV_COLUMNS and rows[0][8:] == ["name_vi", "reason_vi"]
    assert rows[1][:5] == ["s", "content", "nd43.10.1.e.van-ban", "43/2011/NĐ-CP 10 1 e", "failed"]
    assert "văn bản" in rows[1][8].lower()
    assert rows[1][9] and rows[1][9] != check["reason"]  # the catalogue's Vietnamese
