"""Service levels from what a procedure page offers, on small synthetic pages (one rule per test)."""

from __future__ import annotations

from portal_audit.audit.corpus import Page
from portal_audit.audit.services import declared_level, evidenced_level, is_procedure_page
from portal_audit.store import compress_html

FIELDS = ("<p>Tên thủ tục: Cấp giấy phép</p><p>Lĩnh vực: Y tế</p><p>Cơ quan thực hiện: Sở Y tế</p>"
          "<p>Trình tự thực hiện: nộp hồ sơ</p><p>Thời hạn giải quyết: 10 ngày</p><p>Phí, lệ phí: không</p>")


def page(body: str) -> Page:
    html = f'<html lang="vi"><head><title>Thủ tục</title></head><body><main>{FIELDS}{body}</main></body></html>'
    return Page({"id": 1, "url": "https://dvc.example.gov.vn/tt/1", "final_url": "https://dvc.example.gov.vn/tt/1",
                 "status": 200, "depth": 1, "title": "Thủ tục", "content_type": "text/html; charset=utf-8",
                 "html_zlib": compress_html(html.encode())})


def test_procedure_page_needs_the_level1_fields() -> None:
    assert is_procedure_page(page(""))
    short = Page({"id": 2, "url": "u", "final_url": "u", "status": 200, "depth": 1, "title": "x",
                  "html_zlib": compress_html(b"<html><body><p>Tin tuc</p></body></html>")})
    assert not is_procedure_page(short)


def test_levels_from_features() -> None:
    assert evidenced_level(page(""))[0] == 1
    assert evidenced_level(page('<a href="/mau-don.docx">Mẫu đơn</a>'))[0] == 2
    assert evidenced_level(page('<form><input type="file" name="hs"><button>Gửi</button></form>'))[0] == 3
    assert evidenced_level(page('<a href="/nop">Nộp hồ sơ trực tuyến</a>'
                                '<a href="https://pay.gov.vn/thanh-toan?ma=1">Thanh toán lệ phí</a>'))[0] == 4


def test_payment_words_that_deny_payment_are_not_payment() -> None:
    level, _ = evidenced_level(page('<a href="/nop">Nộp hồ sơ trực tuyến</a><p>Không hỗ trợ thanh toán trực tuyến.</p>'
                                    '<a href="/huong-dan">Thanh toán trực tuyến: xem hướng dẫn</a>'))
    assert level == 3


def test_declared_levels_old_and_new_labels() -> None:
    assert declared_level(page("<p>Mức độ 4</p>"))[0] == 4
    assert declared_level(page("<p>Dịch vụ công trực tuyến toàn trình</p>"))[0] == 4
    assert declared_level(page("<p>DVC trực tuyến một phần</p>"))[0] == 3
    assert declared_level(page('<img src="x.png" alt="Mức độ 3">'))[0] == 3


def test_decree_224_proactive_levels_are_not_the_old_levels() -> None:
    level, _label, note = declared_level(page("<p>Dịch vụ công trực tuyến chủ động mức độ 2</p>"))
    assert level is None and "proactive" in (note or "")
