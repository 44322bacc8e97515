"""A site that cannot be read is recorded as unreachable with the error's kind; other sites are unaffected."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from conftest import ScriptedServer

from portal_audit.crawl.errors import classify_browser_error


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_dns_tls_and_refused_sites_are_unreachable_with_their_kind(
        tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    scripted_server.page("/", "<html><title>Trang chủ</title><a href='/a'>a</a></html>")
    scripted_server.page("/a", "<html><title>A</title></html>")
    https_to_http = scripted_server.base.replace("http://", "https://")
    config = tmp_path / "sites.yaml"
    config.write_text(f"""province: T
defaults: {{allow_private_networks: ["127.0.0.1/32"], delay: 0, timeout: 3, retries: 0}}
sites:
  - {{id: tot, name: "Trang tốt", unit_type: other, url: "{scripted_server.base}/"}}
  - {{id: tls, name: "TLS hỏng", unit_type: other, url: "{https_to_http}/"}}
  - {{id: dns, name: "Tên miền không tồn tại", unit_type: other, url: "http://khong-ton-tai.invalid/"}}
  - {{id: tat, name: "Máy chủ tắt", unit_type: ubnd_huyen, url: "http://127.0.0.1:{closed_port()}/"}}
""", encoding="utf-8")
    db = tmp_path / "audit.db"
    result = cli("crawl", "--config", str(config), "--db", str(db), "-q")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2025-07-01" in result.stderr  # district committees ended: a warning, not an error
    con = sqlite3.connect(db)
    status = {row[0]: row[1:] for row in con.execute("SELECT id, status, pages_ok, error_kinds FROM sites")}
    assert status["tot"][:2] == ("ok", 2)
    assert status["tls"][0] == "unreachable" and '"tls"' in status["tls"][2]
    assert status["dns"][0] == "unreachable" and '"dns"' in status["dns"][2]
    assert status["tat"][0] == "unreachable" and '"connection"' in status["tat"][2]
    assert con.execute("SELECT status FROM runs").fetchone() == ("finished",)


@pytest.mark.parametrize(("message", "kind"), [
    ("Page.goto: net::ERR_NAME_NOT_RESOLVED at http://khong-co.invalid/", "dns"),
    ("Page.goto: Timeout 5000ms exceeded.", "timeout"),
    ("Page.goto: net::ERR_CERT_DATE_INVALID at https://a.gov.vn/", "tls"),
    ("Page.goto: net::ERR_UNSAFE_REDIRECT at http://a.gov.vn/x", "blocked_scheme"),
    ("Page.goto: net::ERR_TOO_MANY_REDIRECTS at http://a.gov.vn/", "redirect_limit"),
    ("Page.goto: net::ERR_CONNECTION_REFUSED at http://a.gov.vn/", "connection"),
    ("Page.goto: net::ERR_SOCKS_CONNECTION_FAILED at http://a.gov.vn/", "connection"),
    ("Response.body: Protocol error (Network.getResponseBody)", "other"),
])
def test_browser_errors_get_the_crawl_kinds(message: str, kind: str) -> None:
    assert classify_browser_error(message) == kind
