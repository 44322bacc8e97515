"""Private-address refusal: the allow-list is the only way in."""

from __future__ import annotations

import ipaddress

import pytest

from portal_audit.netsafety import address_allowed, is_public, literal_ip, scheme_allowed


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                "::1", "fe80::1", "fc00::1", "0.0.0.0", "224.0.0.1", "::ffff:10.0.0.1",
                                "100.64.0.1"])
def test_private_and_reserved_are_refused_by_default(ip: str) -> None:
    addr = ipaddress.ip_address(ip)
    assert not is_public(addr)
    assert not address_allowed(addr, False)
    assert address_allowed(addr, True)


def test_allow_list_is_exact() -> None:
    nets = (ipaddress.ip_network("127.0.0.1/32"),)
    assert address_allowed(ipaddress.ip_address("127.0.0.1"), nets)
    assert not address_allowed(ipaddress.ip_address("127.0.0.2"), nets)
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"), nets)
    assert address_allowed(ipaddress.ip_address("8.8.8.8"), nets)


def test_schemes_and_literals() -> None:
    assert scheme_allowed("https://a.vn/") and not scheme_allowed("file:///etc/passwd")
    assert not scheme_allowed("ftp://a.vn/") and not scheme_allowed("gopher://x")
    assert literal_ip("[::1]") == ipaddress.ip_address("::1") and literal_ip("a.gov.vn") is None
