"""Static accessibility rules on small hand-written pages: each rule fails what it must and passes what it must.

Every failing case names the rule and the selector of the element it must point at, and the selector is checked to
find exactly that one element, so a rule that reports the wrong element (or a selector that finds several) fails.
"""

from __future__ import annotations

import re

import pytest

from portal_audit.a11y import static
from portal_audit.a11y.static import (
    STATIC_RULES,
    StaticHit,
    check_html,
    lang_is_valid,
    phrase_key,
    refresh_delay,
    viewport_blocks_zoom,
)
from portal_audit.html import parse_html

URL = "https://soyte.example.gov.vn/tin-tuc/1.html"


def page(body: str, *, head: str = "<title>Sở Y tế tỉnh Trường Giang</title>", lang: str | None = "vi") -> str:
    lang_attr = "" if lang is None else f' lang="{lang}"'
    return f"<!DOCTYPE html><html{lang_attr}><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


def hits(html: str, rule: str | None = None) -> list[StaticHit]:
    found = check_html(html, URL)
    root = parse_html(html)
    for hit in found:  # every hit, of every rule: a selector that finds one element, a short snippet
        assert len(root.cssselect(hit.selector)) == 1, hit
        assert len(hit.snippet) <= 250 and "\n" not in hit.snippet and "  " not in hit.snippet, hit
    return [h for h in found if rule is None or h.rule == rule]


def selectors(html: str, rule: str) -> list[str]:
    return [h.selector for h in hits(html, rule)]


CLEAN_PAGE = page("""
<header id="header"><a href="/"><img src="/logo.png" alt="Sở Y tế tỉnh Trường Giang"></a>
  <form action="/tim-kiem"><label for="q">Tìm kiếm</label><input id="q" name="q">
  <button type="submit" aria-label="Tìm"><i class="fa fa-search"></i></button></form></header>
<nav><ul><li><a href="/gioi-thieu">Giới thiệu</a></li><li><a href="/tin-tuc">Tin tức</a></li></ul></nav>
<main><h1>Tin tức - Sự kiện</h1>
  <article><h2><a href="/tin/1">Hội nghị triển khai kế hoạch năm 2026</a></h2>
    <p>Sáng 12/3, Sở Y tế tổ chức hội nghị triển khai kế hoạch công tác năm 2026.</p>
    <a href="/tin/1" title="Xem thêm: Hội nghị triển khai kế hoạch năm 2026">Xem thêm</a></article>
  <table><caption>Lịch tiếp công dân</caption><tr><th>Ngày</th><th>Người tiếp</th></tr>
    <tr><td>12/3</td><td>Giám đốc</td></tr><tr><td>19/3</td><td>Phó Giám đốc</td></tr></table>
  <iframe src="https://maps.example/embed" title="Bản đồ trụ sở"></iframe>
</main>
<footer><p>Địa chỉ: 01 Trần Phú</p></footer>""")


def test_a_clean_portal_page_has_no_hits() -> None:
    assert hits(CLEAN_PAGE) == []


# --- images -------------------------------------------------------------------------------------------------------


def test_image_alt_reports_an_img_without_alt_by_its_unique_id() -> None:
    html = page('<img id="banner" src="/b.png"><p><img src="/c.png" alt="Biểu đồ"></p>')
    assert selectors(html, "image-alt") == ["#banner"]


def test_image_alt_reports_a_whitespace_alt_and_a_focusable_role_none_image() -> None:
    html = page('<div class="news-item"><img src="/a.png" alt=" "><img src="/b.png" role="none" tabindex="0"></div>')
    assert selectors(html, "image-alt") == ["body > div > img:nth-of-type(1)", "body > div > img:nth-of-type(2)"]


@pytest.mark.parametrize("img", [
    '<img src="/a.png" alt="">',                          # decorative
    '<img src="/a.png" role="presentation">',
    '<img src="/a.png" role="none">',
    '<img src="/a.png" title="Ảnh hội nghị">',
    '<img src="/a.png" aria-label="Ảnh hội nghị">',
    '<img src="/a.png" aria-labelledby="cap"><span id="cap">Ảnh hội nghị</span>',
    '<img src="/a.png" aria-hidden="true">',              # not in the accessibility tree
    '<img src="/a.png" hidden>',
    '<div style="display: none"><img src="/a.png"></div>',
    '<div style="visibility:hidden"><img src="/a.png"></div>',
    '<div class="d-none"><img src="/a.png"></div>',
    '<template><img src="/a.png"></template>',
    '<noscript><img src="/pixel.gif"></noscript>',
])
def test_image_alt_passes(img: str) -> None:
    assert hits(page(img), "image-alt") == []


def test_a_responsive_display_class_does_not_hide() -> None:
    html = page('<div class="d-none d-md-block"><img id="x" src="/a.png"></div>')
    assert selectors(html, "image-alt") == ["#x"]


def test_visibility_visible_inside_hidden_is_rendered() -> None:
    html = page('<div style="visibility: hidden"><p style="visibility: visible"><img id="x" src="/a.png"></p></div>')
    assert selectors(html, "image-alt") == ["#x"]


def test_role_img_alt() -> None:
    html = page('<div id="map" role="img" style="background:url(/m.png)"></div>'
                '<div role="img" aria-labelledby="lbl"></div><p id="lbl" hidden>Bản đồ hành chính</p>')
    assert selectors(html, "role-img-alt") == ["#map"]


def test_input_image_alt() -> None:
    html = page('<form><input type="image" src="/go.png" id="go"><input type="image" src="/ok.png" alt="Gửi">'
                '<input type="image" src="/s.png" alt="" aria-labelledby="missing" id="s"></form>')
    assert selectors(html, "input-image-alt") == ["#go", "#s"]


def test_area_alt() -> None:
    html = page('<img src="/map.png" alt="Bản đồ" usemap="#m"><map name="m">'
                '<area href="/huyen-a" coords="0,0,10,10"><area href="/huyen-b" alt="Huyện B" coords="1,1,5,5">'
                '<area coords="2,2,3,3"></map>')
    assert selectors(html, "area-alt") == ["body > map > area:nth-of-type(1)"]
    assert hits(html, "link-name") == []


def test_svg_img_alt() -> None:
    html = page('<svg id="a" role="img"><circle r="4"></circle></svg>'
                '<svg role="img"><title>Biểu đồ dân số</title></svg>'
                '<svg role="img" aria-label="Biểu đồ"></svg>'
                '<svg><circle id="c" role="graphics-symbol" r="1"></circle></svg>'
                '<svg><circle r="1"></circle></svg>')
    assert selectors(html, "svg-img-alt") == ["#a", "#c"]


def test_object_alt_for_media_only() -> None:
    html = page('<object id="v" data="/video/gioi-thieu.mp4"></object>'
                '<object data="/audio/ban-tin.mp3" title="Bản tin phát thanh"></object>'
                '<object data="/bao-cao.html"></object>'
                '<object type="image/png" data="/x"></object>'
                '<object role="img" data="/a.png"></object>')
    assert selectors(html, "object-alt") == ["#v", "body > object:nth-of-type(4)"]


# --- links and buttons --------------------------------------------------------------------------------------------


def test_link_name_failures() -> None:
    html = page('<ul class="social"><li><a href="https://facebook.com/x"><i class="fa fa-facebook"></i></a></li>'
                '<li><a href="/a"><img src="/a.png" alt=""></a></li>'
                '<li><a href="/b"><img src="/b.png"></a></li>'
                '<li><a href="/c" aria-label=" "></a></li>'
                '<li><a href="/d"><img src="/d.png" aria-labelledby="nope"></a></li></ul>')
    assert selectors(html, "link-name") == [f"body > ul > li:nth-of-type({i}) > a" for i in range(1, 6)]


@pytest.mark.parametrize("link", [
    '<a href="/lien-he">Liên hệ</a>',
    '<a href="/lien-he"><img src="/i.png" alt="Liên hệ"></a>',
    '<a href="/lien-he" aria-label="Liên hệ"><i class="fa fa-phone"></i></a>',
    '<a href="/lien-he" title="Liên hệ"><i class="fa fa-phone"></i></a>',
    '<a href="/lien-he" aria-labelledby="t"><img src="/i.png"></a><span id="t">Liên hệ</span>',
    '<a href="/lien-he"><span style="position:absolute;left:-9999px">Liên hệ</span></a>',
    '<a name="top"></a>',                                   # no href: not a link
    '<a href="/x" style="display:none"></a>',
    '<a href="/x" aria-hidden="true" tabindex="-1"></a>',
    '<a href="/lien-he"><svg><title>Liên hệ</title></svg></a>',
])
def test_link_name_passes(link: str) -> None:
    assert hits(page(link), "link-name") == []


def test_link_with_role_none_is_still_a_link() -> None:
    html = page('<a id="x" href="/a" role="none"> </a>')
    assert selectors(html, "link-name") == ["#x"]


@pytest.mark.parametrize("text", ["Xem thêm", "XEM THÊM »", "[Chi tiết...]", "Tại đây", "click vào đây",
                                  "Bấm vào đây", "Nhấn vào đây", "Đọc tiếp", "Xem tiếp >>", "xem", "Read more",
                                  "click here", "here", "Details"])
def test_generic_link_text_is_reported(text: str) -> None:
    html = page(f'<div class="news-item"><p>Kế hoạch năm 2026</p><a href="/tin/1">{text}</a></div>')
    found = hits(html, "identical-links-same-purpose")
    assert [h.selector for h in found] == ["body > div > a"]
    assert found[0].snippet.startswith('<a href="/tin/1">') and found[0].snippet.endswith("</a>")


@pytest.mark.parametrize("link", [
    '<a href="/tin/1" title="Xem thêm: Kế hoạch năm 2026">Xem thêm</a>',
    '<a href="/tin/1" aria-label="Xem thêm về kế hoạch năm 2026">Xem thêm</a>',
    '<a href="/tin/1" aria-labelledby="h">Xem thêm</a><h3 id="h">Kế hoạch năm 2026</h3>',
    '<a href="/tin/1">Xem thêm kế hoạch năm 2026</a>',
    '<a href="/tin/1">Thủ tục hành chính</a>',
    '<a href="/tin/1"><img src="/vb.png" alt="Văn bản chỉ đạo điều hành"></a>',
])
def test_descriptive_links_pass(link: str) -> None:
    assert hits(page(link), "identical-links-same-purpose") == []


def test_a_generic_title_does_not_rescue_a_generic_link() -> None:
    html = page('<a id="m" href="/tin/1" title="Xem thêm">Xem thêm</a>')
    assert selectors(html, "identical-links-same-purpose") == ["#m"]


def test_button_names() -> None:
    html = page('<form><button id="b1"></button><button id="b2"><i class="fa fa-search"></i></button>'
                '<button id="b3" value="Tìm"></button><button>Tìm kiếm</button><button aria-label="Tìm"></button>'
                '<button role="none" disabled></button><button id="b4" role="none"></button>'
                '<input type="submit"><input type="reset"><input type="submit" value="Gửi">'
                '<input type="button" id="i1"><input type="button" value="In"><input type="submit" value="" id="i2">'
                '<span role="button" id="s1"></span><span role="button">Đóng</span>'
                '<a href="/x" role="button" id="a1"></a></form>')
    assert selectors(html, "button-name") == ["#b1", "#b2", "#b3", "#b4"]
    assert selectors(html, "input-button-name") == ["#i1", "#i2"]
    assert selectors(html, "aria-command-name") == ["#s1", "#a1"]
    assert hits(html, "link-name") == []


# --- forms --------------------------------------------------------------------------------------------------------


def test_form_fields_without_a_name() -> None:
    html = page('<form><div>Họ và tên</div><input id="name1"><input id="cccd" aria-label=" ">'
                '<label>Ngày sinh</label> <input type="date" id="dob">'
                '<textarea id="nd"></textarea><select id="huyen"><option>Huyện A</option></select>'
                '<input aria-labelledby="missing" id="m">'
                '<div role="textbox" id="tb">nội dung</div><div role="checkbox" id="cb"></div></form>')
    assert selectors(html, "label") == ["#name1", "#cccd", "#dob", "#nd", "#m"]
    assert selectors(html, "select-name") == ["#huyen"]
    assert selectors(html, "aria-input-field-name") == ["#tb"]
    assert selectors(html, "aria-toggle-field-name") == ["#cb"]


def test_form_fields_with_a_name() -> None:
    html = page('<form><label for="ho">Họ và tên</label><input id="ho">'
                '<label>Số CCCD <input name="cccd"></label>'
                '<input placeholder="Tìm kiếm văn bản"><input title="Số điện thoại">'
                '<input aria-label="Email"><span id="d">Địa chỉ</span><input aria-labelledby="d">'
                '<label for="h">Huyện</label><select id="h"><option>A</option></select>'
                '<textarea placeholder="Nội dung góp ý"></textarea>'
                '<input type="hidden" name="token"><input type="submit" value="Gửi">'
                '<input type="checkbox" id="dk"><label for="dk">Tôi đồng ý</label>'
                '<div role="checkbox" aria-checked="false">Nhận thông báo</div>'
                '<input style="display:none" name="honeypot"><select role="none" disabled></select></form>')
    assert [h for h in hits(html) if h.rule in ("label", "select-name", "aria-input-field-name",
                                                "aria-toggle-field-name")] == []


def test_a_label_for_a_later_duplicate_id_labels_only_the_first() -> None:
    html = page('<label for="q">Từ khóa</label><input id="q"><div><input id="q"></div>')
    assert selectors(html, "label") == ["body > div > input"]


# --- language and title -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "valid"), [
    ("vi", True), ("vi-VN", True), ("VI", True), ("en-US-GB", True), ("rad", True), ("jra", True),
    ("vn", False), ("vi_VN", False), ("vie", False), ("eng", False), ("i-lux", False), ("english", False),
    ("#1", False), (" ", False), ("x-klingon", False),
])
def test_lang_is_valid(value: str, valid: bool) -> None:
    assert lang_is_valid(value) is valid


def test_html_has_lang_and_lang_valid() -> None:
    assert selectors(page("<p>Xin chào</p>", lang=None), "html-has-lang") == ["html"]
    assert selectors(page("<p>Xin chào</p>", lang=" "), "html-has-lang") == ["html"]
    assert hits(page("<p>Xin chào</p>", lang=" "), "html-lang-valid") == []
    assert selectors(page("<p>Xin chào</p>", lang="vn"), "html-lang-valid") == ["html"]
    assert hits(page("<p>Xin chào</p>", lang="vi-VN")) == []


def test_valid_lang_on_elements_that_carry_text() -> None:
    html = page('<p id="a" lang="vn">Xin chào</p><p lang="en">Hello</p><p lang="">?</p>'
                '<div lang="xx"><img src="/a.png" alt=""></div>'
                '<div id="b" lang="english"><img src="/a.png" alt="Fireworks"></div>'
                '<div lang="zz"><span lang="en">Hello</span></div>'
                '<div lang="zz" style="display:none">Ẩn</div>')
    assert selectors(html, "valid-lang") == ["#a", "#b"]


def test_document_title() -> None:
    assert selectors(page("<h1>Trang chủ</h1>", head=""), "document-title") == ["html"]
    assert selectors(page("<h1>Trang chủ</h1>", head="<title> </title>"), "document-title") == ["head > title"]
    svg_only = page('<svg><title>Biểu đồ</title></svg>', head="")
    assert selectors(svg_only, "document-title") == ["html"]


# --- structure ----------------------------------------------------------------------------------------------------


def test_duplicate_id_reports_the_later_elements() -> None:
    html = page('<div id="main">A</div><div class="x"><span id="main">B</span></div><p id="">C</p><p id="">D</p>')
    assert selectors(html, "duplicate-id") == ["body > div:nth-of-type(2) > span"]
    assert STATIC_RULES["duplicate-id"].best_practice


def test_empty_heading() -> None:
    html = page('<h2 id="e1"></h2><h2 id="e2"><img src="/a.png" alt=""></h2><h3 id="e3"><br></h3>'
                '<div role="heading" aria-level="2" id="e4"></div>'
                '<h2>Tin tức</h2><h2><img src="/a.png" alt="Tin tức"></h2><h2 aria-hidden="true"></h2>'
                '<h2 aria-label="Thông báo"></h2>')
    assert selectors(html, "empty-heading") == ["#e1", "#e2", "#e3", "#e4"]


def test_heading_order() -> None:
    assert selectors(page('<h1>A</h1><h2>B</h2><h4 id="x">C</h4><h2>D</h2><h3>E</h3>'), "heading-order") == ["#x"]
    assert hits(page("<h3>Tin mới</h3><h4>A</h4><h2>B</h2><h3>C</h3>"), "heading-order") == []
    assert selectors(page('<h1>A</h1><div role="heading" aria-level="3" id="r">B</div>'), "heading-order") == ["#r"]


def test_frame_title() -> None:
    html = page('<iframe id="fb" src="https://www.facebook.com/plugins/page.php"></iframe>'
                '<iframe src="/ban-do" title="Bản đồ"></iframe><iframe src="/x" title=" " id="blank"></iframe>'
                '<iframe src="/y" tabindex="-1"></iframe><iframe src="/z" role="presentation"></iframe>')
    assert selectors(html, "frame-title") == ["#fb", "#blank"]


def test_frame_title_in_a_frameset() -> None:
    html = ('<html lang="vi"><head><title>Cổng</title></head><frameset cols="20%,80%">'
            '<frame src="/menu.html"><frame src="/main.html" title="Nội dung"></frameset></html>')
    assert [h.rule for h in hits(html)] == ["frame-title"]


# --- tables -------------------------------------------------------------------------------------------------------

DATA_ROWS = "".join(f"<tr><td>{i}</td><td>Quyết định số {i}/QĐ-UBND</td><td>0{i}/3/2026</td></tr>" for i in range(1, 5))


def test_td_has_header_on_a_data_table_without_headers() -> None:
    html = page(f'<table id="vb"><tr><td><b>STT</b></td><td><b>Số hiệu</b></td><td><b>Ngày</b></td></tr>'
                f'{DATA_ROWS}</table>')
    assert selectors(html, "td-has-header") == ["#vb"]


@pytest.mark.parametrize("table", [
    f"<table><tr><th>STT</th><th>Số hiệu</th><th>Ngày</th></tr>{DATA_ROWS}</table>",
    f"<table role='presentation'>{DATA_ROWS}</table>",
    "<table><tr><td>Họ tên</td><td>A</td></tr><tr><td>Ngày</td><td>B</td></tr></table>",   # 2 rows
    f"<table><tr><td><table><tr><td>menu</td></tr></table></td><td>x</td></tr>{DATA_ROWS}</table>",   # layout
    "<table><tr><td><a href='/'><img src='/l.png' alt='Logo'></a></td><td><img src='/b.png' alt=''></td></tr>"
    "<tr><td><img src='/1.png' alt='1'></td><td><img src='/2.png' alt='2'></td></tr>"
    "<tr><td><img src='/3.png' alt='3'></td><td><img src='/4.png' alt='4'></td></tr></table>",
    f"<table><tr><td><h2>Tin tức</h2></td><td>x</td></tr>{DATA_ROWS}</table>",
    f"<table><tr><td><form><input name='q' aria-label='q'></form></td><td>x</td></tr>{DATA_ROWS}</table>",
])
def test_td_has_header_leaves_other_tables_alone(table: str) -> None:
    assert hits(page(table), "td-has-header") == []


def test_td_headers_attr() -> None:
    html = page('<table><tr><th id="c1">Thủ tục</th><th id="c2">Lệ phí</th></tr>'
                '<tr><td headers="c1">Cấp phép</td><td headers="c9" id="bad">50.000đ</td></tr>'
                '<tr><td headers="c1 c2" id="self">x</td><td headers="self" id="own">y</td></tr></table>'
                '<table><tr><td headers="c1" id="other">z</td></tr></table>')
    assert selectors(html, "td-headers-attr") == ["#bad", "#own", "#other"]


def test_th_has_data_cells() -> None:
    html = page('<table><thead><tr><th>Thủ tục</th><th id="phi">Lệ phí</th></tr></thead>'
                '<tbody><tr><td>Cấp phép xây dựng</td></tr></tbody></table>')
    assert selectors(html, "th-has-data-cells") == ["#phi"]


@pytest.mark.parametrize("table", [
    # row and column headers, an empty corner cell
    "<table><tr><th></th><th>Sáng</th><th>Chiều</th></tr><tr><th>Thứ 2</th><td>7h30</td><td>13h30</td></tr>"
    "<tr><th>Thứ 7</th><td>8h</td><td>Nghỉ</td></tr></table>",
    # spans
    "<table><tr><th colspan='2'>Kết quả</th><th rowspan='2'>Ghi chú</th></tr><tr><th>Đúng hạn</th><th>Trễ</th></tr>"
    "<tr><td>98</td><td>2</td><td>-</td></tr></table>",
    "<table><tr><th>Năm</th><th>Hồ sơ</th></tr><tr><td colspan='2'>Chưa có dữ liệu</td></tr></table>",
    "<table><tr><th id='h1'>A</th><th id='h2'>B</th></tr><tr><td>1</td></tr><tr><td headers='h2'>2</td></tr></table>",
    "<table><tr><th style='display:none'>Ẩn</th></tr><tr><td>x</td></tr></table>",
    "<table role='presentation'><tr><th>A</th><th>B</th></tr></table>",
])
def test_th_has_data_cells_passes(table: str) -> None:
    assert hits(page(table), "th-has-data-cells") == []


DOC_HEAD = ("<tr><th scope='col'>Số ký hiệu</th><th scope='col'>Ngày ban hành</th><th scope='col'>Trích yếu</th>"
            "<th scope='col'>Tải về</th></tr>")
DOC_ROWS = "".join(f"<tr><td>{i}/QĐ-UBND</td><td>0{i}/3/2026</td><td>Về việc ban hành quy chế {i}</td>"
                   f"<td><a href='/vb/{i}.pdf'><i class='fa fa-download'></i> Tải về</a></td></tr>"
                   for i in range(1, 4))
BARE_HEAD = DOC_HEAD.replace(" scope='col'", "")


@pytest.mark.parametrize("table", [
    # Liferay / NukeViet document lists: thead of th scope=col, tbody of data rows, a caption, a tfoot
    f"<table class='table table-striped'><caption>Văn bản chỉ đạo điều hành</caption><thead>{DOC_HEAD}</thead>"
    f"<tbody>{DOC_ROWS}</tbody></table>",
    f"<table><thead>{DOC_HEAD}</thead><tfoot><tr><td colspan='4'>Tổng số: 3 văn bản</td></tr></tfoot>"
    f"<tbody>{DOC_ROWS}</tbody></table>",
    f"<table><tbody>{DOC_HEAD}</tbody><tbody>{DOC_ROWS}</tbody></table>",   # header and data in two tbody
    # Joomla: the header row starts with a td (STT) and its th carry no scope: HTML's algorithm makes them
    # neither column nor row headers, axe reads them as column headers
    f"<table class='category'><tbody><tr><td>STT</td>{BARE_HEAD[4:]}"
    + "".join(f"<tr><td>{i}</td>{r}" for i, r in enumerate(DOC_ROWS.split("<tr>")[1:], 1)) + "</tbody></table>",
    # a "Tổng" row whose th sits in a data row and a data column; tfoot written before tbody (HTML 4 order)
    f"<table>{BARE_HEAD}{DOC_ROWS}<tr><th>Tổng</th><td colspan='3'>3 văn bản</td></tr></table>",
    f"<table><thead>{DOC_HEAD}</thead><tfoot><tr><th>Tổng</th><td colspan='3'>3</td></tr></tfoot>"
    f"<tbody>{DOC_ROWS}</tbody></table>",
    # headers= naming ids that do not exist (td-headers-attr's finding): axe falls back to the column above
    f"<table><tbody>{DOC_HEAD}<tr><td headers='sokyhieu'>1/QĐ</td><td headers='ngay'>1/3</td><td>Về việc</td>"
    "<td>-</td></tr></tbody></table>",
    # a header named by aria-labelledby; a header cell with an icon and no text (empty-table-header's)
    "<table><tr><th id='x1'>Thủ tục</th><th id='x2'>Lệ phí</th></tr><tr><td headers='x1'>Cấp phép</td>"
    "<td aria-labelledby='x2' headers='x1'>50.000đ</td></tr></table>",
    "<table><tr><th scope='col'>Tên tệp</th><th scope='col'><i class='fa fa-download'></i></th></tr>"
    "<tr><td>a.pdf</td></tr></table>",
    # row headers in the first column, column headers above, section rows between data rows
    "<table><tr><td></td><th scope='col'>Sáng</th><th scope='col'>Chiều</th></tr>"
    "<tr><th scope='row'>Thứ 2</th><td>7h30</td><td>13h30</td></tr><tr><th scope='row'>Thứ 7</th><td>8h</td>"
    "<td></td></tr></table>",
    f"<table>{DOC_HEAD}<tr><th colspan='4'>Năm 2026</th></tr>{DOC_ROWS}<tr><th colspan='4'>Năm 2025</th></tr>"
    f"{DOC_ROWS}</table>",
    # data cells left empty under some headers still are the headers' cells
    f"<table>{DOC_HEAD}" + "<tr><td>1/QĐ</td><td></td><td>Về việc</td><td></td></tr>" * 3 + "</table>",
])
def test_th_has_data_cells_passes_portal_document_lists(table: str) -> None:
    assert hits(page(table), "th-has-data-cells") == []


@pytest.mark.parametrize(("table", "expected"), [
    # rows shorter than the header row: Trích yếu and Tải về describe nothing
    (f"<table><tbody>{DOC_HEAD}<tr><td>1/QĐ</td><td>1/3</td></tr></tbody></table>", 2),
    # a header row and nothing under it
    (f"<table><thead>{DOC_HEAD}</thead><tbody></tbody></table>", 4),
    # every data cell's headers= names other headers
    ("<table><tbody><tr><th id='a' scope='col'>A</th><th id='b' scope='col'>B</th></tr>"
     "<tr><td headers='b'>1</td><td headers='b'>2</td></tr></tbody></table>", 1),
])
def test_th_has_data_cells_still_fails_headers_without_cells(table: str, expected: int) -> None:
    assert len(hits(page(table), "th-has-data-cells")) == expected


def test_th_has_data_cells_on_an_aria_grid() -> None:
    html = page('<div role="grid"><div role="row"><div role="columnheader">Phòng</div>'
                '<div role="columnheader" id="occ">Người dùng</div></div>'
                '<div role="row"><div role="gridcell">1A</div></div></div>')
    assert selectors(html, "th-has-data-cells") == ["#occ"]


# --- page-level ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "blocked"), [
    ("width=device-width, initial-scale=1", False),
    ("width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no", True),
    ("user-scalable=0", True), ("user-scalable=yes", False), ("user-scalable=5", False),
    ("maximum-scale=1.5", True), ("maximum-scale=2.0", False), ("maximum-scale=-1", False),
    ("maximum-scale=device-width", False), ("maximum-scale=yes", True), ("maximum-scale=invalid", True),
    ("", False),
])
def test_viewport_blocks_zoom(content: str, blocked: bool) -> None:
    assert viewport_blocks_zoom(content) is blocked


def test_meta_viewport_hit() -> None:
    head = '<title>T</title><meta name="viewport" content="width=device-width, user-scalable=no">'
    found = hits(page("<p>x</p>", head=head), "meta-viewport")
    assert [h.selector for h in found] == ["head > meta:nth-of-type(2)"]
    assert found[0].snippet == '<meta name="viewport" content="width=device-width, user-scalable=no">'


@pytest.mark.parametrize(("content", "delay"), [
    ("30", 30), ("5; url=https://x", 5), ("0; URL='https://x'", 0), ("1.5, x", 1), (".5", 0),
    ("+5; x", None), ("0: x", None), ("foo", None), ("", None), ("; 30", None), ("-1", None),
])
def test_refresh_delay(content: str, delay: int | None) -> None:
    assert refresh_delay(content) == delay


def test_meta_refresh() -> None:
    def refresh(*contents: str) -> list[str]:
        head = "<title>T</title>" + "".join(f'<meta http-equiv="Refresh" content="{c}">' for c in contents)
        return selectors(page("<p>x</p>", head=head), "meta-refresh")

    assert refresh("300") == ["head > meta:nth-of-type(2)"]
    assert refresh("72000; url=/") == ["head > meta:nth-of-type(2)"]
    assert refresh("0; url=/trang-chu") == []
    assert refresh("72001") == []
    assert refresh("0: x", "5; url=/") == ["head > meta:nth-of-type(3)"]   # the first valid one counts
    assert refresh("0; url=/", "5; url=/") == []


def test_marquee_and_blink() -> None:
    html = page('<marquee id="m">Chào mừng Đại hội</marquee><blink>Mới</blink>'
                '<div hidden><marquee>ẩn</marquee></div>')
    assert [(h.rule, h.selector) for h in hits(html) if h.rule in ("marquee", "blink")] == [
        ("marquee", "#m"), ("blink", "body > blink")]


SHORT_NOTICE = ('<header><nav><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></nav></header>'
                '<div id="mainmenu">{menu}</div><div class="content"><h1>Thông báo số 12/TB-UBND</h1>'
                '<p>Xem nội dung trong tệp đính kèm.</p>{link}</div><footer>{footer}</footer>')


def test_document_html_alternative() -> None:
    menu = " ".join(f'<a href="/c{i}">Chuyên mục số {i} của cổng</a>' for i in range(20))   # long, but chrome
    html = page(SHORT_NOTICE.format(menu=menu, link='<a href="/files/tb-12.pdf">Tải về</a>', footer=""))
    found = hits(html, "document-html-alternative")
    assert [h.selector for h in found] == ["body > div:nth-of-type(2) > a"]
    assert STATIC_RULES["document-html-alternative"].best_practice


@pytest.mark.parametrize(("link", "footer", "extra"), [
    ('<a href="/files/tb-12.pdf">Tải về</a>', "", "<p>" + "Nội dung thông báo đầy đủ bằng HTML. " * 8 + "</p>"),
    ('<a href="/tin/12">Thông báo</a>', "", ""),
    ("", '<a href="/files/quy-che.pdf">Quy chế</a>', ""),
])
def test_document_html_alternative_passes(link: str, footer: str, extra: str) -> None:
    html = page(SHORT_NOTICE.format(menu="", link=link + extra, footer=footer))
    assert hits(html, "document-html-alternative") == []


# --- the API ------------------------------------------------------------------------------------------------------


def test_rule_catalogue() -> None:
    assert {"image-alt", "input-image-alt", "area-alt", "svg-img-alt", "object-alt", "link-name", "button-name",
            "identical-links-same-purpose", "html-has-lang", "html-lang-valid", "valid-lang", "document-title",
            "label", "select-name", "duplicate-id", "empty-heading", "heading-order", "frame-title", "td-has-header",
            "td-headers-attr", "th-has-data-cells", "meta-viewport", "meta-refresh", "marquee", "blink",
            "document-html-alternative"} <= set(STATIC_RULES)
    for rule_id, rule in STATIC_RULES.items():
        assert rule.id == rule_id and rule.description and "\n" not in rule.description
        assert all(re.fullmatch(r"\d\.\d\.\d+", sc) for sc in rule.wcag), rule
        assert all(re.fullmatch(r"[0-9a-z]{6}", act) for act in rule.act_rules), rule
        assert rule.best_practice or rule.wcag, rule
    generic = STATIC_RULES["identical-links-same-purpose"]
    # WCAG 2.4.4 accepts context around the link; Circular 32/2017 Art. 18(1)(d) does not.
    assert generic.wcag == ("2.4.9",) and generic.best_practice
    assert STATIC_RULES["heading-order"].best_practice
    assert STATIC_RULES["document-html-alternative"].wcag == ()


def test_every_static_rule_is_described_once_in_the_rules_table() -> None:
    """Criteria, level and texts come from data/rules.yaml; a static rule missing there would be a fallback."""
    from portal_audit.a11y.rules import load_rules

    assert set(STATIC_RULES) <= set(load_rules())
    assert {r.id for r in STATIC_RULES.values() if r.best_practice} >= {"duplicate-id", "heading-order",
                                                                        "empty-heading", "document-html-alternative"}
    assert STATIC_RULES["image-alt"].wcag == ("1.1.1",) and not STATIC_RULES["image-alt"].best_practice


def test_every_hit_names_a_known_rule() -> None:
    html = page('<img src="/a.png"><a href="/x"></a><input><h2></h2><iframe src="/f"></iframe><marquee>x</marquee>',
                lang="vn", head="")
    assert {h.rule for h in hits(html)} <= set(STATIC_RULES)
    assert len({h.rule for h in hits(html)}) >= 7


def test_phrase_key_folds_vietnamese() -> None:
    assert phrase_key("  XEM THÊM… »") == "xem them"
    assert phrase_key("Đọc tiếp >>") == "doc tiep"


def test_selectors_for_tags_css_cannot_name() -> None:
    html = page('<div><p>Văn bản<o:p></o:p></p><o:p><img src="/a.png"></o:p></div>')
    assert selectors(html, "image-alt") == ["body > div > *:nth-child(2) > img"]


def test_snippet_of_a_big_element_is_its_start_tag() -> None:
    rows = "".join(f"<tr><td>Hồ sơ {i}</td><td>Đã tiếp nhận {i}</td></tr>" for i in range(30))
    found = hits(page(f'<table class="ds" border="1">{rows}</table>'), "td-has-header")
    assert [h.snippet for h in found] == ['<table class="ds" border="1">']


def test_check_html_gives_nothing_when_the_parser_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(static, "parse_html", lambda text: None)
    assert check_html("<html>", URL) == []


def test_check_tree_leaves_the_tree_unchanged() -> None:
    root = parse_html(CLEAN_PAGE)
    before = static.lxml.html.tostring(root)
    static.check_tree(root, URL)
    assert static.lxml.html.tostring(root) == before


def test_selectors_through_tables_match_the_browser_dom() -> None:
    """Browsers put rows written directly under <table> into an implied <tbody>; the selector follows them."""
    hits = check_html('<html lang="vi"><head><title>t</title></head><body><table id="ds"><tr><td>a</td></tr>'
                      '<tr><td><img src="x.png"></td></tr></table></body></html>', "http://x.vn/")
    image = next(h for h in hits if h.rule == "image-alt")
    assert image.selector == "#ds > tbody > tr:nth-of-type(2) > td > img"


def test_body_classes_describing_the_layout_do_not_make_the_content_chrome() -> None:
    """Drupal writes 'one-sidebar sidebar-first' on <body>; a PDF-only notice inside it is still content."""
    page = ('<html lang="vi"><head><title>Thông báo</title></head><body class="html one-sidebar sidebar-first">'
            '<div id="content"><h1>Thông báo</h1><p><a href="/files/tb-12.pdf">Tải về</a></p></div></body></html>')
    assert "document-html-alternative" in {h.rule for h in check_html(page, "http://x.vn/node/9")}
