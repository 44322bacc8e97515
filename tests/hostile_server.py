"""A hostile web server for the test suite and benchmarks/hostile.py: one loopback port per hostile site.

Each site is a dict of routes; a route is either a fixed response or a behaviour (a coroutine that writes
whatever bytes it likes, as slowly as it likes). Everything is bounded so that a crawler bug shows up as a
failed assertion, never as a hung CI job: a slow behaviour gives up after ``SLOW_LIMIT`` seconds, an endless
body after ``ENDLESS_LIMIT`` bytes, a request head is read for at most 10 s and 64 KiB, and the whole server
closes itself after ``lifetime`` seconds. It binds 127.0.0.1 only.

``held`` records, per (site, path), how long each connection stayed open and whether the client or the
server ended it: "the crawler hung up first, within its timeout" is the bound a test asserts.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

SLOW_LIMIT = 60.0            # seconds any slow behaviour keeps going before the server gives up
ENDLESS_LIMIT = 2 << 30      # bytes an "endless" body sends at most
WRITE_TIMEOUT = 30.0


@dataclass
class Exchange:
    """One request, and the means to answer it."""

    method: str
    path: str
    headers: dict[str, str]
    writer: asyncio.StreamWriter
    base: str                       # this site's own http://127.0.0.1:PORT
    gone: bool = False              # the client hung up while we were still sending

    async def send(self, data: bytes) -> bool:
        """Write and drain; False once the client has gone (the behaviour should stop)."""
        if self.writer.transport.is_closing():
            self.gone = True
            return False
        try:
            self.writer.write(data)
            await asyncio.wait_for(self.writer.drain(), WRITE_TIMEOUT)
            return True
        except (ConnectionError, TimeoutError, RuntimeError):
            self.gone = True
            return False

    async def respond(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                      length: bool = True) -> bool:
        lines = [f"HTTP/1.1 {status} X", "Connection: close"]
        merged = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        lines += [f"{key}: {value}" for key, value in merged.items()]
        if length:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        return await self.send(head + (b"" if self.method == "HEAD" else body))


Behaviour = Callable[[Exchange], Awaitable[None]]
Route = bytes | str | Behaviour   # bytes: a whole raw HTTP response; str: an HTML page ({base} filled in)


def html_page(title: str, body: str, lang: str = "vi") -> str:
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><main><h1>{title}</h1>{body}</main></body></html>")


def redirect(location: str, status: int = 302) -> Behaviour:
    async def behaviour(ex: Exchange) -> None:
        await ex.respond(status, headers={"Location": location.replace("{base}", ex.base)})
    return behaviour


def with_headers(body: bytes, headers: dict[str, str] | list[tuple[str, str]], status: int = 200) -> Behaviour:
    """A fixed body with any headers, repeated names included (a list of pairs keeps duplicates)."""
    pairs = list(headers.items()) if isinstance(headers, dict) else headers

    async def behaviour(ex: Exchange) -> None:
        head = f"HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Length: {len(body)}\r\n".encode()
        head += b"".join(f"{k}: {v}\r\n".encode("utf-8", "surrogateescape") for k, v in pairs) + b"\r\n"
        await ex.send(head + (b"" if ex.method == "HEAD" else body))
    return behaviour


async def slow_headers(ex: Exchange) -> None:
    """Slowloris in reverse: a status line, then one header every half second, never the blank line."""
    if not await ex.send(b"HTTP/1.1 200 OK\r\n"):
        return
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < SLOW_LIMIT:
        await asyncio.sleep(0.5)
        n += 1
        if not await ex.send(f"X-Slow-{n}: {'x' * 10}\r\n".encode()):
            return


def endless_body(chunk: int, pause: float) -> Behaviour:
    """A 200 with neither Content-Length nor end: ``chunk`` bytes every ``pause`` seconds."""
    async def behaviour(ex: Exchange) -> None:
        if not await ex.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                             b"Connection: close\r\n\r\n<html><body>"):
            return
        block = b"<p>" + b"a" * max(chunk - 7, 0) + b"</p>\n"
        started, sent = time.monotonic(), 0
        while sent < ENDLESS_LIMIT and time.monotonic() - started < SLOW_LIMIT:
            if not await ex.send(block):
                return
            sent += len(block)
            await asyncio.sleep(pause)
    return behaviour


async def huge_length_slow_body(ex: Exchange) -> None:
    """Promises a terabyte, then sends a byte a second."""
    if not await ex.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000000000000\r\n\r\n"):
        return
    started = time.monotonic()
    while time.monotonic() - started < SLOW_LIMIT:
        if not await ex.send(b"a"):
            return
        await asyncio.sleep(1)


def streamed(content_type: str, head: bytes, filler: bytes, total: int) -> Behaviour:
    """``head`` then ``filler`` repeated up to ``total`` bytes, with an honest Content-Length (a 50 MB file
    that is not kept in memory)."""
    async def behaviour(ex: Exchange) -> None:
        count = max(0, (total - len(head)) // len(filler))
        size = len(head) + count * len(filler)
        if not await ex.send(f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {size}\r\n"
                             f"Connection: close\r\n\r\n".encode() + head) or ex.method == "HEAD":
            return
        burst = filler * max(1, (1 << 16) // len(filler))
        per_burst = len(burst) // len(filler)
        while count > 0:
            n = min(count, per_burst)
            if not await ex.send(burst if n == per_burst else filler * n):
                return
            count -= n
    return behaviour


# --- decompression bombs: a few hundred KB on the wire, gigabytes once decoded ------------------------------

@functools.cache
def gzip_bomb(gib: int = 2) -> bytes:
    """``gib`` GiB of zeros as a multi-member gzip stream (RFC 1952 allows members back to back): one 64 MiB
    member repeated, so building it costs a quarter of a second."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(bytes(64 << 20)) + compressor.flush()
    return member * (gib * 16)


@functools.cache
def deflate_bomb(gib: int = 1) -> bytes:
    """``gib`` GiB of zeros as one zlib stream: after a full flush every identical 16 MiB block compresses to
    the same bytes, so one block is repeated and the Adler-32 of n zero bytes (a=1, b=n) closes it."""
    chunk = bytes(16 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 15)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    header = first[: len(first) - len(block)]   # the 2-byte zlib header; the rest of ``first`` equals ``block``
    blocks = gib * 64
    total = blocks * len(chunk)
    adler = ((total % 65521) << 16) | 1
    return header + block * blocks + b"\x03\x00" + adler.to_bytes(4, "big")


@functools.cache
def brotli_bomb(gib: int = 2) -> bytes:
    import brotli

    compressor = brotli.Compressor(quality=1)
    chunk = bytes(16 << 20)
    return b"".join(compressor.process(chunk) for _ in range(gib * 64)) + compressor.finish()


def bomb(encoding: str) -> Behaviour:
    payload = {"gzip": gzip_bomb, "deflate": deflate_bomb, "br": brotli_bomb}[encoding]()

    async def behaviour(ex: Exchange) -> None:
        await ex.respond(200, payload, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": encoding})
    return behaviour


# --- the server ------------------------------------------------------------------------------------------------

@dataclass
class Hold:
    seconds: float
    client_closed: bool     # True when the client hung up before the behaviour ended


class HostileServer:
    """Serves ``site(name, routes)`` sites, each on its own 127.0.0.1 port, from a thread of its own."""

    def __init__(self, lifetime: float = 900.0):
        self.hits: dict[tuple[str, str], int] = defaultdict(int)
        self.held: dict[tuple[str, str], list[Hold]] = defaultdict(list)
        self._loop = asyncio.new_event_loop()
        self._servers: list[asyncio.base_events.Server] = []
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="hostile-server")
        self._thread.start()
        self._loop.call_soon_threadsafe(self._loop.call_later, lifetime, self._shut)

    def site(self, name: str, routes: dict[str, Route]) -> str:
        """Start serving ``routes`` for site ``name``; returns its base URL. Unknown paths answer 404."""
        async def start() -> asyncio.base_events.Server:
            return await asyncio.start_server(functools.partial(self._handle, name, routes), "127.0.0.1", 0,
                                              limit=1 << 16)
        server = asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)
        self._servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    async def _handle(self, name: str, routes: dict[str, Route], reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        started = time.monotonic()
        path, exchange = "?", None
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _ = [*request_line.split(" ", 2), "", ""][:3]
            headers = dict(line.split(":", 1) for line in header_lines if ":" in line)
            self.hits[(name, path)] += 1
            host, port = writer.get_extra_info("sockname")[:2]
            exchange = Exchange(method, path, {k.strip().lower(): v.strip() for k, v in headers.items()}, writer,
                                f"http://{host}:{port}")
            route = routes.get(path)
            if route is None:
                await exchange.respond(404, html_page("404", "<p>Không tìm thấy</p>").encode())
            elif isinstance(route, bytes):
                await exchange.send(route)
            elif isinstance(route, str):
                await exchange.respond(200, route.replace("{base}", exchange.base).encode("utf-8"))
            else:
                await route(exchange)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError,
                ValueError):
            pass
        finally:
            self.held[(name, path)].append(Hold(time.monotonic() - started, bool(exchange and exchange.gone)))
            with contextlib.suppress(Exception):
                writer.close()

    def _shut(self) -> None:
        for server in self._servers:
            server.close()
        self._loop.stop()

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._shut)
        self._thread.join(5)

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

