"""Downloader middleware that keeps the crawler out of private networks and non-web schemes.

Runs on every request, redirects included (the spider re-issues redirects as new requests), before any
byte is sent, with the rule every stage shares (netsafety.refusal: scheme, then every address the host
resolves to, in a reactor thread so the crawl never waits on DNS). The address a response actually came
from is checked again as a second line of defence.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from portal_audit.errorkind import ErrorKind
from portal_audit.netsafety import address_allowed, literal_ip, refusal


class RefusedRequest(IgnoreRequest):
    """A request the crawler refused to make; ``kind`` is the fetch_errors kind to record."""

    def __init__(self, kind: ErrorKind, detail: str):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class PrivateNetworkGuard:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateNetworkGuard:
        return cls(crawler)

    def _allowance(self) -> Any:
        return getattr(self.crawler.spider, "allow_private_networks", False)

    async def process_request(self, request: Request) -> None:
        refused = await maybe_deferred_to_future(deferToThread(refusal, request.url, self._allowance()))
        if refused is not None:
            raise RefusedRequest(refused.kind, refused.detail)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        ip = literal_ip(str(response.ip_address)) if response.ip_address else None
        if ip is not None and not address_allowed(ip, self._allowance()):
            raise RefusedRequest(ErrorKind.BLOCKED_PRIVATE, f"response came from a private address ({ip})")
        return response
