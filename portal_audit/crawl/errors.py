"""Turn a failed download into one of the fetch_errors kinds (portal_audit/errorkind.py) a webmaster can act on.

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
from portal_audit.errorkind import ErrorKind

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
    """(kind, detail) for a download failure; the kind is an ErrorKind, or a refusal's own kind."""
    exc = failure.value
    detail = f"{type(exc).__name__}: {exc}"[:500]
    request = getattr(failure, "request", None)
    if request is not None and request.meta.get("pa_too_large"):
        return ErrorKind.TOO_LARGE, f"body larger than the cap ({request.meta.get('pa_bytes')} bytes received)"
    if isinstance(exc, RefusedRequest):
        return exc.kind, exc.detail
    if too_large(exc):
        return ErrorKind.TOO_LARGE, detail
    if isinstance(exc, IgnoreRequest):
        return (ErrorKind.ROBOTS if "robots" in str(exc).lower() else ErrorKind.OTHER), detail
    chain = _chain(exc)
    for kinds, name in ((_DNS, ErrorKind.DNS), (_TIMEOUTS, ErrorKind.TIMEOUT)):
        if any(isinstance(e, kinds) for e in chain):
            return name, detail
    if any(_is_tls(e) for e in chain):
        return ErrorKind.TLS, detail
    if any(isinstance(e, _CONNECTION) for e in chain) or "ResponseNeverReceived" in detail:
        return ErrorKind.CONNECTION, detail
    return ErrorKind.OTHER, detail


# Chromium's net error names (net/base/net_error_list.h) as the fetch_errors kinds, for pages read in the browser.
_BROWSER_KINDS: tuple[tuple[str, ErrorKind], ...] = (
    ("ERR_NAME_NOT_RESOLVED", ErrorKind.DNS), ("ERR_NAME_RESOLUTION_FAILED", ErrorKind.DNS),
    ("ERR_SOCKS_CONNECTION_HOST_UNREACHABLE", ErrorKind.DNS),
    ("ERR_TIMED_OUT", ErrorKind.TIMEOUT), ("ERR_CONNECTION_TIMED_OUT", ErrorKind.TIMEOUT),
    ("Timeout ", ErrorKind.TIMEOUT),
    ("ERR_CERT_", ErrorKind.TLS), ("ERR_SSL_", ErrorKind.TLS),
    ("ERR_TOO_MANY_REDIRECTS", ErrorKind.REDIRECT_LIMIT), ("ERR_UNSAFE_REDIRECT", ErrorKind.BLOCKED_SCHEME),
    ("ERR_UNSAFE_PORT", ErrorKind.BLOCKED_SCHEME),
    ("ERR_CONNECTION_", ErrorKind.CONNECTION), ("ERR_EMPTY_RESPONSE", ErrorKind.CONNECTION),
    ("ERR_SOCKS_", ErrorKind.CONNECTION),
    ("ERR_ADDRESS_UNREACHABLE", ErrorKind.CONNECTION), ("ERR_INCOMPLETE_CHUNKED_ENCODING", ErrorKind.CONNECTION),
    ("ERR_CONTENT_LENGTH_MISMATCH", ErrorKind.CONNECTION), ("ERR_INVALID_RESPONSE", ErrorKind.HTTP),
    ("ERR_RESPONSE_HEADERS_TOO_BIG", ErrorKind.HTTP), ("ERR_FILE_TOO_BIG", ErrorKind.TOO_LARGE),
)


def classify_browser_error(message: str) -> ErrorKind:
    """The fetch_errors kind of a Playwright navigation error (``net::ERR_...`` or its own timeout)."""
    for marker, kind in _BROWSER_KINDS:
        if marker in message:
            return kind
    return ErrorKind.OTHER
