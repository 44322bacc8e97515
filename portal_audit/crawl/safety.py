"""Downloader middleware that keeps the crawler out of private networks and non-web schemes.

Runs on every request, redirects included (the spider re-issues redirects as new requests), before any
byte is sent: literal IPs are checked directly, host names are resolved through Scrapy's own caching
resolver. The address a response actually came from is checked again as a second line of defence.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future

from portal_audit.netsafety import address_allowed, literal_ip, scheme_allowed


class RefusedRequest(IgnoreRequest):
    """A request the crawler refused to make; ``kind`` is the fetch_errors kind to record."""

    def __init__(self, kind: str, detail: str):
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
        if not scheme_allowed(request.url):
            raise RefusedRequest("blocked_scheme", f"scheme not allowed: {request.url[:200]}")
        host = urlsplit(request.url).hostname or ""
        ip = literal_ip(host)
        if ip is None:
            if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
                ip = literal_ip("127.0.0.1")
            else:
                from twisted.internet import reactor

                try:
                    resolved = await maybe_deferred_to_future(reactor.resolve(host))
                except Exception:
                    return None
                ip = literal_ip(resolved)
        if ip is not None and not address_allowed(ip, self._allowance()):
            raise RefusedRequest("blocked_private", f"{host} is a private or reserved address ({ip})")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        ip = literal_ip(str(response.ip_address)) if response.ip_address else None
        if ip is not None and not address_allowed(ip, self._allowance()):
            raise RefusedRequest("blocked_private", f"response came from a private address ({ip})")
        return response
