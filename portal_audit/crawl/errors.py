"""Turn a failed download into one of the fetch_errors kinds a webmaster can act on.

The kinds mirror the US GSA site-scanning engine's statuses: each failure is named (dns, timeout, tls,
...) so a site that could not be read is reported as such, never as compliant or as empty. Scrapy wraps
Twisted's errors (DownloadFailedError from ResponseFailed, ...); the chain of causes and Twisted's
``reasons`` lists are both followed to find the root cause.
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as net
from twisted.python.failure import Failure

from portal_audit.crawl.safety import RefusedRequest

_TIMEOUTS = (net.TimeoutError, net.TCPTimedOutError, TimeoutError, DownloadTimeoutError)
_DNS = (net.DNSLookupError, CannotResolveHostError)
_CONNECTION = (net.ConnectionRefusedError, net.ConnectError, net.ConnectionLost, net.ConnectionDone,
               net.ConnectionClosed, ConnectionError, DownloadConnectionRefusedError, ResponseDataLossError)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes and (for Twisted's ResponseFailed) its reasons, depth first."""
    out: list[BaseException] = []
    stack = [exc]
    while stack and len(out) < 20:
        current = stack.pop()
        out.append(current)
        for reason in getattr(current, "reasons", None) or []:
            stack.append(reason.value if isinstance(reason, Failure) else reason)
        for linked in (current.__cause__, current.__context__):
            if linked is not None and linked not in out:
                stack.append(linked)
    return out


def _is_tls(exc: BaseException) -> bool:
    name = type(exc).__module__ + "." + type(exc).__name__
    return "SSL" in name or "ssl" in name or "certificate" in str(exc).lower()


def too_large(exc: BaseException) -> bool:
    """A body over DOWNLOAD_MAXSIZE: cancelled by the download handler (on its Content-Length or as it came),
    or refused by HttpCompressionMiddleware when it grew past the cap once decompressed (a compression bomb)."""
    for e in _chain(exc):
        if isinstance(e, DownloadCancelledError) and "max size" in str(e):
            return True
        if isinstance(e, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(e) and "decompression" in str(e):
            return True
    return False


def classify(failure: Failure) -> tuple[str, str]:
    """(kind, detail) for a download failure."""
    exc = failure.value
    detail = f"{type(exc).__name__}: {exc}"[:500]
    request = getattr(failure, "request", None)
    if request is not None and request.meta.get("pa_too_large"):
        return "too_large", f"body larger than the cap ({request.meta.get('pa_bytes')} bytes received)"
    if isinstance(exc, RefusedRequest):
        return exc.kind, exc.detail
    if too_large(exc):
        return "too_large", detail
    if isinstance(exc, IgnoreRequest):
        return ("robots" if "robots" in str(exc).lower() else "other"), detail
    chain = _chain(exc)
    for kinds, name in ((_DNS, "dns"), (_TIMEOUTS, "timeout")):
        if any(isinstance(e, kinds) for e in chain):
            return name, detail
    if any(_is_tls(e) for e in chain):
        return "tls", detail
    if any(isinstance(e, _CONNECTION) for e in chain) or "ResponseNeverReceived" in detail:
        return "connection", detail
    return "other", detail


# Chromium's net error names (net/base/net_error_list.h) as the fetch_errors kinds, for pages read in the browser.
_BROWSER_KINDS = (
    ("ERR_NAME_NOT_RESOLVED", "dns"), ("ERR_NAME_RESOLUTION_FAILED", "dns"),
    ("ERR_SOCKS_CONNECTION_HOST_UNREACHABLE", "dns"),
    ("ERR_TIMED_OUT", "timeout"), ("ERR_CONNECTION_TIMED_OUT", "timeout"), ("Timeout ", "timeout"),
    ("ERR_CERT_", "tls"), ("ERR_SSL_", "tls"),
    ("ERR_TOO_MANY_REDIRECTS", "redirect_limit"), ("ERR_UNSAFE_REDIRECT", "blocked_scheme"),
    ("ERR_UNSAFE_PORT", "blocked_scheme"),
    ("ERR_CONNECTION_", "connection"), ("ERR_EMPTY_RESPONSE", "connection"), ("ERR_SOCKS_", "connection"),
    ("ERR_ADDRESS_UNREACHABLE", "connection"), ("ERR_INCOMPLETE_CHUNKED_ENCODING", "connection"),
    ("ERR_CONTENT_LENGTH_MISMATCH", "connection"), ("ERR_INVALID_RESPONSE", "http"),
    ("ERR_RESPONSE_HEADERS_TOO_BIG", "http"), ("ERR_FILE_TOO_BIG", "too_large"),
)


def classify_browser_error(message: str) -> str:
    """The fetch_errors kind of a Playwright navigation error (``net::ERR_...`` or its own timeout)."""
    for marker, kind in _BROWSER_KINDS:
        if marker in message:
            return kind
    return "other"
