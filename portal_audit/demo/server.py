"""Serve the demo province "tỉnh Trường Giang" on 127.0.0.1, one port per host, for tests and ``portal-audit demo``.

Each host is a static tree under ``hosts/<key>/`` plus a route table ``_routes.yaml``. The planted faults
(slow pages, 5xx, redirect loops, oversized bodies, endless calendars and pagers, wrong charsets, login walls)
are declared in that table and implemented once, generically, here, so the answer keys in ``answers/`` can
point at data rather than at code. The HTTP side is the standard library's ``http.server`` only, so the crawler
(Twisted) is never tested against its own stack; PyYAML, a project dependency, reads the route tables.

Two hosts speak HTTPS (``HTTPS_HOSTS``): a test certificate authority made with ``trustme`` at start-up, in
memory, signs a valid certificate for 127.0.0.1 (``sotaichinh``) and an expired one (``xa``). The registry
written by ``write_registry`` trusts that CA through ``tls_ca_file`` (its PEM is written next to it), so the
technical checks judge the certificates as they would a real site's; nothing of it is ever committed.

Pages may be *fragments* (first line ``<title>…</title>``, then the body) that the server wraps in the host's
layout, as a CMS would; files starting with ``<!DOCTYPE`` or ``<html`` are served as they are. Links to other
hosts are written ``{{host:KEY}}/path`` and replaced at serve time, on bytes, so legacy-encoded pages stay
byte-exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import yaml

HOSTS: tuple[str, ...] = ("portal", "soyte", "sotaichinh", "xa", "dvc", "thongke")
CLOSED_HOST = "huyencu"  # the old district site: a reserved port that refuses connections
# Hosts served over HTTPS, and the certificate each gets from the demo CA; the others speak plain HTTP.
HTTPS_HOSTS: dict[str, str] = {"sotaichinh": "valid", "xa": "expired"}
CA_FILE_NAME = "demo-ca.pem"
TLS_TIMEOUT = 30.0  # seconds a TLS connection may stay idle (handshake included) before the server drops it
DEMO_DIR = Path(__file__).resolve().parent
HOSTS_DIR = DEMO_DIR / "hosts"
REGISTRY_TEMPLATE = DEMO_DIR / "province.sites.yaml"
PLACEHOLDER = re.compile(rb"\{\{host:([a-z0-9_-]+)\}\}")
_TEXT_PLACEHOLDER = re.compile(r"\{\{host:([a-z0-9_-]+)\}\}")
_PATH_PARAMS = re.compile(r";[^/]*")
_FULL_DOCUMENT = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*<(?:!doctype|html)", re.I)
_FRAGMENT_TITLE = re.compile(rb"^\s*<title>(.*?)</title>[ \t]*\r?\n?", re.S)

CONTENT_TYPES = {
    ".html": "text/html", ".css": "text/css", ".js": "application/javascript", ".svg": "image/svg+xml",
    ".png": "image/png", ".ico": "image/x-icon", ".txt": "text/plain", ".xml": "application/xml",
    ".pdf": "application/pdf", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TEXT_TYPES = ("text/", "application/javascript", "application/xml", "image/svg+xml")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass
class Reply:
    """What one request gets; ``stream`` is used instead of ``body`` for bodies too big to build in memory."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Iterator[bytes] | None = None
    delay: float = 0.0


@dataclass
class Route:
    """One entry of a host's ``_routes.yaml``; see ``hosts/README.md`` for the meaning of each key."""

    path: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None
    file: str | None = None
    status: int | None = None
    redirect: str | None = None
    login: str | None = None
    slow: float = 0.0
    huge: dict[str, Any] | None = None
    calendar: dict[str, Any] | None = None
    paginate: dict[str, Any] | None = None
    charset: str | None = None  # None: the host default; "none": no charset parameter at all
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    layout: bool = True

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Route:
        route = cls(**{k: v for k, v in raw.items() if k not in ("path", "pattern")})
        if "pattern" in raw:
            route.pattern = re.compile(raw["pattern"])
        if "path" in raw:
            parts = urlsplit(raw["path"])
            route.path = parts.path
            route.query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return route

    def match(self, path: str, params: dict[str, str]) -> bool:
        """Exact routes only: same path and every query key of the route present with its value."""
        return path == self.path and all(params.get(k) == v for k, v in self.query.items())


class HostSite:
    """One demo host: its files, route table and layouts; turns a request target into a ``Reply``."""

    def __init__(self, key: str, bases: dict[str, str], root: Path | None = None):
        self.key = key
        self.root = root or HOSTS_DIR / key
        self.bases = bases
        config = yaml.safe_load((self.root / "_routes.yaml").read_text("utf-8")) or {}
        self.headers: dict[str, str] = config.get("headers") or {}
        self.charset: str = config.get("charset", "utf-8")
        layouts: dict[str, str] = config.get("layouts") or {}
        self.layouts = sorted(layouts.items(), key=lambda kv: -len(kv[0]))
        self.routes = [Route.parse(r) for r in config.get("routes") or []]
        self.not_found: str = config.get("not_found", "_404.html")

    # --- lookup ---------------------------------------------------------------------------------------

    def find_route(self, path: str, params: dict[str, str]) -> tuple[Route | None, re.Match[str] | None]:
        """The most specific route: exact paths (most matching query keys first), then patterns in order."""
        exact = [r for r in self.routes if r.pattern is None and r.match(path, params)]
        if exact:
            return max(exact, key=lambda r: len(r.query)), None
        for route in self.routes:
            if route.pattern is not None and (found := route.pattern.fullmatch(path)):
                return route, found
        return None, None

    def static_file(self, path: str) -> Path | None:
        """``/a/b`` maps to ``a/b``, ``a/b.html`` or ``a/b/index.html``; names starting with ``_`` are private."""
        rel = unquote(path).lstrip("/")
        if any(part.startswith(("_", ".")) or part == ".." for part in rel.split("/") if part):
            return None
        candidates = [rel + "index.html"] if rel.endswith("/") or not rel else [rel, rel + ".html", rel + "/index.html"]
        for candidate in candidates:
            file = self.root / candidate
            if file.is_file():
                return file
        return None

    def layout_for(self, path: str) -> Path | None:
        for prefix, name in self.layouts:
            if path.startswith(prefix):
                return self.root / name
        return None

    # --- rendering ------------------------------------------------------------------------------------

    def substitute(self, data: bytes) -> bytes:
        def repl(match: re.Match[bytes]) -> bytes:
            key = match.group(1).decode("ascii")
            if key not in self.bases:
                raise KeyError(f"unknown host placeholder {{{{host:{key}}}}} in {self.key}")
            return self.bases[key].encode("ascii")

        return PLACEHOLDER.sub(repl, data)

    def wrap(self, data: bytes, path: str, use_layout: bool = True) -> bytes:
        """Put a fragment into the layout of its path; full documents pass through untouched."""
        if _FULL_DOCUMENT.match(data) or not use_layout:
            return data
        layout = self.layout_for(path)
        if layout is None:
            return data
        match = _FRAGMENT_TITLE.match(data)
        title, content = (match.group(1), data[match.end():]) if match else (b"", data)
        page = layout.read_bytes()
        return page.replace(b"{{title}}", title).replace(b"{{path}}", path.encode("utf-8")).replace(
            b"{{content}}", content)

    def content_type(self, suffix: str, route: Route | None) -> str:
        if route is not None and route.content_type:
            ctype = route.content_type
        else:
            ctype = CONTENT_TYPES.get(suffix, "application/octet-stream")
        charset = route.charset if route is not None and route.charset else self.charset
        if ctype.startswith(("text/", "application/xml")) and charset != "none" and "charset" not in ctype:
            ctype += f"; charset={charset}"
        return ctype

    def page(self, status: int, data: bytes, path: str, route: Route | None, suffix: str = ".html") -> Reply:
        ctype = self.content_type(suffix, route)
        if ctype.startswith(TEXT_TYPES):
            if suffix == ".html":
                data = self.wrap(data, path, route.layout if route else True)
            data = self.substitute(data)
        return Reply(status, [("Content-Type", ctype)], data)

    def error_page(self, status: int, path: str) -> Reply:
        file = self.root / self.not_found
        data = file.read_bytes() if file.is_file() else b"<title>404</title>\n<h1>404 Not Found</h1>\n"
        return self.page(status, data, path, None)

    # --- requests -------------------------------------------------------------------------------------

    def respond(self, target: str) -> Reply:
        parts = urlsplit(target)
        path = _PATH_PARAMS.sub("", parts.path) or "/"  # ;jsessionid=... is ignored, as servlet containers do
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        route, match = self.find_route(path, params)
        reply = self._respond(route, match, path, params, target)
        extra = {**self.headers, **(route.headers if route else {})}
        reply.headers = [*[(k, str(v)) for k, v in extra.items()], *reply.headers]
        return reply

    def _respond(self, route: Route | None, match: re.Match[str] | None, path: str, params: dict[str, str],
                 target: str) -> Reply:
        if route is None:
            file = self.static_file(path)
            if file is None:
                return self.error_page(404, path)
            reply = self.page(200, file.read_bytes(), path, None, file.suffix.lower())
            # Static files carry a validator, as a real web server's do: a weekly re-crawl gets 304s.
            reply.headers.append(("ETag", f'"{hashlib.sha1(reply.body).hexdigest()[:16]}"'))
            return reply
        if route.redirect is not None:
            location = self.substitute(route.redirect.encode("utf-8")).decode("utf-8")
            return Reply(route.status or 302, [("Location", location), ("Content-Type", "text/html")],
                         b"<html><body>Object moved</body></html>")
        if route.login is not None:
            back = quote(target, safe="")
            return Reply(302, [("Location", f"{route.login}?ReturnUrl={back}"), ("Content-Type", "text/html")],
                         b"<html><body>Object moved</body></html>")
        if route.huge is not None:
            return self._huge(route)
        if route.calendar is not None:
            reply = self.page(200, self._calendar(route.calendar, path, params), path, route)
        elif route.paginate is not None:
            reply = self.page(200, self._paginate(route.paginate, path, params), path, route)
        elif route.file is not None:
            name = match.expand(route.file) if match is not None else route.file
            file = self.root / name
            if not file.is_file():
                return self.error_page(404, path)
            reply = self.page(route.status or 200, file.read_bytes(), path, route, file.suffix.lower())
        else:
            reply = self.error_page(route.status or 404, path)
        reply.delay = float(route.slow or 0)
        return reply

    def _huge(self, route: Route) -> Reply:
        """An oversized page generated on the fly, never stored: ``bytes`` long, with or without a length."""
        spec = route.huge or {}
        size = int(spec.get("bytes", 8_000_000))
        head = ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>'
                f'{spec.get("title", "Trang quá lớn")}</title></head><body>\n').encode()
        tail = b"\n</body></html>\n"
        unit = ("<p>Bảng tổng hợp số liệu kinh tế - xã hội xuất ra từ phần mềm, chưa được phân trang.</p>\n"
                .encode())

        def chunks() -> Iterator[bytes]:
            yield head
            remaining = size - len(head) - len(tail)
            block = unit * (65_536 // len(unit))
            while remaining > 0:
                piece = block[:remaining]
                remaining -= len(piece)
                yield piece
            yield tail

        headers = [("Content-Type", f"text/html; charset={self.charset}")]
        if spec.get("content_length", True):
            headers.append(("Content-Length", str(size)))
        return Reply(200, headers, stream=chunks())

    def _calendar(self, spec: dict[str, Any], path: str, params: dict[str, str]) -> bytes:
        """A week of the leaders' schedule; every page links to the weeks before and after, for ever."""
        param = spec.get("param", "ngay")
        try:
            day = dt.date.fromisoformat(params.get(param, ""))
        except ValueError:
            day = dt.date.today()
        monday = day - dt.timedelta(days=day.weekday())
        events: list[str] = spec.get("events") or ["Làm việc tại trụ sở."]
        rows = []
        for offset in range(5):
            current = monday + dt.timedelta(days=offset)
            seed = current.toordinal()
            items = "".join(f"<li>{events[(seed * 2 + i) % len(events)]}</li>" for i in range(2))
            rows.append(f'<tr><th scope="row">{WEEKDAYS[offset]}<br>{current:%d/%m/%Y}</th>'
                        f'<td><ul>{items}</ul></td></tr>')
        prev_week, next_week = monday - dt.timedelta(days=7), monday + dt.timedelta(days=7)
        far = " | ".join(f'<a href="{path}?{param}={d}">Tuần {dt.date.fromisoformat(d):%d/%m/%Y}</a>'
                         for d in spec.get("far", []))
        html = f"""<title>{spec.get("title", "Lịch công tác")}</title>
<div class="lich-cong-tac">
<h1>{spec.get("title", "Lịch công tác")}</h1>
<p class="tuan">Tuần từ ngày {monday:%d/%m/%Y} đến ngày {monday + dt.timedelta(days=6):%d/%m/%Y}</p>
<nav class="chon-tuan" aria-label="Chọn tuần">
<a href="{path}?{param}={prev_week}">« Tuần trước</a> |
<a href="{path}">Tuần hiện tại</a> |
<a href="{path}?{param}={next_week}">Tuần sau »</a>
</nav>
<table class="table-lich">
<caption>Lịch công tác tuần từ {monday:%d/%m/%Y}</caption>
<thead><tr><th scope="col">Ngày</th><th scope="col">Nội dung công việc</th></tr></thead>
<tbody>{"".join(rows)}</tbody>
</table>
<p class="xem-lich-khac">Xem lịch các tuần khác: {far}</p>
<p class="ghi-chu">{spec.get("note", "")}</p>
</div>
"""
        return html.encode("utf-8")

    def _paginate(self, spec: dict[str, Any], path: str, params: dict[str, str]) -> bytes:
        """A news list whose pager always offers one more page: page N links to page N+1, for ever."""
        param = spec.get("param", "page")
        raw = params.get(param, "0")
        number = int(raw) if raw.isdigit() else 0
        first = (self.root / spec["file"]).read_bytes()
        if number == 0:
            body = first
        else:
            match = _FRAGMENT_TITLE.match(first)
            title = match.group(0) if match else b""
            template: str = spec.get("item", "Thông báo số {n}")
            items = "".join(f"<li>{template.format(n=max(1, 500 - number * 10 - i))}</li>" for i in range(10))
            heading = f'<h1>{spec.get("title", "")} - Trang {number + 1}</h1>\n<ul class="item-list">{items}</ul>\n'
            body = title + heading.encode("utf-8")
        previous = f'<a href="{path}?{param}={number - 1}">‹ Trang trước</a> ' if number > 1 else (
            f'<a href="{path}">‹ Trang trước</a> ' if number == 1 else "")
        pager = (f'<div class="item-list"><ul class="pager"><li>{previous}</li>'
                 f'<li class="pager-current">{number + 1}</li>'
                 f'<li><a href="{path}?{param}={number + 1}" title="Đến trang sau">Trang sau ›</a></li></ul></div>\n')
        return body + pager.encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, port: int):
        super().__init__(("127.0.0.1", port), _Handler, bind_and_activate=True)
        self.site: HostSite | None = None
        self.stopping = threading.Event()
        self.tls: ssl.SSLContext | None = None  # set: every connection is TLS (handshake in its own thread)
        self.hits: list[tuple[str, str]] = []  # (method, request target) of every request, for tests

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(TLS_TIMEOUT)
        try:
            conn = self.tls.wrap_socket(request, server_side=True)
        except OSError:  # a client that gives up on the certificate (a verifying one, on the expired host)
            return
        try:
            super().finish_request(conn, client_address)
        finally:
            try:
                conn.setblocking(False)
                conn.unwrap()  # send close_notify: close-delimited bodies end cleanly; never wait for the peer's
            except (OSError, ValueError):
                pass
            conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (the crawler cancelling an oversized body) are normal here, not errors."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # every answer closes its connection, so close-delimited bodies are possible
    server: _Server

    def version_string(self) -> str:
        site = self.server.site
        return site.headers.get("Server", "Apache") if site else "Apache"

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests and the demo command own the terminal."""

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _serve(self, head: bool) -> None:
        site = self.server.site
        if site is None:
            self.send_error(503)
            return
        self.server.hits.append((self.command, self.path))
        reply = site.respond(self.path)
        if reply.delay and self.server.stopping.wait(reply.delay):
            return  # shutting down: hang up without an answer
        etag = next((v for k, v in reply.headers if k.lower() == "etag"), None)
        if reply.status == 200 and etag and etag in (self.headers.get("If-None-Match") or "").split(", "):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(reply.status)
        names = set()
        for name, value in reply.headers:
            if name.lower() == "server":
                continue
            names.add(name.lower())
            self.send_header(name, value)
        if reply.stream is None and "content-length" not in names:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if head:
            return
        try:
            if reply.stream is None:
                self.wfile.write(reply.body)
                return
            for chunk in reply.stream:
                if self.server.stopping.is_set():
                    return
                self.wfile.write(chunk)
        except OSError:
            return


class DemoProvince:
    """The five demo hosts on 127.0.0.1 plus one reserved, closed port (the dead district site).

    ``base_port=0`` picks free ports; ``base_port=N`` gives host i the port N+i and the closed site N+5.
    The hosts of ``HTTPS_HOSTS`` speak TLS with certificates of a test CA made at ``start()``; ``ca_pem`` is
    that CA's certificate (PEM bytes), which ``write_registry`` writes next to the registry.
    """

    def __init__(self, base_port: int = 0, hosts_dir: Path | None = None):
        self.base_port = base_port
        self.hosts_dir = hosts_dir or HOSTS_DIR  # a copy lets a test change a page between two runs
        self.ca_pem: bytes = b""
        self.urls: dict[str, str] = {}
        self.closed_url: str = ""
        self.servers: dict[str, _Server] = {}
        self.threads: list[threading.Thread] = []
        self._closed_socket: socket.socket | None = None

    @property
    def bases(self) -> dict[str, str]:
        """Placeholder values: ``{{host:KEY}}`` becomes ``http(s)://127.0.0.1:PORT`` (no trailing slash)."""
        bases = {key: url.rstrip("/") for key, url in self.urls.items()}
        if self.closed_url:
            bases[CLOSED_HOST] = self.closed_url.rstrip("/")
        return bases

    def start(self) -> Self:
        if self.servers:
            return self
        try:
            contexts = self._tls_contexts()
            for i, key in enumerate(HOSTS):
                server = _Server(self.base_port + i if self.base_port else 0)
                self.servers[key] = server
                server.tls = contexts.get(key)
                scheme = "https" if server.tls else "http"
                self.urls[key] = f"{scheme}://127.0.0.1:{server.server_address[1]}/"
            self._closed_socket = self._reserve_closed_port()
            self.closed_url = f"http://127.0.0.1:{self._closed_socket.getsockname()[1]}/"
            for key, server in self.servers.items():
                server.site = HostSite(key, self.bases, root=self.hosts_dir / key)
        except BaseException:
            self.stop()
            raise
        for key, server in self.servers.items():
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                      name=f"demo-{key}", daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def _tls_contexts(self) -> dict[str, ssl.SSLContext]:
        """A fresh test CA (never stored) and one server context per HTTPS host, with a valid or expired leaf."""
        import trustme

        ca = trustme.CA(organization_name="Trường Giang demo CA (test only)")
        self.ca_pem = ca.cert_pem.bytes()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        validity = {
            "valid": (now - dt.timedelta(days=30), now + dt.timedelta(days=365)),
            "expired": (now - dt.timedelta(days=400), now - dt.timedelta(days=35)),
        }
        contexts = {}
        for key, kind in HTTPS_HOSTS.items():
            not_before, not_after = validity[kind]
            leaf = ca.issue_cert("127.0.0.1", organization_name=f"demo host {key}", not_before=not_before,
                                 not_after=not_after)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            leaf.configure_cert(context)
            contexts[key] = context
        return contexts

    def _reserve_closed_port(self) -> socket.socket:
        """A bound socket that never listens: connections are refused and no other program can take the port."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        port = self.base_port + len(HOSTS) if self.base_port else 0
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            raise
        return sock

    def stop(self) -> None:
        for server in self.servers.values():
            server.stopping.set()
        for server in self.servers.values():
            if self.threads:
                server.shutdown()
            server.server_close()
        for thread in self.threads:
            thread.join(timeout=2)
        if self._closed_socket is not None:
            self._closed_socket.close()
        self.servers, self.threads, self._closed_socket = {}, [], None

    def registry_text(self, ca_file: str | Path | None = None) -> str:
        """The demo registry with every ``{{host:KEY}}`` replaced by the live base URL.

        ``ca_file``: set the default ``tls_ca_file`` to it (the demo CA's PEM, written by ``write_registry``).
        """
        if not self.urls:
            raise RuntimeError("start() the demo first: the registry needs the live ports")
        bases = self.bases
        text = _TEXT_PLACEHOLDER.sub(lambda m: bases[m.group(1)], REGISTRY_TEMPLATE.read_text("utf-8"))
        if ca_file is not None:
            line = f"  tls_ca_file: {json.dumps(str(ca_file))}   # the demo's test CA, made at start-up\n"
            text = re.sub(r"^defaults:[^\n]*\n", lambda m: m.group(0) + line, text, count=1, flags=re.M)
        return text

    def write_registry(self, path: str | Path) -> Path:
        """Write the registry, and the demo CA's certificate next to it (``demo-ca.pem``) as its ``tls_ca_file``."""
        target = Path(path)
        ca_file = target.resolve().parent / CA_FILE_NAME
        ca_file.write_bytes(self.ca_pem)
        target.write_text(self.registry_text(ca_file), encoding="utf-8")
        return target

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
