"""portal_audit.html: the one home of the parse, page chrome, header/footer regions and CSS selectors.

Each idea used to live in two to five modules that disagreed; these tests hold the shared definition and, where
two stages consume it, that they now agree (the audit's corpus and the static accessibility rules).
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest
from lxml import etree

from portal_audit import html
from portal_audit.a11y.static import check_html
from portal_audit.audit.corpus import Page
from portal_audit.html import (
    Selectors,
    footer_regions,
    header_regions,
    in_chrome,
    is_chrome,
    is_navigation,
    parse_html,
)
from portal_audit.render.discover import has_empty_navigation
from portal_audit.store import compress_html

URL = "https://soyte.example.gov.vn/tin-tuc/1.html"

# Rows written straight under <table>, two elements sharing an id, similar nested blocks, a tag CSS cannot name.
TRICKY = """<!DOCTYPE html><html lang="vi"><head><title>Tin</title><meta name="viewport" content="x"></head><body>
<div><nav><ul><li><a href="/a">A</a></li><li><a href="/b">B</a></li></ul></nav></div>
<div id="box"><div><nav><ul><li><a href="/c">C</a></li></ul></nav></div></div>
<p id="dup"><a href="/d">D</a></p><p id="dup"><a href="/e">E</a></p>
<table id="ds"><tr><td>1</td></tr><tr><td><a href="/f"><img src="f.png"></a></td></tr></table>
<table><caption>Danh bạ</caption><tr><td><a href="/g">G</a></td></tr></table>
<o:p><a href="/h">H</a></o:p><o:p>x</o:p>
<div id="1bad"><a href="/i">I</a></div>
</body></html>"""


def browser_dom(root: etree._Element) -> etree._Element:
    """The tree a browser builds from the same markup: rows directly under <table> go into an implied <tbody>."""
    dom = copy.deepcopy(root)
    for table in dom.iter("table"):
        rows = [child for child in table if child.tag == "tr"]
        if rows:
            tbody = etree.Element("tbody")
            rows[0].addprevious(tbody)
            for row in rows:
                tbody.append(row)
    return dom


def test_every_selector_finds_exactly_its_element_in_the_browser_dom() -> None:
    root = parse_html(TRICKY)
    assert root is not None
    elements = [el for el in root.iter(etree.Element) if ":" not in el.tag]
    for index, el in enumerate(elements):
        el.set("data-k", str(index))   # what a selector may not use, to find the element again in the copy
    selectors = Selectors(root=root)
    paths = {int(el.get("data-k")): selectors(el) for el in elements}
    dom = browser_dom(root)
    for index, path in paths.items():
        found = dom.cssselect(path)
        assert [el.get("data-k") for el in found] == [str(index)], (path, index)


def test_selectors_prefer_a_unique_id_and_never_trust_a_shared_or_invalid_one() -> None:
    root = parse_html(TRICKY)
    select = Selectors(root=root)
    by_href = {a.get("href"): a for a in root.iter("a")}
    assert select(by_href["/c"]) == "#box > div > nav > ul > li > a"
    assert select(by_href["/a"]) == "body > div:nth-of-type(1) > nav > ul > li:nth-of-type(1) > a"
    assert select(by_href["/d"]) == "body > p:nth-of-type(1) > a"   # id="dup" twice: a path, not #dup
    assert select(by_href["/f"]) == "#ds > tbody > tr:nth-of-type(2) > td > a"
    assert select(by_href["/i"]).startswith("body > div:nth-of-type(3) > a")   # "1bad" is no CSS identifier
    assert select(by_href["/h"]) == "body > *:nth-child(7) > a"


def test_an_indexed_page_and_a_lazy_one_give_the_same_selectors() -> None:
    """a11y/static.py passes the ids it indexed; the corpus lets Selectors index them: one generator, one answer."""
    root = parse_html(TRICKY)
    ids: dict[str, list[etree._Element]] = {}
    for el in root.iter(etree.Element):
        if el.get("id") is not None:
            ids.setdefault(el.get("id"), []).append(el)
    indexed, lazy = Selectors(ids), Selectors()
    assert [indexed(el) for el in root.iter(etree.Element)] == [lazy(el) for el in root.iter(etree.Element)]


def page_of(markup: str) -> Page:
    return Page({"id": 1, "url": URL, "final_url": URL, "status": 200, "depth": 1, "title": "t",
                 "content_type": "text/html; charset=utf-8", "html_zlib": compress_html(markup.encode())})


def test_the_audit_and_the_accessibility_rules_cite_an_element_by_the_same_selector() -> None:
    """Before html.py the audit wrote 'table > tr > td > a' (no <tbody>, no anchor) where axe-style evidence wrote
    '#ds > tbody > tr:nth-of-type(2) > td > a': a webmaster saw two addresses for one link."""
    page = page_of(TRICKY)
    link = next(link for link in page.links if link.url.endswith("/f"))
    image_hit = next(hit for hit in check_html(TRICKY, URL) if hit.rule == "image-alt")
    assert link.selector + " > img" == image_hit.selector == "#ds > tbody > tr:nth-of-type(2) > td > a > img"
    caption = next(h for h in page.headings if h[0] == "caption")
    assert caption[2] == "body > table:nth-of-type(2) > caption"
    assert len(browser_dom(page.root).cssselect(caption[2])) == 1


@pytest.mark.parametrize(("markup", "chrome"), [
    ("<nav>", True), ("<header>", True), ("<footer>", True), ("<aside>", True),
    ('<div role="navigation">', True), ('<div role="banner">', True), ('<div role="contentinfo">', True),
    ('<div id="menu">', True), ('<ul class="top-nav">', True), ('<div class="mainmenu">', True),
    ('<div class="leftmenu">', True), ('<div id="megamenu">', True), ('<div class="menus">', True),
    ('<div class="main_menu">', True), ('<div class="region sidebar-first">', True), ('<div class="topbar">', True),
    ('<ol class="breadcrumb">', True), ('<div class="skip-links">', True), ('<form class="search-form">', True),
    ('<div class="site-header">', True), ('<div id="FOOTER">', True),
    # a word inside another word is not a layout word; the document's own containers never are chrome
    ('<div class="canvas">', False), ('<div class="submenu-icon">', False), ('<div class="content">', False),
    ('<main class="sidebar-layout">', False), ('<article class="header">', False),
    ('<div role="main" class="nav">', False), ('<body class="one-sidebar sidebar-first">', False),
])
def test_page_chrome_has_one_definition(markup: str, chrome: bool) -> None:
    tag = markup[1:].split()[0].rstrip(">")
    root = parse_html(f"<html><body><div id='x'>{markup}<a href='/a'>a</a></{tag}></div></body></html>")
    el = next(e for e in root.iter(tag) if e.get("id") != "x") if tag != "body" else root.find("body")
    assert is_chrome(el) is chrome
    assert in_chrome(root.find(".//a")) is chrome


def test_in_chrome_asks_the_ancestors_not_the_element() -> None:
    root = parse_html('<html><body><a class="menu" href="/a">a</a><nav><p><a href="/b">b</a></p></nav></body></html>')
    first, second = root.iter("a")
    assert is_chrome(first) and not in_chrome(first)
    assert in_chrome(second)


def test_the_audit_and_the_accessibility_rules_share_what_the_page_itself_says() -> None:
    """Main text (audit) and own text beside a document link (document-html-alternative) leave out the same
    chrome: a 'leftmenu' block was menu to the accessibility rule and content to the audit before."""
    menu = "Giới thiệu Tin tức Văn bản Thủ tục Liên hệ Sơ đồ cổng Hỏi đáp " * 6
    markup = (f'<html lang="vi"><head><title>Thông báo</title></head><body><div class="leftmenu">{menu}</div>'
              '<div id="content"><h1>Thông báo</h1><p><a href="/files/tb-12.pdf">Tải về</a></p></div></body></html>')
    assert "Giới thiệu" not in page_of(markup).main_text
    assert "document-html-alternative" in {hit.rule for hit in check_html(markup, URL)}


def test_navigation_is_the_menu_part_of_chrome() -> None:
    root = parse_html('<html><body><header id="h"></header><div class="megamenu"></div><ul class="nav-tabs"></ul>'
                      '<div class="canvas"></div></body></html>')
    assert [is_navigation(el) for el in root.iter("header", "div", "ul")] == [False, True, True, False]
    assert has_empty_navigation(b'<div class="megamenu"></div><script>build()</script>', "text/html")


FOOTERS = """<html><body><div class="top-wrap"><header><img src="/quoc-huy.png" alt=""></header></div>
<div id="content">x</div>
<div class="bottom-links">Liên kết</div>
<div id="footer-wrap"><footer><div class="footer-info">Địa chỉ: 1 Lê Lợi</div></footer></div>
<div role="contentinfo">Bản quyền</div></body></html>"""


def test_footer_regions_put_landmarks_first_and_never_repeat_a_nested_region() -> None:
    root = parse_html(FOOTERS)
    found = footer_regions(root)
    assert [(el.tag, el.get("class") or el.get("id") or el.get("role")) for el in found] == [
        ("footer", None), ("div", "contentinfo"), ("div", "bottom-links"), ("div", "footer-wrap")]
    assert [(el.tag, el.get("class")) for el in header_regions(root)] == [("header", None), ("div", "top-wrap")]


def test_parse_html_tolerates_what_portals_send() -> None:
    assert parse_html("") is not None and parse_html("").tag == "html"
    assert parse_html('<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>').find(".//p") \
        is not None
    assert parse_html('<?xml version="1.0"?>').tag == "html"   # nothing but the declaration: an empty page
    assert parse_html("   ") is None and parse_html("<!-- x -->") is None   # lxml gives up: no document at all


def test_html_is_on_the_bottom_floor() -> None:
    """Every stage imports html.py, so it may import nothing from portal_audit (no cycle, no upward import)."""
    tree = ast.parse(Path(html.__file__).read_text("utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not [name for name in imported if name.startswith("portal_audit")]
