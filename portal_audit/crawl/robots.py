"""robots.txt as Google reads it, where Scrapy's own middleware would read it as absent.

Two hostile answers made Scrapy's RobotsTxtMiddleware treat a site's robots.txt as missing, so every
``Disallow`` line was ignored and disallowed pages were fetched: a robots.txt larger than the page cap, and
one that decompresses past it. Google reads the first 500 KiB of a robots.txt and ignores the rest; so does
portal-audit (the spider ends the download there, and the parser reads no further once decompressed). A
robots.txt that cannot be read within the page cap at all (declared larger than ``max_page_bytes``, or a
compression bomb) means "disallow all" for this run: a crawler was not meant to be let in.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import ProtegoRobotParser
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
