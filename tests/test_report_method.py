"""Issue #13, items 4 and 5: the page on how scores are computed (method.html), the webmaster's contact on the
scorecard, labels that say whether they count pages or websites, trend dates with their year.

The method page must state the numbers the scoring uses: the tests read them from ``load_scoring()`` and render
again with a changed configuration, so a page that restated numbers by hand would fail.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from test_report_render import PAYLOAD, synthetic_document

from portal_audit import scoring
from portal_audit.report import render_report
from portal_audit.report.svg import trend_svg


def html_of(path: Path) -> Any:
    return lxml.html.fromstring(path.read_bytes())


def text_of(element: Any) -> str:
    return re.sub(r"\s+", " ", element.text_content()).strip()


def links_to(path: Path, target: Path, within: str = "//body") -> list[Any]:
    """Links of ``path`` (inside the ``within`` XPath) whose href, resolved against the page, is ``target``."""
    found = []
    for scope in html_of(path).xpath(within):
        for link in scope.xpath(".//a[@href]"):
            resolved = urlsplit(urljoin(path.as_uri(), link.get("href"))).path
            if Path(resolved) == target:
                found.append(link)
    return found


def table_rows(page: Path, caption_id: str) -> dict[str, list[str]]:
    """A table of ``page`` by its caption's id: row header → texts of the row's cells."""
    table = html_of(page).xpath(f'//table[caption[@id="{caption_id}"]]')[0]
    return {text_of(tr.xpath("th")[0]): [text_of(td) for td in tr.xpath("td")] for tr in table.xpath(".//tbody/tr")}


def band_rows(method: Path) -> dict[str, list[str]]:
    """The grade table of the method page: grade → [score range, label]."""
    return table_rows(method, "cap-grades")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("method-report")
    document = synthetic_document()
    document["sites"][0]["webmaster"] = {"name": f"Văn phòng Sở {PAYLOAD}", "email": "vanphong@so.example.gov.vn",
                                         "phone": "0200 3 852 460"}
    document["sites"][1]["webmaster"] = None  # the registry gives no contact
    # site-2: an export without the field at all (older exports)
    render_report(document, out, lang="vi")
    return out


def test_the_summary_and_every_scorecard_link_to_the_method_page(rendered: Path) -> None:
    method = rendered / "method.html"
    assert method.is_file()
    pages = [rendered / "index.html", *sorted((rendered / "sites").glob("*.html"))]
    assert len(pages) == 4
    for page in pages:
        assert links_to(page, method, '//nav[@class="pages"]'), page.name  # header of every page
    # next to the scores: the summary's headline and each scorecard's score section
    assert links_to(rendered / "index.html", method, '//section[@aria-labelledby="h-summary"]')
    for page in sorted((rendered / "sites").glob("*.html")):
        assert links_to(page, method, '//section[@aria-labelledby="h-score"]'), page.name
    # the method page marks itself as the current page and links back to the summary
    assert html_of(method).xpath('//nav[@class="pages"]//a[@aria-current="page"]')
    assert links_to(method, rendered / "index.html", '//nav[@class="crumbs"]')


def test_the_method_page_states_the_configured_grade_bands_weights_and_credit(rendered: Path) -> None:
    config = scoring.load_scoring()
    rows = band_rows(rendered / "method.html")
    bands = config["grades"]
    assert list(rows) == [str(b["grade"]) for b in bands]
    for position, band in enumerate(bands):
        low = f"{band['min']:g}".replace(".", ",")
        score_range, label = rows[str(band["grade"])]
        assert label == band["vi"]
        if position == 0:
            assert score_range == f"từ {low} trở lên"
        else:
            high = f"{bands[position - 1]['min']:g}".replace(".", ",")
            assert score_range == f"từ {low} đến dưới {high}"
    page = text_of(html_of(rendered / "method.html"))
    total = sum(config["area_weights"].values())
    names = {"content": "Nội dung", "services": "Dịch vụ", "accessibility": "Khả năng tiếp cận",
             "technical": "Kỹ thuật"}
    assert table_rows(rendered / "method.html", "cap-weights") == {
        names[a]: [f"{100 * w / total:g}%".replace(".", ",")] for a, w in config["area_weights"].items()}
    assert f"được {100 * config['items']['credit']['partial']:g}% trọng số" in page
    assert f"bắt đầu từ {config['accessibility']['start']:g} điểm" in page
    assert "không được cộng cũng không bị trừ" in page  # not checked counts neither for nor against


def test_the_method_page_follows_a_changed_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = copy.deepcopy(scoring.load_scoring())
    config["grades"] = [{"grade": "A", "min": 95, "vi": "Xuất sắc", "en": "Excellent"},
                        {"grade": "B", "min": 70.5, "vi": "Tốt", "en": "Good"},
                        {"grade": "C", "min": 0, "vi": "Chưa đạt", "en": "Not yet"}]
    config["items"]["credit"] = {**config["items"]["credit"], "partial": 0.25}
    config["area_weights"] = {"content": 0.4, "services": 0.1, "accessibility": 0.3, "technical": 0.2}
    config["accessibility"]["impact_weights"] = {**config["accessibility"]["impact_weights"], "critical": 12}
    monkeypatch.setattr(scoring, "load_scoring", lambda: config)
    render_report(synthetic_document(), tmp_path, lang="vi")
    assert band_rows(tmp_path / "method.html") == {"A": ["từ 95 trở lên", "Xuất sắc"],
                                                   "B": ["từ 70,5 đến dưới 95", "Tốt"],
                                                   "C": ["từ 0 đến dưới 70,5", "Chưa đạt"]}
    assert table_rows(tmp_path / "method.html", "cap-credit")["đạt một phần"] == ["được 25% trọng số"]
    weights = table_rows(tmp_path / "method.html", "cap-weights")
    assert weights["Nội dung"] == ["40%"] and weights["Dịch vụ"] == ["10%"]
    per_weight = config["accessibility"]["caps"]["points_per_weight"]
    assert table_rows(tmp_path / "method.html", "cap-impacts")["nghiêm trọng"] == [
        "12", f"{12 * per_weight:g}".replace(".", ",")]


def test_the_english_report_has_an_english_method_page(tmp_path: Path) -> None:
    render_report(synthetic_document(), tmp_path, lang="en")
    method = html_of(tmp_path / "method.html")
    assert method.get("lang") == "en" and text_of(method.xpath("//h1")[0]) == "How scores are computed"
    assert band_rows(tmp_path / "method.html")["A"][1] == scoring.load_scoring()["grades"][0]["en"]


def test_a_scorecard_shows_the_webmaster_contact_from_the_registry(rendered: Path) -> None:
    facts = html_of(rendered / "sites" / "site-0.html").xpath('//main/dl[@class="facts"]')[0]
    contact = next(dd for dt, dd in zip(facts.xpath("dt"), facts.xpath("dd"), strict=True)
                   if text_of(dt) == "Đầu mối quản trị trang web")
    assert [a.get("href") for a in contact.xpath(".//a")] == ["mailto:vanphong@so.example.gov.vn", "tel:02003852460"]
    assert "vanphong@so.example.gov.vn" in text_of(contact) and "0200 3 852 460" in text_of(contact)
    assert f"Văn phòng Sở {PAYLOAD}" in text_of(contact)  # the registry's text, escaped
    assert "<script>" not in (rendered / "sites" / "site-0.html").read_text("utf-8")
    # no contact in the registry: said; no field in the export: nothing claimed either way
    assert "danh sách trang web chưa ghi đầu mối liên hệ" in text_of(html_of(rendered / "sites" / "site-1.html"))
    assert "Đầu mối quản trị trang web" not in text_of(html_of(rendered / "sites" / "site-2.html"))


@pytest.mark.parametrize("email", ["javascript:alert(1)", "a b@x.vn", "x@y.vn?subject=hi", "x@y.vn\nBcc: z@w.vn"])
def test_an_email_that_is_not_an_address_is_shown_as_text(tmp_path: Path, email: str) -> None:
    document = synthetic_document(2)
    document["sites"][0]["webmaster"] = {"name": None, "email": email, "phone": "call us"}
    render_report(document, tmp_path, lang="vi")
    page = html_of(tmp_path / "sites" / "site-0.html")
    assert not page.xpath('//a[starts-with(@href, "mailto:") or starts-with(@href, "tel:")]')


def test_count_labels_say_whether_they_count_websites_or_pages(rendered: Path) -> None:
    index = text_of(html_of(rendered / "index.html"))
    for label in ("Số trang web đã chấm điểm", "Số trang web theo xếp loại", "Điểm trung vị của các trang web",
                  "Số trang web không đạt", "Số trang web đạt một phần"):
        assert label in index, label
    assert "Số trang đã chấm" not in index and "Số trang theo xếp loại" not in index
    heads = [text_of(th) for th in html_of(rendered / "index.html").xpath("//thead//th")]
    assert "Trang web" in heads and "Trang" not in heads  # the ranking's column names the website


def test_a_level_target_says_level_or_higher_when_it_counts_so(tmp_path: Path) -> None:
    from portal_audit.audit.targets import load_targets

    definition = next(t for t in load_targets() if t["measure"] == "services_at_level")
    document = synthetic_document()
    document["targets"] = [{"id": definition["id"], "name_vi": definition["name_vi"], "name_en": definition["name_en"],
                            "target": definition["target"], "numerator": 13, "denominator": 18,
                            "actual": 13 / 18, "met": True}]
    render_report(document, tmp_path, lang="vi")
    row = text_of(html_of(tmp_path / "index.html").xpath('//table[caption[@id="cap-targets"]]//tbody/tr')[0])
    assert definition["counting"] == "at_least"  # as checklists/targets-province-plan.yaml reads the plan
    assert f"mức độ {definition['level']} trở lên" in row
    assert "72,2%" in row and "13 / 18" in row


def test_trend_dates_carry_the_year_and_the_time_when_two_runs_share_a_day() -> None:
    two = [{"started_at": "2026-12-05T01:00:00+00:00", "score": 50.0},
           {"started_at": "2026-12-05T09:30:00+00:00", "score": 55.0}]
    labels = re.findall(r'<text class="axis"[^>]*text-anchor="middle">(.*?)</text>', str(
        trend_svg(two, title="t", desc="d", chart_id="c")))
    assert labels == ['5/12/2026<tspan x="44.0" dy="14">08:00</tspan>',
                      '5/12/2026<tspan x="600.0" dy="14">16:30</tspan>']
    apart = [{"started_at": "2025-12-05T01:00:00+00:00", "score": 50.0},
             {"started_at": "2026-12-05T01:00:00+00:00", "score": 55.0}]
    svg = str(trend_svg(apart, title="t", desc="d", chart_id="c", lang="en"))
    assert ">2025-12-05</text>" in svg and ">2026-12-05</text>" in svg and "<tspan" not in svg
    many = [{"started_at": f"2026-{1 + k // 4:02d}-{1 + (k % 4) * 7:02d}T00:00:00+00:00", "score": 50.0}
            for k in range(26)]
    shown = re.findall(r'text-anchor="middle">([^<]*)<', str(trend_svg(many, title="t", desc="d", chart_id="c")))
    assert len(shown) <= 6 and shown[0] == "1/1/2026" and shown[-1] == "8/7/2026"  # first and last, no crowding
