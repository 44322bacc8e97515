"""Network facts at crawl time: the http:// probe, and the private-address rule for every fact."""

from __future__ import annotations

import ipaddress

from conftest import ScriptedServer

from portal_audit.technical.gather import gather, http_redirect

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)


def test_http_probe_sees_a_redirect_to_https_without_following_it(scripted_server: ScriptedServer) -> None:
    host, port = scripted_server.base.split("//")[1].split(":")
    scripted_server.page("/", "", status=301, Location="https://cong.example.vn/")
    fact = http_redirect(host, int(port), timeout=2, allowance=LOOPBACK, user_agent="t")
    assert fact["status"] == 301 and fact["to_https"] and fact["location"] == "https://cong.example.vn/"
    assert scripted_server.hits == ["/"]


def test_plain_http_site_has_no_redirect_and_no_tls(scripted_server: ScriptedServer) -> None:
    scripted_server.page("/", "<html><title>x</title></html>")
    facts = gather(scripted_server.base + "/", allowance=LOOPBACK, timeout=2, user_agent="t", https_port=1)
    assert facts["http_redirect"]["status"] == 200 and not facts["http_redirect"]["to_https"]
    assert facts["tls"]["ok"] is False and facts["tls"]["error"].startswith("connection")
    assert facts["dns"]["ipv6"] == "not_checked" and facts["dns"]["dnssec"] == "not_checked"


def test_private_addresses_are_not_contacted_unless_allowed(scripted_server: ScriptedServer) -> None:
    facts = gather(scripted_server.base + "/", allowance=False, timeout=2, user_agent="t")
    assert facts["http_redirect"]["error"].startswith("blocked_private")
    assert facts["tls"]["error"].startswith("blocked_private")
    assert scripted_server.hits == []
