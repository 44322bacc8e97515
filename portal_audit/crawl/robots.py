"""robots.txt as Google reads it, where Scrapy's own middleware would read it as absent.

Two hostile answers made Scrapy's RobotsTxtMiddleware treat a site's robots.txt as missing, so every
``Disallow`` line was ignored and disallowed pages were fetched: a robots.txt larger than the page cap, and
one that decompresses past it. Google reads the first 500 KiB of a robots.txt, whatever size it declares, and
ignores the rest; so does portal-audit (``RobotsTxtReadLimit`` lifts the page cap's up-front refusal of a
large declared size, the spider ends the download at 500 KiB, and the parser reads no further once
decompressed). A robots.txt that cannot be read within the page cap at all (a compression bomb) means
"disallow all" for this run: a crawler was not meant to be let in.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from portal_audit.crawl.errors import too_large

ROBOTS_MAX_BYTES = 500 * 1024
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class CappedRobotParser(ProtegoRobotParser):
    """Scrapy's Protego parser on the first ROBOTS_MAX_BYTES of the (decompressed) robots.txt."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> Self:
        return super().from_crawler(crawler, robotstxt_body[:ROBOTS_MAX_BYTES])


class RobotsTxtGuard(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, except that a robots.txt too large to read disallows everything."""

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if not too_large(exc):
            super()._robots_error(exc, netloc)
            return
        waiting: Any = self._parsers[netloc]
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        self._parsers[netloc] = parser
        if hasattr(waiting, "callback"):
            waiting.callback(parser)


class RobotsTxtReadLimit:
    """Downloader middleware: a robots.txt is read up to ROBOTS_MAX_BYTES whatever its Content-Length says.

    Scrapy refuses a download up front when its declared size passes ``DOWNLOAD_MAXSIZE``; for robots.txt the
    cap is lifted on the way out (the spider's ``bytes_received`` handler ends the transfer at 500 KiB) and put
    back on the way in, before decompression (590) reads it, so a compression bomb is still cut at the cap."""

    def __init__(self, max_size: int):
        self.max_size = max_size

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_request(self, request: Request, spider: Any = None) -> None:
        if urlparse_cached(request).path == "/robots.txt" and "download_maxsize" not in request.meta:
            request.meta["download_maxsize"] = 0
            request.meta["pa_robots_read_limit"] = True

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if request.meta.pop("pa_robots_read_limit", False):
            request.meta["download_maxsize"] = self.max_size
        return response
