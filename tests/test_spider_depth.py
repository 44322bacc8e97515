"""The spider's depth rules, which Scrapy's DepthMiddleware cannot express (so the spider keeps its own ``pa_depth``
and DepthMiddleware is off, crawl/settings.py): DepthMiddleware gives every request a callback yields its
response's depth + 1 and drops it past DEPTH_LIMIT after the callback ran. Here:

- a redirect the spider follows itself keeps the depth of the request it answers (the registered address moving
  to https://www. must not push the whole site one level deeper);
- a sitemap's pages are at depth 1, however deep the sitemap index nests;
- a link past ``max_depth`` is refused before it enters the seen-set or counts against ``max_pages`` (so the same
  page linked from a shallower one is still crawled), while the deepest pages' documents are still checked.

demo/tools/expected_crawl.py (the demo's answer keys) counts depth the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, XmlResponse

from portal_audit.crawl.settings import base_settings
from portal_audit.registry import load_registry
from spiders.site_spider import SharedState, SiteSpider

SITE = "https://tinh.gov.vn"
HOME = SITE + "/"


class _Writer:
    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, Any]]] = []

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows.append((table, row))


@pytest.fixture
def spider(tmp_path: Path) -> SiteSpider:
    registry = tmp_path / "sites.yaml"
    registry.write_text("province: Tỉnh Thử nghiệm\nsites:\n  - id: tinh\n    name: Cổng tỉnh\n"
                        f"    unit_type: ubnd_tinh\n    url: {HOME}\n    max_pages: 100\n    max_depth: 2\n",
                        encoding="utf-8")
    return SiteSpider(load_registry(registry).sites[0], "run", SharedState(), _Writer())


def _requests(output: Any) -> list[Request]:
    return [r for r in output if isinstance(r, Request)]


def test_the_crawl_has_one_depth_the_spiders() -> None:
    assert base_settings().getdict("SPIDER_MIDDLEWARES")["scrapy.spidermiddlewares.depth.DepthMiddleware"] is None


def test_a_redirect_hop_keeps_the_depth_of_the_request_it_answers(spider: SiteSpider) -> None:
    request = spider._page_request(SITE + "/tin-tuc", 2, HOME)
    assert request is not None
    moved = Response(SITE + "/tin-tuc", status=301, headers={"Location": "/tin-tuc/"}, request=request)
    [hop] = _requests(spider.parse_page(moved))
    assert hop.url == SITE + "/tin-tuc/" and hop.meta["pa_depth"] == 2
    assert hop.priority == request.priority


def test_a_sitemaps_pages_are_at_depth_one_however_deep_the_index_nests(spider: SiteSpider) -> None:
    index = spider._sitemap_request(SITE + "/sitemap.xml")
    body = (b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<sitemap><loc>" + SITE.encode() + b"/sitemap-tin.xml</loc></sitemap></sitemapindex>")
    [child] = _requests(spider.parse_sitemap(XmlResponse(index.url, body=body, request=index)))
    body = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>" + SITE.encode() + b"/tin/1</loc></url></urlset>")
    [page] = _requests(spider.parse_sitemap(XmlResponse(child.url, body=body, request=child)))
    assert page.url == SITE + "/tin/1" and page.meta["pa_depth"] == 1


def test_past_max_depth_a_link_costs_nothing_and_the_deepest_pages_documents_are_checked(spider: SiteSpider) -> None:
    request = spider._page_request(SITE + "/a/b", 2, HOME)        # max_depth: 2
    assert request is not None
    html = '<html><body><a href="/sau">sau</a><a href="/vb/quyet-dinh.pdf">QĐ</a></body></html>'.encode()
    response = HtmlResponse(request.url, body=html, headers={"Content-Type": "text/html; charset=utf-8"},
                            request=request)
    scheduled = _requests(spider.parse_page(response))
    assert [(r.url, r.meta["pa_kind"]) for r in scheduled] == [(SITE + "/vb/quyet-dinh.pdf", "document")]
    assert SITE + "/sau" not in spider.seen and spider.progress.scheduled == 1
    shallower = spider._page_request(SITE + "/sau", 1, HOME)        # the same page, linked from higher up
    assert shallower is not None and shallower.meta["pa_depth"] == 1
