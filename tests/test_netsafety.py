"""Private-address refusal: the allow-list is the only way in."""

from __future__ import annotations

import ipaddress

import pytest

from portal_audit.netsafety import (
    Refusal,
    _ResolverCache,
    address_allowed,
    host_refusal,
    is_public,
    literal_ip,
    literal_only,
    refusal,
    scheme_allowed,
)


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


@pytest.mark.parametrize(("host", "ip"), [("0x7f000001", "127.0.0.1"), ("2130706433", "127.0.0.1"),
                                          ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
                                          ("0x7f.0.0.2", "127.0.0.2"), ("[::1]", "::1"),
                                          ("169.254.169.254", "169.254.169.254")])
def test_every_spelling_of_an_address_a_browser_accepts_is_that_address(host: str, ip: str) -> None:
    assert literal_ip(host) == ipaddress.ip_address(ip)
    assert refusal(f"http://{host}/", False, literal_only) is not None


@pytest.mark.parametrize("host", ["cafe", "face.gov.vn", "1.2.3.4.5", "so-y-te.gov.vn", "2024.gov.vn"])
def test_names_that_only_look_numeric_are_names(host: str) -> None:
    assert literal_ip(host) is None


def test_localhost_names_are_loopback_without_dns() -> None:
    for host in ("localhost", "LOCALHOST.", "app.localhost"):
        assert literal_only(host) == (ipaddress.ip_address("127.0.0.1"),)
    assert literal_only("so-y-te.gov.vn") == ()


def test_a_host_is_refused_when_any_of_its_addresses_is_private() -> None:
    public, private = ipaddress.ip_address("203.113.1.1"), ipaddress.ip_address("10.0.0.5")
    assert host_refusal("a.gov.vn", [public], False) is None
    refused = host_refusal("a.gov.vn", [public, private], False)
    assert refused is not None and refused.kind == "blocked_private" and "10.0.0.5" in refused.detail
    assert refusal("file:///etc/passwd", True, literal_only) == Refusal(
        "blocked_scheme", "scheme not allowed: file:///etc/passwd")
    assert refusal("http://khong-phan-giai.invalid/", False, lambda host: ()) is None  # left to the fetch: dns


def test_the_resolver_keeps_answers_but_not_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    calls: list[str] = []
    answers = {"ok.gov.vn": [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.113.1.1", 0))]}

    def fake(host: str, *args: object, **kwargs: object) -> list[tuple]:
        calls.append(host)
        if host not in answers:
            raise socket.gaierror("no such host")
        return answers[host]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    resolver = _ResolverCache()
    assert resolver("ok.gov.vn") == resolver("ok.gov.vn") == (ipaddress.ip_address("203.113.1.1"),)
    assert resolver("down.gov.vn") == () and resolver("down.gov.vn") == ()
    assert calls == ["ok.gov.vn", "down.gov.vn", "down.gov.vn"]
