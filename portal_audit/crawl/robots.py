"""robots.txt as Google reads it, where Scrapy's own middleware would read it as absent.

Two hostile answers made Scrapy's RobotsTxtMiddleware treat a site's robots.txt as missing, so every
``Disallow`` line was ignored and disallowed pages were fetched: a robots.txt larger than the page cap, and
one that decompresses past it. Google reads the first 500 KiB of a robots.txt, whatever size it declares, and
ignores the rest; so does portal-audit (``RobotsTxtReadLimit`` lifts the page cap's up-front refusal of a
large declared size, the spider ends the download at 500 KiB, and the parser reads no further once
decompressed). A robots.txt that cannot be read within the page cap at all (a compression bomb) means
"disallow all" for this run: a crawler was not meant to be let in.

Scrapy also reads every other failure to get a robots.txt as "no rules": a timeout, a 503, a redirect (the
crawl follows no redirects by itself, so the middleware parsed the empty body of a 301). RFC 9309 §2.3.1 says
otherwise, and so does ``RobotsTxtGuard``: up to five redirects are followed; 4xx means no rules; a server
error (5xx, 429) or a network failure means crawl nothing on that host this run, each page refused with the
reason (a network failure keeps its kind, so a dead site still reads as dead). Resuming an interrupted run,
the robots.txt its first attempt stored is used again instead of asked for: the run keeps one set of rules.
"""

from __future__ import annotations

from typing import Any, Self
from urllib.parse import urljoin

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import ProtegoRobotParser, RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from portal_audit.crawl.errors import classify, too_large
from portal_audit.crawl.safety import RefusedRequest
from portal_audit.errorkind import NETWORK_KINDS, ErrorKind

ROBOTS_MAX_BYTES = 500 * 1024
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
MAX_ROBOTS_REDIRECTS = 5   # RFC 9309 §2.3.1.2


def robots_answer(status: int) -> str:
    """What a robots.txt status means (RFC 9309 §2.3.1): rules | redirect | no_rules (4xx) | server_error."""
    if status == 429 or status >= 500:
        return "server_error"
    if 300 <= status < 400:
        return "redirect"
    if 400 <= status < 500:
        return "no_rules"
    return "rules"


class CappedRobotParser(ProtegoRobotParser):
    """Scrapy's Protego parser on the first ROBOTS_MAX_BYTES of the (decompressed) robots.txt."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> Self:
        return super().from_crawler(crawler, robotstxt_body[:ROBOTS_MAX_BYTES])


class RobotsTxtGuard(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with RFC 9309's answers to redirects, errors and unreachable files."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self._refusals: dict[str, RefusedRequest] = {}   # netloc -> why nothing may be crawled there

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            waiting: Deferred[RobotParser | None] = Deferred()
            self._parsers[netloc] = waiting
            try:
                parser = await self._read(f"{url.scheme}://{netloc}/robots.txt", netloc, request)
            except Exception as exc:  # never leave the requests waiting on this host hanging
                parser = self._refuse(netloc, "robots", f"robots.txt could not be parsed ({exc!r})")
            self._parsers[netloc] = parser
            self._stats.inc_value("robotstxt/request_count")
            waiting.callback(parser)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        refusal = self._refusals.get(urlparse_cached(request).netloc)
        if refusal is not None:
            self._stats.inc_value("robotstxt/forbidden")
            raise RefusedRequest(refusal.kind, refusal.detail)
        super().process_request_2(rp, request)

    async def _read(self, robots_url: str, netloc: str, request: Request) -> RobotParser:
        stored = self._stored(robots_url)
        if stored is not None:
            self._stats.inc_value("robotstxt/reused_from_interrupted_attempt")
            return self._parser(stored)
        url = robots_url
        for _hop in range(MAX_ROBOTS_REDIRECTS + 1):
            try:
                response = await self.crawler.engine.download_async(Request(
                    url, priority=self.DOWNLOAD_PRIORITY, callback=NO_CALLBACK, meta={"dont_obey_robotstxt": True}))
            except Exception as exc:  # whatever it is, the rules could not be read
                return self._unreadable(netloc, exc)
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            answer = robots_answer(response.status)
            location = response.headers.get(b"Location")
            if answer == "redirect" and location:
                url = urljoin(url, location.decode("latin-1"))
                continue
            if answer == "server_error":
                return self._refuse(netloc, "robots", f"robots.txt answered HTTP {response.status}: a server "
                                    "error means crawl nothing (RFC 9309 §2.3.1.4)")
            if answer == "no_rules":
                return self._parser(b"")   # no robots.txt: no rules (RFC 9309 §2.3.1.3)
            parser = self._parser(response.body)
            await self.crawler.signals.send_catch_log_async(signal=signals.robots_parsed, robotparser=parser,
                                                            request=request)
            return parser
        return self._parser(b"")  # more than five redirects: unavailable (RFC 9309 §2.3.1.2)

    def _unreadable(self, netloc: str, exc: Exception) -> RobotParser:
        if too_large(exc):
            return self._refuse(netloc, ErrorKind.ROBOTS, "robots.txt larger than the cap once decompressed: read as "
                                "disallow all")
        kind, detail = classify(Failure(exc))
        if kind not in NETWORK_KINDS:
            kind = ErrorKind.ROBOTS
        return self._refuse(netloc, kind, f"robots.txt could not be read ({detail}): nothing is crawled on this "
                            "host (RFC 9309 §2.3.1.4)")

    def _refuse(self, netloc: str, kind: ErrorKind, detail: str) -> RobotParser:
        self._refusals[netloc] = RefusedRequest(kind, detail[:500])
        return self._parser(DISALLOW_ALL)

    def _parser(self, body: bytes) -> RobotParser:
        return build_from_crawler(self._parserimpl, self.crawler, body)

    def _stored(self, robots_url: str) -> bytes | None:
        """The robots.txt the interrupted attempt of this run stored for this URL, when it answered one."""
        resume = getattr(self.crawler.spider, "resume", None)
        stored = resume.site_files.get(robots_url) if resume is not None else None
        if stored is None:
            return None
        _kind, status, body = stored
        answer = robots_answer(status) if status is not None else "server_error"
        if answer in ("redirect", "server_error"):
            return None   # asked again: an error, or a redirect whose target was not stored
        return body if answer == "rules" else b""


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
