"""The guard proxy speaks enough SOCKS5 for Chromium, refuses what netsafety refuses, and relays the rest."""

from __future__ import annotations

import ipaddress
import socket
import struct

import pytest
from canary import Canary
from conftest import ScriptedServer

from portal_audit.render.guardproxy import guard_proxy

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.1/32"),)


def _connect(port: int, host: str, target_port: int) -> tuple[socket.socket, int]:
    """A SOCKS5 CONNECT by host name, as Chromium sends it; returns the socket and the reply code."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"\x05\x01\x00")
    assert sock.recv(2) == b"\x05\x00"
    name = host.encode()
    sock.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack("!H", target_port))
    reply = sock.recv(10)
    return sock, reply[1]


def test_an_allowed_host_is_relayed(scripted_server: ScriptedServer) -> None:
    scripted_server.page("/", "<p>xin chào</p>")
    with guard_proxy() as proxy:
        port = int(proxy.server(LOOPBACK_ONLY).rsplit(":", 1)[1])
        sock, code = _connect(port, "127.0.0.1", int(scripted_server.base.rsplit(":", 1)[1]))
        assert code == 0
        sock.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        sock.close()
        assert b"200" in answer.split(b"\r\n", 1)[0] and "xin chào".encode() in answer
        assert proxy.stats(LOOPBACK_ONLY).connections == 1


@pytest.mark.parametrize("spelling", ["127.0.0.2", "0x7f000002", "2130706434", "localhost.", "169.254.169.254"])
def test_a_private_host_is_refused_before_any_connection(spelling: str) -> None:
    canary = Canary("127.0.0.2")
    try:
        with guard_proxy() as proxy:
            port = int(proxy.server((ipaddress.ip_network("127.0.0.2/32"),) if spelling.startswith("localhost")
                                    else LOOPBACK_ONLY).rsplit(":", 1)[1])
            sock, code = _connect(port, spelling, canary.port)
            sock.close()
            assert code == 2  # "connection not allowed by ruleset"
        assert canary.hits == 0
    finally:
        canary.close()


def test_what_is_not_socks5_gets_no_connection() -> None:
    with guard_proxy() as proxy:
        port = int(proxy.server(False).rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"CONNECT 127.0.0.1:80 HTTP/1.1\r\n\r\n")
            assert sock.recv(16) in (b"", b"\x05\xff")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"\x05\x01\x00")
            assert sock.recv(2) == b"\x05\x00"
            sock.sendall(b"\x05\x03\x00\x01\x7f\x00\x00\x01\x00\x35")  # UDP ASSOCIATE: refused
            assert sock.recv(10)[1] == 7
