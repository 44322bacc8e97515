"""Never let a crawled site steer the crawler into the operator's own network.

A public site can link or redirect to ``http://10.0.0.1/admin`` or ``file:///etc/passwd``; following it
would make the auditor a proxy into private address space (SSRF). Every request's host is resolved and
refused when it is loopback, private, link-local, multicast or reserved, unless the registry allows it
(``allow_private_networks``: true, or a list of networks such as 127.0.0.1/32 for the demo).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Allowance = bool | tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

ALLOWED_SCHEMES = ("http", "https")


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
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
