"""Cheap weekly re-crawls: conditional requests against the previous run's stored pages.

Scrapy's HttpCacheMiddleware, with three choices of ours:

- **The store is the cache** (``StoreCacheStorage``): the previous finished run of the same site already holds
  every page's headers and exact bytes (``pages.headers``, ``pages.html_zlib``), so no second copy is kept on
  disk. Only pages that answered 200 with an ``ETag`` or ``Last-Modified`` are candidates.
- **Always revalidate** (``AlwaysRevalidatePolicy``): an auditor must see this week's page, so a stored page is
  never "fresh"; every request carries ``If-None-Match`` / ``If-Modified-Since`` and only a 304 lets the stored
  copy stand in. A 5xx or a download error is never papered over with the old copy (Scrapy's RFC 2616 policy
  would): the failure is this week's fact and is recorded as such.
- **Placed above decompression** (priority 585, below HttpCompression's 590): it sees bodies and headers as the
  spider stores them (decoded), and below the private-address guard (50) and robots (100), which refuse a
  request before the cache is even asked.

A revalidated page leaves the middleware with the ``cached`` flag and ``pa_cached_page`` in its meta; the
spider stores it like a fetched page (same bytes, the stored headers refreshed with the 304's, as RFC 7234
§4.3.4 says) and, when the previous run was made by the same portal-audit version, reuses its computed facts
(encoding, title, lang, template fingerprint, links) instead of parsing again: same bytes, same parser, same
facts, at a fraction of the cost.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings

from portal_audit import __version__
from portal_audit.crawl.pagefacts import Link, PageFacts
from portal_audit.store import Store, decompress_html

log = logging.getLogger("portal_audit.crawl")

# Header fields of a 304 that describe a body it does not have: never copied onto the stored response.
_BODY_FIELDS = (b"Content-Length", b"Content-Type", b"Content-Encoding", b"Transfer-Encoding", b"Content-Range")
_VALIDATORS = (b"If-None-Match", b"If-Modified-Since")


class AlwaysRevalidatePolicy(RFC2616Policy):
    def should_cache_request(self, request: Request) -> bool:
        return (request.method == "GET" and request.meta.get("pa_kind") == "page"
                and super().should_cache_request(request))

    def should_cache_response(self, response: Response, request: Request) -> bool:
        return False  # the store keeps the page; nothing else to write

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(self, cachedresponse: Response, response: Response, request: Request) -> bool:
        return response.status == 304


class StoreCacheStorage:
    """Scrapy cache storage backed by the previous finished run of the same site in the audit store."""

    def __init__(self, settings: BaseSettings):
        self.store: Store | None = None
        self.previous_run: str | None = None
        self.same_version = False
        self.site_id = ""
        self.index: dict[str, int] = {}

    def open_spider(self, spider: Any) -> None:
        store = spider.writer.store
        self.store, self.site_id = store, spider.site.id
        self.previous_run = store.previous_site_run(spider.run_id, spider.site.id, spider.site.url)
        if self.previous_run is None:
            return
        version = store.db.execute("SELECT tool_version FROM runs WHERE id = ?", (self.previous_run,)).fetchone()
        self.same_version = bool(version) and version[0] == __version__
        self.index = {url: pid for pid, url in store.db.execute(
            "SELECT id, final_url FROM pages WHERE run_id = ? AND site_id = ? AND status = 200 AND via = 'crawl' "
            "AND html_zlib IS NOT NULL AND (json_extract(headers, '$.etag') IS NOT NULL "
            "OR json_extract(headers, '$.\"last-modified\"') IS NOT NULL) ORDER BY id",
            (self.previous_run, spider.site.id))}

    def close_spider(self, spider: Any) -> None:
        self.index = {}

    def retrieve_response(self, spider: Any, request: Request) -> Response | None:
        request.meta.pop("pa_cached_page", None)
        page_id = self.index.get(request.url)
        if page_id is None or self.store is None:
            return None
        row = self.store.db.execute(
            "SELECT headers, html_zlib, declared_encoding, detected_encoding, encoding_issue, title, lang, "
            "template_fp FROM pages WHERE id = ?", (page_id,)).fetchone()
        if row is None:
            return None
        headers = Headers()
        for name, value in json.loads(row[0] or "{}").items():
            values = value if isinstance(value, list) else [value]
            headers[name] = [v.encode("latin-1", "replace") for v in values]
        body = decompress_html(row[1])
        if len(body) > spider.site.max_page_bytes:
            return None  # the size cap was lowered since: fetch, and let the cap name it too_large
        request.meta["pa_cached_page"] = {
            "id": page_id, "html_zlib": row[1], "declared_encoding": row[2], "detected_encoding": row[3],
            "encoding_issue": row[4], "title": row[5], "lang": row[6], "template_fp": row[7], "facts": None}
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=200, headers=headers, body=body, request=request)

    def store_response(self, spider: Any, request: Request, response: Response) -> None:
        return None

    def facts(self, url: str, cached: dict[str, Any]) -> PageFacts | None:
        """The previous run's facts of a page (None when another version of portal-audit computed them)."""
        if not self.same_version or self.store is None:
            return None
        links: list[Link] = []
        refused: list[Link] = []
        for to_url, anchor, rel in self.store.db.execute(
                "SELECT to_url, anchor, rel FROM links WHERE run_id = ? AND site_id = ? AND from_url = ? "
                "ORDER BY rowid",
                (self.previous_run, self.site_id, url)):
            link = Link(url=to_url, anchor=anchor or "", rel=rel, tag="a")
            (links if to_url.split(":", 1)[0].lower() in ("http", "https") else refused).append(link)
        return PageFacts(title=cached["title"], lang=cached["lang"], links=links, template_fp=cached["template_fp"],
                         refused=refused)


class RevalidatingCache(HttpCacheMiddleware):
    """HttpCacheMiddleware that only ever answers from the store after a 304, and never adds or hides a fact."""

    def process_request(self, request: Request, spider: Any = None) -> Request | Response | None:
        for name in _VALIDATORS:  # a redirect re-request may carry the validators of the URL it came from
            request.headers.pop(name, None)
        return super().process_request(request)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        # Unlike Scrapy's, no Date header is invented on a fresh response: the audit reads the headers as sent.
        if request.meta.get("dont_cache", False):
            return response
        if "_dont_cache" in request.meta or "cached" in response.flags:
            request.meta.pop("_dont_cache", None)
            return response
        cached: Response | None = request.meta.pop("cached_response", None)
        if cached is None:
            self.stats.inc_value("httpcache/firsthand")
            return response
        if response.status != 304:
            self.stats.inc_value("httpcache/invalidate")
            request.meta.pop("pa_cached_page", None)
            return response
        self.stats.inc_value("httpcache/revalidate")
        headers = cached.headers.copy()
        for name, values in response.headers.items():
            if name not in _BODY_FIELDS:
                headers.setlist(name, values)
        page = request.meta.get("pa_cached_page")
        if page is not None and isinstance(self.storage, StoreCacheStorage):
            page["facts"] = self.storage.facts(request.url, page)
        return cached.replace(headers=headers, ip_address=response.ip_address, certificate=response.certificate,
                              protocol=response.protocol)

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        # A failed revalidation is this week's failure: recorded by the spider, never hidden by the old copy.
        request.meta.pop("cached_response", None)
        request.meta.pop("pa_cached_page", None)
        return None
