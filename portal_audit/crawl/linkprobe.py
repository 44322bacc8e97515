"""A link check outside Scrapy, for the documents render discovery finds after the crawl has ended.

The same question the spider's probes ask (spiders/site_spider.py ``parse_probe``): HEAD, then GET when a server
refuses HEAD, redirects followed hop by hop, and never a body read, so a 50 MB PDF costs one header block. Every
hop is judged by the crawl's network rule (netsafety.refusal) and connected to the address that rule vetted, so
a name cannot resolve to a public address for the check and a private one for the connection.
Certificates are not verified, as Scrapy does not: this asks whether the document opens, the TLS checks judge
the certificate.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from portal_audit.errorkind import ErrorKind
from portal_audit.netsafety import Allowance, refusal, resolve

MAX_REDIRECTS = 10             # Scrapy's REDIRECT_MAX_TIMES, the spider's limit
HEAD_REFUSED = (400, 403, 405, 501)  # answers to HEAD that a GET may not get (the spider's list)
DEADLINE_FACTOR = 2            # one exchange (connect, request, headers) may take at most 2 × timeout


@dataclass
class ProbeResult:
    url: str
    method: str = "HEAD"
    status: int | None = None
    final_url: str | None = None
    content_type: str | None = None
    length: int | None = None
    error: ErrorKind | None = None
    detail: str | None = None


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a vetted address, with the host name for SNI and the Host header."""

    def __init__(self, host: str, address: str, port: int, *, timeout: float) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _ask(url: str, method: str, address: str, *, timeout: float, user_agent: str) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connection: http.client.HTTPConnection = (
        _PinnedHTTPS(host, address, port, timeout=timeout) if parts.scheme == "https"
        else http.client.HTTPConnection(address, port, timeout=timeout))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # ``timeout`` bounds each socket operation; a server dripping its headers a byte at a time would pass every
    # one of them, so the whole exchange also has a deadline, after which the socket is shut down.
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        if connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(timeout * DEADLINE_FACTOR, expire)
    timer.start()
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", parts.netloc.rsplit("@", 1)[-1])
        connection.putheader("User-Agent", user_agent)
        connection.putheader("Accept", "*/*")
        connection.endheaders()
        response = connection.getresponse()   # the headers are read; the body never is
        if expired.is_set():   # cut short: what was parsed is not the server's whole answer
            raise TimeoutError
        return response
    except (OSError, http.client.HTTPException):
        if expired.is_set():
            raise TimeoutError from None
        raise
    finally:
        timer.cancel()
        connection.close()


def probe(url: str, *, allowance: Allowance, timeout: float, user_agent: str,
          method: str = "HEAD") -> ProbeResult:
    """Status, type and declared size of ``url``; a failure is a result with its ErrorKind, never an exception.
    A HEAD refused with one of HEAD_REFUSED is asked again with GET at the URL that refused it."""
    result = ProbeResult(url, method)
    current, seen = url, {url}
    for _hop in range(MAX_REDIRECTS + 1):
        result.final_url = current
        host = urlsplit(current).hostname or ""
        refused = refusal(current, allowance)
        if refused is not None:
            result.error, result.detail = refused.kind, refused.detail
            return result
        addresses = resolve(host)
        if not addresses:
            result.error, result.detail = ErrorKind.DNS, f"{host[:100]} does not resolve"
            return result
        try:
            response = _ask(current, method, str(addresses[0]), timeout=timeout, user_agent=user_agent)
        except TimeoutError:
            result.error, result.detail = ErrorKind.TIMEOUT, f"no answer within {timeout:g} s"
            return result
        except ssl.SSLError as exc:
            result.error, result.detail = ErrorKind.TLS, str(exc)[:300]
            return result
        except (OSError, http.client.HTTPException) as exc:
            result.error, result.detail = ErrorKind.CONNECTION, f"{type(exc).__name__}: {exc}"[:300]
            return result
        location = response.getheader("Location")
        if 300 <= response.status < 400 and location:
            current = urljoin(current, location.strip())
            if current in seen:
                result.error, result.detail = ErrorKind.REDIRECT_LOOP, f"redirects back to {current[:200]}"
                return result
            seen.add(current)
            continue
        if response.status in HEAD_REFUSED and method == "HEAD":
            again = probe(current, allowance=allowance, timeout=timeout, user_agent=user_agent, method="GET")
            again.url = url
            return again
        result.status = response.status
        result.content_type = response.getheader("Content-Type")
        length = (response.getheader("Content-Length") or "").strip()
        result.length = int(length) if length.isdigit() else None
        return result
    result.error, result.detail = ErrorKind.REDIRECT_LIMIT, f"more than {MAX_REDIRECTS} redirects"
    return result
