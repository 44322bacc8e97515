"""html-lang-mismatch (WCAG 3.1.1): <html lang> must name the language the page's text is written in.

A Vietnamese portal whose template says lang="en" is read aloud with an English voice; html-lang-valid cannot see
it (the code is valid). The text that inherits the html element's language is given to CLD2 (pycld2), which
judges only enough text, confidently.
"""

from __future__ import annotations

import time
import unicodedata

import pytest

from portal_audit.a11y import language
from portal_audit.a11y.static import STATIC_RULES, check_html

URL = "https://stttt.example.gov.vn/tin-tuc/1.html"

VI = ("Chiều ngày 15/3, tại trụ sở Tỉnh ủy, đồng chí Bí thư Tỉnh ủy đã chủ trì hội nghị sơ kết công tác quý I và "
      "triển khai nhiệm vụ trọng tâm quý II năm 2024. Tham dự hội nghị có các đồng chí trong Ban Thường vụ Tỉnh ủy, "
      "lãnh đạo các sở, ban, ngành và các huyện, thành phố. Người dân có thể nộp hồ sơ trực tuyến qua Cổng dịch vụ "
      "công quốc gia, theo dõi tiến độ giải quyết và nhận kết quả tại nhà qua dịch vụ bưu chính công ích.")
EN = ("The Department of Information and Communications guides agencies and units to deploy full-process online "
      "public services. Citizens can submit applications online via the National Public Service Portal, track "
      "the progress of their files and receive the results at home through public postal services. The meeting "
      "reviewed the results of the first quarter and set the tasks for the second quarter of the year.")
MENU = ('<nav><a href="/">Trang chủ</a> <a href="/gioi-thieu">Giới thiệu</a> <a href="/tin-tuc">Tin tức</a></nav>')


def without_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def page(body: str, lang: str = "vi") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Tin tức</title></head>'
            f"<body>{body}</body></html>")


def mismatches(html: str) -> list[str]:
    return [h.snippet for h in check_html(html, URL) if h.rule == "html-lang-mismatch"]


def test_vietnamese_page_declared_english_is_reported_with_the_language_found() -> None:
    (snippet,) = mismatches(page(f"{MENU}<main><h1>Hội nghị sơ kết quý I</h1><p>{VI}</p></main>", lang="en"))
    assert snippet.startswith('<html lang="en">') and "text language: vi" in snippet
    assert len(snippet) <= 250 and "  " not in snippet


def test_en_us_over_vietnamese_is_reported() -> None:
    assert len(mismatches(page(f"<p>{VI}</p>", lang="en-US"))) == 1


@pytest.mark.parametrize(("body", "lang"), [
    (f"{MENU}<main><p>{VI}</p></main>", "vi"),
    (f"<p>{VI}</p>", "vi-VN"),
    (f"<p>{VI}</p>", "VI"),
    (f"<main><p>{EN}</p></main>", "en"),
    (f"<main><p>{EN}</p></main>", "en-GB"),
])
def test_the_declared_language_of_the_text_passes(body: str, lang: str) -> None:
    assert mismatches(page(body, lang=lang)) == []


def test_english_page_declared_vietnamese_is_reported() -> None:
    (snippet,) = mismatches(page(f"<p>{EN}</p>"))
    assert "text language: en" in snippet


def test_text_marked_with_its_own_language_is_left_out() -> None:
    """An English template (lang="en") with the Vietnamese article in a lang="vi" div is correct markup."""
    body = f'<header><a href="/en">Home</a> <a href="/en/news">News</a></header><div lang="vi"><p>{VI}</p></div>'
    assert mismatches(page(body, lang="en")) == []
    # ... and a lang="en" quotation inside a Vietnamese page is not counted against lang="vi"
    assert mismatches(page(f'<p>Tóm tắt bằng tiếng Anh:</p><blockquote lang="en">{EN}</blockquote>')) == []


def test_hidden_script_and_aria_hidden_text_is_not_the_page_text() -> None:
    for wrapper in ('<div hidden>{}</div>', '<div style="display:none">{}</div>', '<div aria-hidden="true">{}</div>',
                    '<script>var s = "{}";</script>', '<template><p>{}</p></template>', '<noscript>{}</noscript>'):
        assert mismatches(page(f"<p>Xin chào</p>{wrapper.format(EN)}")) == [], wrapper


def test_too_little_text_is_not_judged() -> None:
    assert mismatches(page(f"{MENU}<h1>Thông báo kết quả tuyển dụng viên chức năm 2024</h1>", lang="en")) == []
    assert language.detect(VI[:150]) is None


def test_vietnamese_without_diacritics_is_not_judged() -> None:
    """CLD2 reads text without diacritics as Vietnamese even when it is English made of Vietnamese names
    ("Nguyen Thi Lan, Phong Hanh chinh - Tong hop ..."), so such text gives no verdict either way: a page
    written without diacritics under lang="en" is not reported."""
    plain = without_diacritics(VI)
    assert mismatches(page(f"<p>{plain}</p>", lang="en")) == []
    assert mismatches(page(f"<p>{plain}</p>", lang="vi")) == []
    assert language.detect(plain) is None
    names = ("Contact: Nguyen Thi Lan, Phong Hanh chinh - Tong hop, So Thong tin va Truyen thong tinh Quang Nam, "
             "02 Tran Phu, Tam Ky. Deputy Director Le Van Hung, Phong Buu chinh Vien thong, 15 Hung Vuong, Tam Ky. "
             "Chief of Office Tran Thi Mai, Van phong So, 02 Tran Phu, Tam Ky.")
    assert mismatches(page(f"<p>{names}</p>", lang="en")) == []


def test_other_languages_of_portal_versions() -> None:
    zh = ("省人民委员会宣布十月份接待公民的时间表。"
          "公民可以通过国家公共服务门户网站在线提交申请，跟踪进度，并通过公共邮政服务在家中接收结果。") * 4
    assert mismatches(page(f"<p>{zh}</p>", lang="zh-CN")) == []
    assert "text language: zh" in mismatches(page(f"<p>{zh}</p>", lang="vi"))[0]


def test_detection_is_deterministic_and_fast() -> None:
    text = " ".join([VI] * 20)
    first = language.detect(text)
    assert first is not None and first.language == "vi" and first.percent >= 90
    start = time.perf_counter()
    for _ in range(50):
        assert language.detect(text) == first
    assert (time.perf_counter() - start) / 50 < 0.01   # well under 10 ms a page (measured: about 0.2 ms)


def test_detector_survives_what_pages_contain() -> None:
    assert language.detect("\x00\ud800" + VI + "\x7f") is not None
    assert language.detect("") is None


def test_same_language_and_primary_subtags() -> None:
    assert language.primary_subtag(" en-US ") == "en" and language.primary_subtag("iw") == "he"
    assert language.same_language("en-GB", "en") and language.same_language("id", "ms")
    assert not language.same_language("en", "vi")


def test_rule_facts() -> None:
    rule = STATIC_RULES["html-lang-mismatch"]
    assert rule.wcag == ("3.1.1",) and not rule.best_practice
