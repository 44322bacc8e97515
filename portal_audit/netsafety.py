"""Never let a crawled site steer the auditor into the operator's own network: one rule for every stage.

A public site can link or redirect to ``http://10.0.0.1/admin`` or ``file:///etc/passwd``, open a WebSocket to
``ws://127.0.0.1:6379`` or hide loopback as ``http://0x7f000001/``; following it would make the auditor a proxy
into private address space (SSRF). Every stage asks the same question here, :func:`refusal`: the scheme must be
http(s), and every address the host resolves to must be public, unless the registry allows it
(``allow_private_networks``: true, or a list of networks such as 127.0.0.1/32 for the demo). The crawl asks it
in its downloader middleware (crawl/safety.py); the browser stages ask it in the guard proxy every browser
connection goes through (render/guardproxy.py), which then connects to the address it vetted.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from portal_audit.errorkind import ErrorKind

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Allowance = bool | tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
Resolver = Callable[[str], Sequence[IPAddress]]

ALLOWED_SCHEMES = ("http", "https")
# Host names that never reach DNS: browsers and curl answer them with loopback themselves (RFC 6761).
_LOOPBACK_NAMES = re.compile(r"^(localhost|localhost\.localdomain|.+\.localhost)\.?$", re.I)
# The legacy IPv4 spellings a browser's URL parser accepts: 0x7f000001, 2130706433, 0177.0.0.1, 127.1.
_IPV4_LIKE = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)
_CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Refusal:
    """Why a URL or host may not be fetched; ``kind`` is the fetch_errors kind a refusal is recorded as."""

    kind: ErrorKind  # blocked_scheme | blocked_private
    detail: str


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified or not ip.is_global)


def address_allowed(ip: IPAddress, allowance: Allowance) -> bool:
    if is_public(ip):
        return True
    if allowance is True:
        return True
    if allowance is False:
        return False
    return any(ip in net for net in allowance)


def scheme_allowed(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ALLOWED_SCHEMES


def literal_ip(host: str) -> IPAddress | None:
    """The address a host written as an IP means, in any spelling a browser accepts; None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _IPV4_LIKE.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            return None
    return None


def local_address(host: str) -> IPAddress | None:
    """The address a host is without asking DNS: a literal IP, or loopback for the ``localhost`` names."""
    ip = literal_ip(host)
    if ip is None and _LOOPBACK_NAMES.match(host):
        ip = ipaddress.IPv4Address("127.0.0.1")
    return ip


def literal_only(host: str) -> tuple[IPAddress, ...]:
    """A resolver that never asks DNS: for judging links before anything is scheduled."""
    ip = local_address(host)
    return (ip,) if ip is not None else ()


class _ResolverCache:
    """Resolved addresses for a few minutes: pages load dozens of assets from the same hosts. Failures are
    not kept, so one DNS hiccup does not cost a site the rest of the run."""

    def __init__(self, seconds: float = _CACHE_SECONDS, size: int = 4096):
        self.seconds, self.size = seconds, size
        self._entries: dict[str, tuple[float, tuple[IPAddress, ...]]] = {}
        self._lock = threading.Lock()

    def __call__(self, host: str) -> tuple[IPAddress, ...]:
        ip = local_address(host)
        if ip is not None:
            return (ip,)
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(host)
        if entry is not None and entry[0] > now:
            return entry[1]
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return ()
        addresses = tuple(dict.fromkeys(a for a in (literal_ip(info[4][0]) for info in infos) if a is not None))
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[host] = (now + self.seconds, addresses)
        return addresses


resolve = _ResolverCache()


def host_refusal(host: str, addresses: Sequence[IPAddress], allowance: Allowance) -> Refusal | None:
    """Refuse a host when any address it resolves to is private and not allowed (a name with one public and
    one private address could be steered to either)."""
    for ip in addresses:
        if not address_allowed(ip, allowance):
            return Refusal(ErrorKind.BLOCKED_PRIVATE, f"{host[:100]} is a private or reserved address ({ip})")
    return None


def refusal(url: str, allowance: Allowance, resolver: Resolver = resolve) -> Refusal | None:
    """Why ``url`` may not be fetched, or None. A host that does not resolve is not refused here: the fetch
    itself then fails and is recorded as a DNS error."""
    if not scheme_allowed(url):
        return Refusal(ErrorKind.BLOCKED_SCHEME, f"scheme not allowed: {url[:200]}")
    host = urlsplit(url).hostname or ""
    return host_refusal(host, resolver(host), allowance)
