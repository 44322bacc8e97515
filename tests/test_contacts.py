"""Vietnamese contact details and leaders' pages (issue 12, class 5): the formats real portals write, on small
synthetic texts and pages; portal_audit/audit/contacts.py holds the patterns, detectors.py the detectors."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from conftest import ROOT

from portal_audit.audit import contacts
from portal_audit.audit.corpus import Page, SiteCorpus
from portal_audit.audit.detectors import contact, leaders
from portal_audit.audit.technical import check_layout_footer
from portal_audit.store import compress_html
from portal_audit.text import fold, unfold_span
from portal_audit.urls import Scope

BASE = "https://snv.thanhhoa.gov.vn"


def quoted(finder: Any, text: str) -> str | None:
    """What a finder matched on the folded text, quoted as the text wrote it."""
    span = finder(fold(text))
    return unfold_span(text, *span) if span else None


# --- phone numbers -------------------------------------------------------------------------------------------------

PHONES = [  # (text, the number quoted)
    ("Điện thoại: 080 43162", "080 43162"),                             # 080 special network, space
    ("ĐT: 080.48924", "080.48924"),                                     # 080 special network, dot
    ("Điện thoại: (080) 43162", "(080) 43162"),
    ("Điện thoại: (0237) 3.852.123", "(0237) 3.852.123"),               # area code in parentheses, dots
    ("Điện thoại: Văn phòng: 0237 3852 123", "0237 3852 123"),          # a unit between label and number
    ("ĐT: 0237.3852123", "0237.3852123"),
    ("Điện thoại: 02373852123", "02373852123"),                         # no separator
    ("Điện thoại: 0237-3852-123", "0237-3852-123"),                     # dashes
    ("Tel: +84 237 3852123", "+84 237 3852123"),                        # international
    ("Tel: 84-237-3852123", "84-237-3852123"),                          # international without +
    ("Tel.: +84 (0) 237 3852123", "+84 (0) 237 3852123"),               # (0) kept after +84
    ("Tel: (+84) 24 3825 1234", "(+84) 24 3825 1234"),                  # Hà Nội, 8-digit subscriber
    ("Điện thoại: (024) 3825 1234", "(024) 3825 1234"),
    ("ĐT: 024.38251234", "024.38251234"),
    ("SĐT: 0912 345 678", "0912 345 678"),                              # mobile
    ("Số điện thoại: 0986.123.456", "0986.123.456"),
    ("Di động: 091.234.5678", "091.234.5678"),
    ("Hotline: 1900 561 563", "1900 561 563"),                          # 1900 + 6 digits
    ("Đường dây nóng: 1800 1091", "1800 1091"),                         # 1800 + 4 digits
    ("Đường dây nóng: 1900.1234", "1900.1234"),
    ("Điện thoại (VP): 0237 3852 123", "0237 3852 123"),                # a parenthesis before the number
    ("ĐT/Fax: 0237 3852 124", "0237 3852 124"),                         # one number for both
    ("T: (024) 3825 1234 | F: (024) 3825 1235", "(024) 3825 1234"),    # English-style one-letter labels
    ("Điện thoại: 037 3852 123", "037 3852 123"),                       # pre-2017 area code, labelled
    ("Điện thoại: (0200) 3 852 100 - Fax: (0200) 3 852 101", "(0200) 3 852 100"),
    ("ĐIỆN THOẠI: 0237 3 852 123", "0237 3 852 123"),                   # capitals
    ("Dien thoai: 0237 3852 123", "0237 3852 123"),                     # without diacritics
    ("Họ và tên | Chức vụ | Điện thoại | Thư điện tử | Lê Minh Khoa | Chánh Văn phòng | (0200) 3 852 102 | a@b.gov.vn",
     "(0200) 3 852 102"),                                               # a directory's column
]


@pytest.mark.parametrize(("text", "number"), PHONES, ids=[t for t, _ in PHONES])
def test_phone_formats(text: str, number: str) -> None:
    assert quoted(contacts.find_phone, text) == number


FAXES = [
    ("Fax: (0237) 3.852.124", "(0237) 3.852.124"),
    ("Số fax: 0237 3852 124", "0237 3852 124"),
    ("FAX:0237.3852124", "0237.3852124"),
    ("ĐT/Fax: 0237 3852 124", "0237 3852 124"),
    ("F: (024) 3825 1235", "(024) 3825 1235"),
    ("Fax: +84 24 3825 1235", "+84 24 3825 1235"),
    ("Điện thoại: 0237 3852 123 - Fax: 0237 3852 124", "0237 3852 124"),  # the fax, not the phone before it
    ("Điện thoại | Fax | Email | 0237 3852 123 | 0237 3852 124 | a@b.gov.vn", "0237 3852 123"),  # columns
]


@pytest.mark.parametrize(("text", "number"), FAXES, ids=[t for t, _ in FAXES])
def test_fax_formats(text: str, number: str) -> None:
    assert quoted(contacts.find_fax, text) == number


def test_a_phone_is_no_fax_and_a_fax_is_no_phone() -> None:
    assert contacts.find_fax(fold("Điện thoại: 0237 3852 123")) is None
    assert contacts.find_phone(fold("Fax: 0237 3852 124")) is None
    assert contacts.find_phone(fold("Điện thoại: | Fax: 0237 3852 124")) is None  # an empty phone field


NOT_PHONES = [
    "Điện thoại: 12/2026",                       # month/year
    "ĐT: 12/2026/QĐ-UBND",                       # document number
    "Điện thoại: số 0237/QĐ-UBND",
    "Điện thoại: 08.02.2026",                    # date with dots
    "Điện thoại: 08-02-2026",
    "Tel: 192.168.1.10",                         # IPv4
    "ĐT: 203.162.10.100",
    "Điện thoại: 001089012345",                  # 12-digit citizen ID
    "Số CCCD 0010 8901 2345",
    "Điện thoại 1945-2025",                      # years
    "Hotline 1900-2000",
    "Tel: 1.800.000.000 đồng",                   # an amount
    "Mã bưu chính: 40000",                       # postcode
    "Điện thoại: 3852123",                       # subscriber number without area code
    "Thủ tục 1.000110.000.00.00.H01",            # procedure code
]


@pytest.mark.parametrize("text", NOT_PHONES)
def test_numbers_that_are_no_phone(text: str) -> None:
    folded = fold(text)
    assert contacts.find_phone(folded) is None
    assert contacts.find_fax(folded) is None
    assert contacts.find_unlabelled_phone(folded) is None
    assert list(contacts.phone_numbers(folded)) == []


def test_numbering_plan() -> None:
    assert contacts.classify_number("0237 3852 123") == "landline"
    assert contacts.classify_number("024 3825 1234") == "landline"
    assert contacts.classify_number("+84 912 345 678") == "mobile"
    assert contacts.classify_number("1900 561 563") == "hotline"
    assert contacts.classify_number("080 43162") == "special"
    assert contacts.classify_number("08043162") == "special"
    assert contacts.classify_number("0804.3162") is None  # the 080 network is written 080 + a group of 5
    assert contacts.classify_number("037 3852 123") == "mobile"  # 037 is a Viettel mobile prefix since 2018
    assert contacts.classify_number("(04) 3825 1234") == "old"  # Hà Nội before 2017
    assert contacts.classify_number("0162 345 6789") == "old"   # 11-digit mobile before 2018
    assert contacts.classify_number("0237 3852 12") == "old"     # 10 digits fit the old plan: labelled only
    assert list(contacts.phone_numbers(fold("0237 3852 12"), current_only=True)) == []
    assert contacts.classify_number("0237 385") is None


UNLABELLED = [  # footer lines
    ("UBND xã Đông Sơn - 0200 3 861 020", "0200 3 861 020"),
    ("Sở Nội vụ tỉnh Thanh Hóa | (0237) 3.852.123 | snv@thanhhoa.gov.vn", "(0237) 3.852.123"),
    ("Bản quyền © 2026 Sở Tài chính - 0237 3852 123", "0237 3852 123"),
    ("Mã số thuế: 0312345678 | 0912 345 678", "0912 345 678"),  # the tax code is skipped, the mobile kept
]


@pytest.mark.parametrize(("text", "number"), UNLABELLED, ids=[t for t, _ in UNLABELLED])
def test_unlabelled_footer_numbers(text: str, number: str) -> None:
    assert quoted(contacts.find_unlabelled_phone, text) == number


@pytest.mark.parametrize("text", ["Mã số thuế: 0312345678", "Fax: 0237 3852 124", "Tài khoản: 0912345678",
                                  "Giấy phép số 0237 3852 123", "(04) 3825 1234", "Giai đoạn 1945-2025"])
def test_unlabelled_numbers_other_labels_claim_or_of_the_old_plan(text: str) -> None:
    assert contacts.find_unlabelled_phone(fold(text)) is None


# --- e-mail addresses -----------------------------------------------------------------------------------------------

EMAILS = [
    ("Email: vanphong@snv.thanhhoa.gov.vn", "vanphong@snv.thanhhoa.gov.vn", True),  # a department's subdomain
    ("Thư điện tử: sotc@hanoi.gov.vn", "sotc@hanoi.gov.vn", True),
    ("E-mail: ubnd.xadongson@thanhhoa.gov.vn.", "ubnd.xadongson@thanhhoa.gov.vn", True),
    ("Email: ttcntt-stttt@hcm.gov.vn", "ttcntt-stttt@hcm.gov.vn", True),
    ("Email: sotc[at]hanoi.gov.vn", "sotc[at]hanoi.gov.vn", True),                    # against harvesters
    ("Email: sotc(at)hanoi.gov.vn", "sotc(at)hanoi.gov.vn", True),
    ("Email: sotc @ hanoi.gov.vn", "sotc @ hanoi.gov.vn", True),
    ("Email: sotc[at]hanoi[dot]gov[dot]vn", "sotc[at]hanoi[dot]gov[dot]vn", True),
    ("Email: SOTC@HANOI.GOV.VN", "SOTC@HANOI.GOV.VN", True),
    ("Email: soyte.thanhhoa@gmail.com", "soyte.thanhhoa@gmail.com", False),           # an address, not official
]


@pytest.mark.parametrize(("text", "address", "official"), EMAILS, ids=[t for t, _, _ in EMAILS])
def test_email_formats(text: str, address: str, official: bool) -> None:
    assert quoted(contacts.find_email, text) == address
    assert (contacts.find_email(fold(text), official=True) is not None) is official


@pytest.mark.parametrize("text", ["Theo dõi @ubnd", "a@b", "Giá 2@3.000 đồng", "email: chưa cập nhật",
                                  "gov.vn", "x@gov.vn-"])
def test_no_email(text: str) -> None:
    assert contacts.find_email(fold(text)) is None


def test_the_checklists_official_email_pattern_reads_the_same_forms() -> None:
    """decree-43-2011's email_chinh_thuc element is a text pattern; it must accept what contacts.py accepts."""
    data = yaml.safe_load((ROOT / "checklists" / "decree-43-2011.yaml").read_text(encoding="utf-8"))
    item = next(i for i in data["items"] if i["id"] == "nd43.10.1.l.thong-tin-giao-dich")
    element = next(e for e in item["elements"] if e["id"] == "email_chinh_thuc")
    pattern = re.compile(element["detect"][0]["patterns"][0])
    for text, _address, official in EMAILS:
        if "[dot]" not in text:
            assert bool(pattern.search(fold(text))) is official, text


# --- addresses and officials ------------------------------------------------------------------------------------------

def test_address_runs_to_the_next_field() -> None:
    assert quoted(contacts.find_address, "Địa chỉ: Số 36 Lý Thường Kiệt, P. Ba Đình - Điện thoại: 0237 3852 300") \
        == "Địa chỉ: Số 36 Lý Thường Kiệt, P. Ba Đình"
    head_office = "Trụ sở chính: 12 Lê Lợi, TP Thanh Hóa"
    assert quoted(contacts.find_address, head_office) == head_office
    assert contacts.find_address(fold("Địa chỉ thư điện tử: snv@thanhhoa.gov.vn")) is None
    assert contacts.find_address(fold("Họp tại trụ sở UBND xã. Trường hợp trùng ngày nghỉ")) is None


def test_an_officials_position_with_a_number_or_an_address() -> None:
    row = "Lê Minh Khoa | Chánh Văn phòng | Văn phòng UBND tỉnh | (0200) 3 852 102 | lmkhoa@truonggiang.gov.vn"
    assert quoted(contacts.find_name_title, row) == "Chánh Văn phòng | Văn phòng UBND tỉnh | (0200) 3 852 102"
    assert contacts.find_name_title(fold("Phó Giám đốc Sở, phụ trách chung")) is None
    # the footer's person responsible, then the agency's address and phone: that number is not theirs
    footer = "Chịu trách nhiệm chính: Ông Lê Minh Khoa - Chánh Văn phòng | Địa chỉ: Số 1 Trần Phú | ĐT: 0237 3852 100"
    assert contacts.find_name_title(fold(footer)) is None


PEOPLE = [
    ("Ông Trần Đức Khiêm - Chủ tịch UBND tỉnh | Bà Hoàng Thị Thu Vân - Phó Chủ tịch UBND tỉnh",
     [("Trần Đức Khiêm", "Chủ tịch"), ("Hoàng Thị Thu Vân", "Phó Chủ tịch")]),
    ("BS.CKII Vũ Minh Chánh - Giám đốc Sở | ThS.BS Lò Thị Hạnh - Phó Giám đốc Sở",
     [("Vũ Minh Chánh", "Giám đốc"), ("Lò Thị Hạnh", "Phó Giám đốc")]),
    ("NGUYỄN VĂN AN | GIÁM ĐỐC SỞ | TRẦN THỊ BÌNH | PHÓ GIÁM ĐỐC SỞ",
     [("NGUYỄN VĂN AN", "GIÁM ĐỐC"), ("TRẦN THỊ BÌNH", "PHÓ GIÁM ĐỐC")]),
    ("Giám đốc: Ông Nguyễn Văn An | Phó Giám đốc: Bà Lê Thị Hoa",
     [("Nguyễn Văn An", "Giám đốc"), ("Lê Thị Hoa", "Phó Giám đốc")]),
    ("Lãnh đạo UBND xã: Chủ tịch UBND xã Mai Văn Thuận; Phó Chủ tịch UBND xã Trịnh Thị Lụa.",
     [("Mai Văn Thuận", "Chủ tịch"), ("Trịnh Thị Lụa", "Phó Chủ tịch")]),
    ("Đồng chí Đỗ Minh Tuấn, Ủy viên Ban Thường vụ Tỉnh ủy, Chủ tịch UBND tỉnh",
     [("Đỗ Minh Tuấn", "Chủ tịch")]),
    ("Nguyen Van An - Giam doc So | Tran Thi Binh - Pho Giam doc", [("Nguyen Van An", "Giam doc"),
                                                                    ("Tran Thi Binh", "Pho Giam doc")]),
    ("Bộ trưởng Nguyễn Chí Dũng | Thứ trưởng Trần Quốc Phương", [("Nguyễn Chí Dũng", "Bộ trưởng"),
                                                                  ("Trần Quốc Phương", "Thứ trưởng")]),
]


@pytest.mark.parametrize(("text", "people"), PEOPLE, ids=[t[:40] for t, _ in PEOPLE])
def test_people_with_positions(text: str, people: list[tuple[str, str]]) -> None:
    assert [(p.name, p.position) for p in contacts.people_with_positions(text)] == people


@pytest.mark.parametrize("text", [
    "Ông Nguyễn Văn An | Bà Trần Thị Bình | Ông Lê Văn Cường",          # names without posts
    "Giám đốc Sở Y tế Hà Nội phát biểu tại hội nghị",                   # a place is no person
    "Chủ tịch UBND xã Lê Lợi chủ trì",                                  # a commune named after a person
    "CHÁNH VĂN PHÒNG UBND TỈNH | TỔ CHỨC CÁN BỘ",                       # capitals of agency words
    "Phường Trường Xuân - Giám đốc Sở",
])
def test_no_people(text: str) -> None:
    assert contacts.people_with_positions(text) == []


# --- detectors on small corpora -------------------------------------------------------------------------------------

class _LinkStore:
    """The store's links table as SiteCorpus.stored_links reads it, from the pages themselves."""

    def __init__(self, pages: list[Page]):
        self.rows = [{"from_url": p.final_url, "to_url": link.url, "anchor": link.text}
                     for p in pages for link in p.links]

    def query(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        # Every page here answered 200 and nothing failed: only the links table has rows.
        return self.rows if "FROM links" in sql else []


def _page(index: int, path: str, html: str) -> Page:
    url = BASE + path
    title = re.search(r"<title>(.*?)</title>", html)
    return Page({"id": index, "url": url, "final_url": url, "status": 200, "depth": 0 if path == "/" else 1,
                 "title": title.group(1) if title else "", "content_type": "text/html; charset=utf-8",
                 "html_zlib": compress_html(html.encode())})


def corpus(pages: dict[str, str]) -> SiteCorpus:
    built = [_page(i, path, html) for i, (path, html) in enumerate(pages.items(), 1)]
    built[0].is_home = True
    return SiteCorpus(store=_LinkStore(built), run_id="r", site={"id": "s", "url": BASE + "/"},  # type: ignore[arg-type]
                      pages=built, by_url={p.final_url: p for p in built},
                      scope=Scope.for_site(BASE + "/", frozenset(), ()))


LIFERAY_MENU = ('<header id="banner"><nav class="navbar"><ul><li><a href="/web/snv/gioi-thieu">Giới thiệu</a></li>'
                '<li><a href="/web/snv/lanh-dao-so">Lãnh đạo Sở</a></li><li><a href="/web/snv/lien-he">Liên hệ</a></li>'
                '</ul></nav></header>')
LIFERAY_FOOTER = ('<footer id="footer" role="contentinfo"><p>SỞ NỘI VỤ TỈNH THANH HÓA</p>'
                  '<p>Địa chỉ: 16 Phan Chu Trinh, phường Điện Biên, TP Thanh Hóa</p><p>(0237) 3.852.123</p>'
                  '<p><a href="mailto:vanphong@snv.thanhhoa.gov.vn">Gửi thư cho chúng tôi</a></p></footer>')


def liferay(title: str, article: str) -> str:
    return (f'<html lang="vi"><head><title>{title}</title></head><body>{LIFERAY_MENU}'
            '<section id="portlet_com_liferay_journal_content_web_portlet_JournalContentPortlet_INSTANCE_x" '
            f'class="portlet"><div class="portlet-content"><div class="journal-content-article">{article}</div></div>'
            f'</section>{LIFERAY_FOOTER}</body></html>')


LIFERAY_LEADERS = liferay("Lãnh đạo Sở - Sở Nội vụ", """<h2>LÃNH ĐẠO SỞ</h2>
<div class="leader-item"><img src="/documents/20182/an.jpg" alt=""><div class="leader-info">
<p class="name">Đồng chí NGUYỄN VĂN AN</p><p class="position">Giám đốc Sở</p>
<p>Phụ trách chung; trực tiếp chỉ đạo công tác tổ chức cán bộ, tài chính.</p>
<a href="/web/snv/lanh-dao-so/-/view-article/tieu-su-giam-doc">Xem tiểu sử</a></div></div>
<div class="leader-item"><img src="/documents/20182/binh.jpg" alt=""><div class="leader-info">
<p class="name">Đồng chí LÊ THỊ BÌNH</p><p class="position">Phó Giám đốc Sở</p>
<p>Phụ trách lĩnh vực công chức, viên chức; cải cách hành chính.</p></div></div>""")
LIFERAY_BIO = liferay("Tiểu sử đồng chí Nguyễn Văn An", """<h1>Tiểu sử tóm tắt</h1><table>
<tr><th>Họ và tên</th><td>Nguyễn Văn An</td></tr><tr><th>Ngày sinh</th><td>12/5/1972</td></tr>
<tr><th>Quê quán</th><td>xã Hoằng Lộc, huyện Hoằng Hóa</td></tr>
<tr><th>Trình độ</th><td>Thạc sĩ Luật; Cao cấp lý luận chính trị</td></tr></table>""")

NUKEVIET_LEADERS = """<!DOCTYPE html><html lang="vi"><head><meta name="generator" content="NukeViet v4.5">
<title>Ban Giám đốc - Sở Y tế</title></head><body>
<div id="menusite"><ul class="nav"><li><a href="/vi/about/">Giới thiệu</a></li>
<li><a href="/vi/organs/Ban-Giam-doc/">Ban Giám đốc</a></li><li><a href="/vi/contact/">Liên hệ</a></li></ul></div>
<div class="col-md-18"><div class="panel panel-default"><div class="panel-heading"><h3>Ban Giám đốc</h3></div>
<table class="table table-striped"><thead><tr><th>Họ và tên</th><th>Chức vụ</th><th>Điện thoại</th><th>Email</th>
</tr></thead><tbody>
<tr><td><a href="/vi/organs/nguyen-van-binh-12/">Nguyễn Văn Bình</a></td><td>Giám đốc</td><td>0237.3852.101</td>
<td>binhnv@syt.thanhhoa.gov.vn</td></tr>
<tr><td><a href="/vi/organs/tran-thi-mai-13/">Trần Thị Mai</a></td><td>Phó Giám đốc</td><td>0237.3852.102</td>
<td>maitt@syt.thanhhoa.gov.vn</td></tr></tbody></table></div></div>
<div id="footer" class="footer"><p>SỞ Y TẾ THANH HÓA - 101 Nguyễn Trãi, TP Thanh Hóa - ĐT: 0237 3852 100</p></div>
</body></html>"""
NUKEVIET_PERSON = """<html lang="vi"><head><title>Nguyễn Văn Bình - Ban Giám đốc</title></head><body>
<div class="col-md-18"><h2>Nguyễn Văn Bình</h2><ul><li>Chức vụ: Giám đốc</li><li>Ngày sinh: 03/02/1970</li>
<li>Quê quán: Quảng Xương, Thanh Hóa</li><li>Trình độ chuyên môn: Bác sĩ chuyên khoa II</li>
<li>Nhiệm vụ được phân công: lãnh đạo, điều hành chung mọi hoạt động của Sở</li></ul></div></body></html>"""

REQUIRE = {"type": "leaders", "require": ["biography", "tasks"]}


def test_a_liferay_leaders_page_with_a_biography_linked() -> None:
    site = corpus({"/": liferay("Trang chủ", "<p>Tin tức</p>"), "/web/snv/lanh-dao-so": LIFERAY_LEADERS,
                   "/web/snv/lanh-dao-so/-/view-article/tieu-su-giam-doc": LIFERAY_BIO})
    listed = leaders(site, {"type": "leaders"})
    assert [e.url for e in listed.evidence] == [BASE + "/web/snv/lanh-dao-so"]
    assert listed.evidence[0].snippet == "NGUYỄN VĂN AN | Giám đốc; LÊ THỊ BÌNH | Phó Giám đốc"
    assert leaders(site, REQUIRE).present  # tasks on the page, the biography one click away


def test_a_nukeviet_leaders_table_with_person_pages() -> None:
    site = corpus({"/": NUKEVIET_LEADERS.replace("<title>Ban Giám đốc - Sở Y tế", "<title>Sở Y tế"),
                   "/vi/organs/Ban-Giam-doc/": NUKEVIET_LEADERS, "/vi/organs/nguyen-van-binh-12/": NUKEVIET_PERSON})
    found = leaders(site, REQUIRE)
    assert BASE + "/vi/organs/Ban-Giam-doc/" in [e.url for e in found.evidence]
    assert found.evidence[0].snippet.startswith("Nguyễn Văn Bình | Giám đốc")


def test_names_and_posts_without_biographies_are_listed_but_not_the_legal_element() -> None:
    site = corpus({"/": liferay("Trang chủ", "<p>Tin tức</p>"), "/web/snv/lanh-dao-so": LIFERAY_LEADERS})
    assert leaders(site, {"type": "leaders"}).present
    found = leaders(site, REQUIRE)
    assert not found.present and found.note == "pages found, but without the required details"


def test_a_leaders_page_without_positions_does_not_count() -> None:
    names_only = liferay("Lãnh đạo Sở", "<h2>LÃNH ĐẠO SỞ</h2><p>Ông Nguyễn Văn An</p><p>Bà Lê Thị Bình</p>"
                                        "<p>Ông Trần Quốc Cường</p><p>Phụ trách chung. Sinh năm 1972, Thạc sĩ.</p>")
    site = corpus({"/": liferay("Trang chủ", "<p>Tin tức</p>"), "/web/snv/lanh-dao-so": names_only})
    assert not leaders(site, {"type": "leaders"}).evidence


def test_a_section_heading_locates_the_leaders_on_a_larger_page() -> None:
    """"Ban Giám đốc" as an h3 of the organisation page: found, and judged like a leaders' page."""
    page = liferay("Cơ cấu tổ chức", "<h2>Cơ cấu tổ chức</h2><h3>Ban Giám đốc</h3><ul>"
                                     "<li>BS.CKII Vũ Minh Chánh - Giám đốc Sở</li>"
                                     "<li>ThS.BS Lò Thị Hạnh - Phó Giám đốc Sở</li></ul>"
                                     "<h3>Các phòng chức năng</h3><ul><li>Văn phòng Sở</li></ul>")
    site = corpus({"/": liferay("Trang chủ", "<p>Tin tức</p>"), "/web/snv/co-cau-to-chuc": page})
    assert [e.url for e in leaders(site, {"type": "leaders"}).evidence] == [BASE + "/web/snv/co-cau-to-chuc"]
    assert not leaders(site, REQUIRE).present


def test_contact_reads_an_unlabelled_footer_number_and_a_mailto_only_address() -> None:
    site = corpus({"/": liferay("Trang chủ", "<p>Tin tức</p>")})
    found = contact(site, {"type": "contact", "fields": ["address", "phone", "email"], "where": "home"})
    assert found.present, found.note
    assert found.evidence[0].snippet == ("Địa chỉ: 16 Phan Chu Trinh, phường Điện Biên, TP Thanh Hóa; "
                                         "(0237) 3.852.123; vanphong@snv.thanhhoa.gov.vn")
    assert not contact(site, {"type": "contact", "fields": ["fax"], "where": "home"}).present


def test_an_unlabelled_number_outside_the_footer_is_no_phone() -> None:
    site = corpus({"/": '<html lang="vi"><title>Trang chủ</title><body><main><p>Kết quả: 0237 3852 123 hồ sơ</p>'
                        '</main><div class="footer"><p>Mã số thuế: 0312345678</p></div></body></html>'})
    assert not contact(site, {"type": "contact", "fields": ["phone"], "where": "home"}).present


def test_the_footer_check_reads_the_same_numbers() -> None:
    unlabelled = corpus({"/": liferay("Trang chủ", "<p>Tin tức</p>")})
    _outcome, why, _evidence = check_layout_footer(unlabelled, {}, [])
    assert "phone" not in str(why) and "e-mail" not in str(why)
    no_number = corpus({"/": '<html lang="vi"><title>Trang chủ</title><body><footer><p>Điện thoại:</p>'
                             '<p>Email: chưa cập nhật</p></footer></body></html>'})
    _outcome, why, _evidence = check_layout_footer(no_number, {}, [])
    assert "phone" in str(why) and "e-mail" in str(why)


def test_the_footer_check_reads_an_address_labelled_tru_so() -> None:
    footer = ('<html lang="vi"><title>Trang chủ</title><body><div id="footer"><p>CỤC THỐNG KÊ TỈNH</p>'
              '<p>Trụ sở: Số 12 đường Hạc Thành, phường Hạc Thành</p></div></body></html>')
    _outcome, why, _evidence = check_layout_footer(corpus({"/": footer}), {}, [])
    assert "address" not in str(why)
    bare = footer.replace("Trụ sở: Số 12 đường Hạc Thành, phường Hạc Thành", "Trụ sở:")
    assert "address" in str(check_layout_footer(corpus({"/": bare}), {}, [])[1])


def test_the_contact_detector_and_the_footer_check_find_the_same_footer() -> None:
    """One footer definition (html.footer_regions): a role="contentinfo" block was the contact detector's footer
    but not the layout check's, which then said "no footer found" on a page whose footer gave the number."""
    home = ('<html lang="vi"><title>Trang chủ</title><body><main><p>Tin tức</p></main>'
            '<div role="contentinfo"><p>UBND xã Đông Sơn - 0237 3861 020</p></div></body></html>')
    site = corpus({"/": home})
    assert contact(site, {"type": "contact", "fields": ["phone"], "where": "home"}).present
    outcome, why, evidence = check_layout_footer(site, {}, [])
    assert outcome == "partial" and "phone" not in str(why) and "unit name" not in str(why)   # the footer was read
    assert evidence[0].selector == "body > div"


@pytest.mark.parametrize(("written", "href"), [
    ("0200 3 852 100", "tel:02003852100"), ("(0237) 3.852.123", "tel:02373852123"), ("+84 24 3825 1234",
                                                                                      "tel:+842438251234"),
    ("call us", None), ("0237 3852 123 (máy lẻ 12)", None), ("12345", None), (None, None)])
def test_a_registry_number_becomes_a_tel_link_only_when_a_phone_can_dial_it(written: object, href: str | None) -> None:
    assert contacts.tel_href(written) == href
