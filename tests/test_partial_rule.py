"""One present / partial / missing rule (#12 classes 3 and 4, docs/checklists.md): a link to a page that
could not be read is at most partial; a section that exists counts even when details are missing; an empty
section publishes nothing; same-host links belong to whichever registry site claims them most closely."""

from __future__ import annotations

from datetime import date
from typing import Any

from test_contacts import BASE, _page

from portal_audit.audit.checklist import load_checklist
from portal_audit.audit.corpus import Page, SiteCorpus
from portal_audit.audit.engine import judge_item
from portal_audit.urls import Scope

MENU = ('<nav class="menu"><ul><li><a href="/tin-tuc">Tin tức</a></li>'
        '<li><a href="/du-an-dau-thau">Dự Án, Đấu Thầu</a></li>'
        '<li><a href="/lay-y-kien">Lấy ý kiến dự thảo</a></li></ul></nav>')


def page_html(title: str, body: str) -> str:
    return f'<html lang="vi"><head><title>{title}</title></head><body>{MENU}<main>{body}</main></body></html>'


HOME = page_html("Sở Công Thương", "<h1>Tin tức</h1><p>Hoạt động của Sở trong tuần.</p>")


class _Store:
    """The tables SiteCorpus reads: links from the pages, plus pages that answered an error."""

    def __init__(self, pages: list[Page], errors: dict[str, int]):
        self.links = [{"from_url": p.final_url, "to_url": link.url, "anchor": link.text}
                      for p in pages for link in p.links]
        self.errors = [{"url": BASE + path, "final_url": BASE + path, "status": s} for path, s in errors.items()]

    def query(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        if "FROM links" in sql:
            return self.links
        return self.errors if "FROM pages" in sql else []


def corpus(pages: dict[str, str], errors: dict[str, int] | None = None,
           others: tuple[Scope, ...] = (), prefixes: tuple[str, ...] = ()) -> SiteCorpus:
    built = [_page(i, path, html) for i, (path, html) in enumerate(pages.items(), 1)]
    built[0].is_home = True
    home = BASE + (prefixes[0] if prefixes else "/")
    return SiteCorpus(store=_Store(built, errors or {}), run_id="r", site={"id": "s", "url": home},  # type: ignore[arg-type]
                      pages=built, by_url={p.final_url: p for p in built},
                      scope=Scope.for_site(home, frozenset(), prefixes), others=others)


def judge(item_id: str, pages: SiteCorpus) -> Any:
    cl = load_checklist("decree-43-2011")
    item = next(i for i in cl.items if i["id"] == item_id)
    site = {"id": "s", "url": BASE + "/", "unit_type": "so_ban_nganh", "status": "ok"}
    return judge_item(pages, site, item, cl, [], [], date(2026, 12, 1))


def test_a_menu_link_to_a_page_answering_404_is_partial_with_its_reason() -> None:
    finding = judge("nd43.10.1.h.du-an-dau-thau", corpus({"/": HOME}, {"/du-an-dau-thau": 404}))
    assert finding.outcome == "partial"
    assert "linked, but no page of it could be read" in str(finding.reason)
    # The link is shown as what was found, marked unread: not as evidence that the information is published.
    assert finding.evidence and all(e.unread and "HTTP 404" in str(e.snippet) for e in finding.evidence)


def test_a_menu_link_never_fetched_is_partial_too() -> None:
    finding = judge("nd43.10.1.h.du-an-dau-thau", corpus({"/": HOME}))
    assert finding.outcome == "partial"
    assert "linked, but no page of it could be read" in str(finding.reason)


def test_no_link_and_no_page_is_failed() -> None:
    home = HOME.replace('<li><a href="/du-an-dau-thau">Dự Án, Đấu Thầu</a></li>', "")
    assert judge("nd43.10.1.h.du-an-dau-thau", corpus({"/": home})).outcome == "failed"


def test_a_link_into_another_registry_sites_scope_is_not_the_sites_own() -> None:
    # A department under /web/so-ct/ on the portal's host: the portal (whole host) claims /du-an-dau-thau.
    portal = Scope.for_site(BASE + "/", frozenset(), ())
    pages = corpus({"/web/so-ct/": HOME}, others=(portal,), prefixes=("/web/so-ct/",))
    finding = judge("nd43.10.1.h.du-an-dau-thau", pages)
    assert finding.outcome == "failed"
    assert "only a link to another site" in str(finding.reason)


def test_a_same_host_link_outside_the_scope_that_no_site_claims_is_the_agencys() -> None:
    pages = corpus({"/web/so-ct/": HOME}, prefixes=("/web/so-ct/",))
    finding = judge("nd43.10.1.h.du-an-dau-thau", pages)
    assert finding.outcome == "partial"  # linked (same agency), never fetched


DRAFTS = page_html("Lấy ý kiến dự thảo", """<h1>Lấy ý kiến dự thảo văn bản</h1>
<div class="item"><h3>Dự thảo Quyết định quy định giá dịch vụ sử dụng đò</h3>
<p>Sở đề nghị các tổ chức, cá nhân góp ý dự thảo.</p></div>""")


def test_a_consultation_page_listing_drafts_without_a_deadline_is_partial() -> None:
    finding = judge("nd43.10.1.i.lay-y-kien", corpus({"/": HOME, "/lay-y-kien": DRAFTS}))
    assert finding.outcome == "partial"
    assert "consultation pages without" in str(finding.reason)


def test_an_empty_consultation_section_is_failed() -> None:
    empty = page_html("Lấy ý kiến dự thảo", "<h1>Lấy ý kiến dự thảo văn bản</h1><p>Đang cập nhật</p>")
    finding = judge("nd43.10.1.i.lay-y-kien", corpus({"/": HOME, "/lay-y-kien": empty}))
    assert finding.outcome == "failed"
    assert "empty section" in str(finding.reason)


def test_a_table_caption_names_a_directory() -> None:
    directory = page_html("Liên hệ", """<h1>Liên hệ</h1><table><caption>Danh bạ điện thoại lãnh đạo Sở</caption>
<tr><th>Họ tên</th><th>Chức vụ</th><th>Điện thoại</th><th>Thư điện tử</th></tr>
<tr><td>Nguyễn Văn An</td><td>Giám đốc Sở</td><td>0237 3852 123</td><td>nvan@sct.thanhhoa.gov.vn</td></tr></table>""")
    finding = judge("nd43.10.1.k.lien-he-can-bo", corpus({"/": HOME, "/lien-he": directory}))
    assert finding.outcome == "passed", finding.reason
