"""The kinds of fetch failure (``fetch_errors.kind``, docs/schema.md), and the groups each reader needs.

One home on the bottom floor: the crawl and the browser name failures (crawl/errors.py, render/discover.py,
the spider), the store keeps them, the audit, the export, the history and the report read them. A StrEnum,
so a kind is still the plain string the store, the export and the report's catalogue hold ("timeout").
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """Why a URL was not read; the report words each one (report/crawl_reasons.py ``KIND_LABELS``)."""

    DNS = "dns"                          # the host name does not resolve
    TIMEOUT = "timeout"                  # no complete answer in time
    CONNECTION = "connection"            # refused, reset or closed before an answer
    TLS = "tls"                          # TLS handshake or certificate failure
    HTTP = "http"                        # an answer with status >= 400, or a 3xx without Location
    TOO_LARGE = "too_large"              # body over max_page_bytes, cut
    ROBOTS = "robots"                    # refused by the site's robots.txt (or its failure, RFC 9309)
    REDIRECT_LOOP = "redirect_loop"      # a redirect chain came back to a URL it had visited
    REDIRECT_LIMIT = "redirect_limit"    # more than 10 redirects
    BLOCKED_PRIVATE = "blocked_private"  # leads to a private, loopback, link-local or reserved address
    BLOCKED_SCHEME = "blocked_scheme"    # a link or redirect to a non-web scheme
    TRAP = "trap"                        # skipped by the trap guard
    OTHER = "other"                      # a failure no other kind names (the detail says what)


# The crawler got no answer at all: nothing can be said about the page (as opposed to a bad or refused answer).
NETWORK_KINDS: tuple[ErrorKind, ...] = (ErrorKind.TIMEOUT, ErrorKind.CONNECTION, ErrorKind.DNS, ErrorKind.TLS)

# Part of the site could not be read (the crawl's status is partial), as opposed to a broken link on a healthy site.
INCOMPLETE_KINDS: tuple[ErrorKind, ...] = (*NETWORK_KINDS, ErrorKind.TOO_LARGE, ErrorKind.OTHER)

# Links a visitor finds broken: the page could not be opened, whatever the cause, an unnamed one included.
# The audit's broken-link item and the export's ``broken_links`` list both read this one set, so the report
# never lists a broken link under an item that passed. Not broken: the crawler's own refusals (robots.txt,
# traps) and addresses it would not visit (REFUSED_KINDS).
BROKEN_KINDS: tuple[ErrorKind, ...] = (
    ErrorKind.HTTP, ErrorKind.DNS, ErrorKind.TIMEOUT, ErrorKind.CONNECTION, ErrorKind.TLS, ErrorKind.TOO_LARGE,
    ErrorKind.REDIRECT_LOOP, ErrorKind.REDIRECT_LIMIT, ErrorKind.OTHER,
)

# Addresses the crawler refused to visit (private networks, non-web schemes): never a broken link.
REFUSED_KINDS: tuple[ErrorKind, ...] = (ErrorKind.BLOCKED_PRIVATE, ErrorKind.BLOCKED_SCHEME)
