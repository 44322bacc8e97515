"""Link names as a browser computes them, on menus built the way real Vietnamese portals build them (#12 class 2).

The fixtures imitate markup of common portal platforms: a Liferay navigation with icon fonts and upper-case
labels, a NukeViet image menu with empty alts, a SharePoint title-only tile, a Joomla `onclick` menu item, an
image map banner and a VNPT-style menu labelled by aria-labelledby. Matching by these names is what lets a
category linked from the home page be found even when the target page is not fetched.
"""

from __future__ import annotations

import pytest

from portal_audit.crawl.pagefacts import parse_page
from portal_audit.html import anchor_text, parse_html

BASE = "https://snv.example.gov.vn/"


def names(html: str) -> dict[str, tuple[str, str]]:
    """Each link's path → (name, how it was found)."""
    return {link.url.removeprefix(BASE.rstrip("/")): (link.anchor, link.tag)
            for link in parse_page(f"<html><body>{html}</body></html>", BASE).links}


LIFERAY = """<nav class="navbar site-navigation"><ul role="menubar">
<li><a href="/web/snv/van-ban" role="menuitem"><span class="icon-file" aria-hidden="true">&#xf15b;</span>
<span class="nav-item-label">VĂN BẢN BAN HÀNH</span></a></li>
<li><a href="/web/snv/lay-y-kien"><span>Lấy Ý Kiến Nhân Dân</span> <span>Về Dự Thảo VBQPPL</span></a></li>
</ul></nav>"""

NUKEVIET = """<div id="menu-img">
<a href="/index.php?nv=news&op=lich-cong-tac"><img src="/themes/default/images/menu/lich-cong-tac.png" alt=""></a>
<a href="/index.php?nv=laws"><img src="/uploads/banner/btn_van_ban_phap_luat.jpg" alt="" title="Văn bản pháp luật"></a>
<a href="/index.php?nv=about"><img src="/uploads/menu/04.png" alt=""></a>
</div>"""


@pytest.mark.parametrize(("html", "path", "expected"), [
    (LIFERAY, "/web/snv/van-ban", "VĂN BẢN BAN HÀNH"),  # the icon font glyph is aria-hidden
    (LIFERAY, "/web/snv/lay-y-kien", "Lấy Ý Kiến Nhân Dân Về Dự Thảo VBQPPL"),
    (NUKEVIET, "/index.php?nv=news&op=lich-cong-tac", "lich cong tac"),  # the words of the image's file name
    (NUKEVIET, "/index.php?nv=laws", "Văn bản pháp luật"),  # the image's title beats its file name
    (NUKEVIET, "/index.php?nv=about", ""),  # a file name of digits says nothing: unnamed
    ('<a href="/gioi-thieu" title="Giới thiệu chung"><img src="/x.gif" alt=""></a>', "/gioi-thieu",
     "Giới thiệu chung"),  # SharePoint tile: title only
    ('<a href="/tt" aria-label="Thủ tục hành chính">TTHC</a>', "/tt", "Thủ tục hành chính"),  # aria-label wins
    ('<span id="m1">Cơ cấu</span><span id="m2">tổ chức</span><a href="/cctc" aria-labelledby="m1 m2">Xem</a>',
     "/cctc", "Cơ cấu tổ chức"),
    ('<a href="/lh"><img src="/i/phone.svg" alt="Liên hệ"> <b>0237 3852 123</b></a>', "/lh", "Liên hệ 0237 3852 123"),
    ('<a href="/tk"><svg viewBox="0 0 1 1"><title>Tìm kiếm</title></svg></a>', "/tk", "Tìm kiếm"),
    ('<img usemap="#m" src="/b.png" alt=""><map name="m"><area shape="rect" coords="0,0,9,9" href="/so-do" '
     'alt="Sơ đồ cổng"></map>', "/so-do", "Sơ đồ cổng"),
])
def test_a_link_is_named_as_a_browser_names_it(html: str, path: str, expected: str) -> None:
    assert names(html)[path][0] == expected


def test_onclick_menus_are_links_to_their_target() -> None:
    """Joomla and home-made menus navigate in script: the literal target is a link, named by its content."""
    found = names("""<ul class="menu">
<li><a href="javascript:void(0);" onclick="window.location.href='/tin-tuc/thong-bao'">Thông báo</a></li>
<li><a href="#" onclick="location.assign(&quot;/hoi-dap&quot;); return false;">Hỏi đáp</a></li>
<li onclick="window.open('/dich-vu-cong', '_blank')">Dịch vụ công trực tuyến</li>
<li onclick="toggle(this)">Không dẫn đi đâu</li>
</ul>""")
    assert found["/tin-tuc/thong-bao"] == ("Thông báo", "a")
    assert found["/hoi-dap"] == ("Hỏi đáp", "a")
    assert found["/dich-vu-cong"] == ("Dịch vụ công trực tuyến", "onclick")
    assert len(found) == 3  # a handler that names no address is not a link


def test_the_plain_href_is_followed_before_any_onclick() -> None:
    found = names('<a href="/that" onclick="location.href=\'/other\'">Trang</a>')
    assert "/that" in found and "/other" not in found


def test_hidden_text_and_scripts_do_not_name_a_link() -> None:
    root = parse_html('<a href="/x"><span hidden>ẩn</span><script>var a=1</script>Tin tức</a>')
    assert root is not None
    assert anchor_text(root.find(".//a")) == "Tin tức"


def test_a_big_menu_labelled_by_ids_is_named_link_by_link() -> None:
    """aria-labelledby on every link of a 2,000-item menu: each link gets its own label (one id map per page)."""
    labels = "".join(f'<span id="l{i}">Mục {i}</span><a href="/m{i}" aria-labelledby="l{i}">x</a>'
                     for i in range(2000))
    found = names(labels)
    assert found["/m1999"][0] == "Mục 1999" and found["/m0"][0] == "Mục 0"


def test_script_that_opens_no_address_is_not_a_link() -> None:
    found = names("""<button onclick="dialog.open('gop-y')">Góp ý</button>
<button onclick="document.body.style.fontSize='13px'">A-</button>
<a href="javascript:;" onclick="document.getElementById('main').focus();">Bỏ qua menu</a>""")
    assert found == {}
