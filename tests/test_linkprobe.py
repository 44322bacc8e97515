"""The link check outside Scrapy (render discovery's documents): the spider's answers, never a body read."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal_audit.crawl.linkprobe import probe
from portal_audit.errorkind import ErrorKind
from portal_audit.registry import parse_networks

BIG = 5_000_000
LOCAL = tuple(parse_networks(["127.0.0.1/32"]))


class Server:
    def __init__(self) -> None:
        self.hits: list[tuple[str, str]] = []
        self.sent: dict[str, int] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.hits.append((self.command, self.path))
                path = self.path
                if path == "/ok.pdf":
                    self._head(200, {"Content-Type": "application/pdf", "Content-Length": "1234"})
                elif path == "/moved":
                    self._head(301, {"Location": "/ok.pdf"})
                elif path in ("/loop-a", "/loop-b"):
                    self._head(302, {"Location": "/loop-b" if path == "/loop-a" else "/loop-a"})
                elif path == "/to-private":
                    self._head(302, {"Location": "http://127.0.0.2:9/secret.pdf"})
                elif path == "/slow.pdf":
                    time.sleep(2)
                    self._head(200, {"Content-Length": "1"})
                elif path == "/drip.pdf":   # a status line a byte at a time: every read is quick, the whole is not
                    try:
                        for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 400:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(0.05)
                    except OSError:
                        pass
                elif path == "/gone.pdf":
                    self._head(404, {"Content-Length": "0"})
                elif path == "/no-head.pdf" and self.command == "HEAD":
                    self._head(405, {"Content-Length": "0"})
                elif path == "/no-head.pdf":
                    self._head(200, {"Content-Type": "application/pdf", "Content-Length": str(BIG)})
                    sent = 0
                    try:
                        while sent < BIG:
                            self.wfile.write(b"x" * 65536)
                            self.wfile.flush()
                            sent += 65536
                            time.sleep(0.001)
                    except OSError:
                        pass
                    outer.sent[path] = sent

            def _head(self, status: int, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()

            do_GET = do_HEAD = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


def check(server: Server, path: str, allowance: object = LOCAL, timeout: float = 5):
    return probe(server.base + path, allowance=allowance, timeout=timeout, user_agent="t")  # type: ignore[arg-type]


def test_a_document_answers_its_status_type_and_declared_size_to_head(server: Server) -> None:
    result = check(server, "/ok.pdf")
    assert (result.method, result.status, result.content_type, result.length, result.error) == (
        "HEAD", 200, "application/pdf", 1234, None)
    assert check(server, "/gone.pdf").status == 404


def test_redirects_are_followed_hop_by_hop_and_loops_named(server: Server) -> None:
    moved = check(server, "/moved")
    assert moved.status == 200 and moved.final_url == server.base + "/ok.pdf" and moved.url == server.base + "/moved"
    assert check(server, "/loop-a").error == ErrorKind.REDIRECT_LOOP


def test_a_refused_head_is_asked_again_with_get_and_the_body_is_not_read(server: Server) -> None:
    result = check(server, "/no-head.pdf")
    assert (result.method, result.status, result.length) == ("GET", 200, BIG)
    for _ in range(100):  # the server notices the closed connection when a write fails
        if "/no-head.pdf" in server.sent:
            break
        time.sleep(0.05)
    assert server.sent["/no-head.pdf"] < BIG


def test_private_addresses_are_refused_before_any_connection_and_after_a_redirect(server: Server) -> None:
    refused = check(server, "/ok.pdf", allowance=False)
    assert refused.error == ErrorKind.BLOCKED_PRIVATE and refused.status is None
    assert server.hits == []
    hop = check(server, "/to-private")
    assert hop.error == ErrorKind.BLOCKED_PRIVATE and hop.final_url == "http://127.0.0.2:9/secret.pdf"


def test_a_server_that_does_not_answer_in_time_is_a_timeout(server: Server) -> None:
    assert check(server, "/slow.pdf", timeout=0.5).error == ErrorKind.TIMEOUT
    # 400 bytes at 50 ms each would take 20 s; the exchange's deadline (2 × 0.5 s) ends it
    assert check(server, "/drip.pdf", timeout=0.5).error == ErrorKind.TIMEOUT


def test_a_closed_port_is_a_connection_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = probe(f"http://127.0.0.1:{port}/x.pdf", allowance=LOCAL, timeout=2, user_agent="t")
    assert result.error == ErrorKind.CONNECTION and result.detail
