"""The one door out of the browser: a loopback SOCKS5 proxy that applies the crawler's network rule.

Why a proxy and not request interception: Playwright's routes (CDP ``Fetch``) see the HTTP requests of pages
and frames, but not WebSocket handshakes, all of a worker's traffic, preconnects or speculative loads, so a
rendered page reached 127.0.0.2 and [::1] through ``new WebSocket`` and a Web Worker while every route was
guarded (issue #16). A proxy sits below all of that: Chromium's network service opens every socket of every
kind (documents, subresources, WebSocket, Worker/SharedWorker/ServiceWorker, prefetch and preconnect,
navigations, downloads) through the configured proxy. Three launch settings close the remaining doors
(render/browser.py): Playwright's forced ``<-loopback>`` bypass rule, so loopback is not exempt;
``--host-resolver-rules`` mapping every name to NOTFOUND, so the browser resolves nothing itself (SOCKS5 hands
the host name to the proxy); and WebRTC limited to proxied connections, so no UDP leaves the browser.

For each CONNECT the proxy resolves the host, refuses it with :func:`portal_audit.netsafety.host_refusal` (the
crawl's own rule) when any address is private and not allowed, and otherwise connects to an address it
vetted: a DNS answer cannot change between the check and the connection. One listener per allowance (the
registry's ``allow_private_networks``); a browser context of a site uses its site's listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from portal_audit.netsafety import Allowance, IPAddress, host_refusal, resolve

log = logging.getLogger("portal_audit.render")

HANDSHAKE_SECONDS = 10.0   # SOCKS greeting, request, DNS and connecting upstream, together
CHUNK = 64 * 1024
Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]

# SOCKS5 (RFC 1928) reply codes.
_OK, _FAILURE, _NOT_ALLOWED, _HOST_UNREACHABLE, _REFUSED, _BAD_COMMAND, _BAD_ADDRESS = 0, 1, 2, 4, 5, 7, 8


@dataclass
class ListenerStats:
    """What one listener let through and refused: for logs, tests and the benchmark."""

    connections: int = 0
    refused: Counter[str] = field(default_factory=Counter)    # "host:port" -> refusals

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


class _SocksError(Exception):
    """End the handshake; ``code`` is the SOCKS5 reply to send first (None: the client is not SOCKS5)."""

    def __init__(self, code: int | None):
        super().__init__(code)
        self.code = code


class _Listener:
    def __init__(self, allowance: Allowance):
        self.allowance = allowance
        self.stats = ListenerStats()
        self.server: asyncio.Server | None = None
        self.port = 0
        self.tunnels: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=CHUNK)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tunnels.add(task)
        upstream: asyncio.StreamWriter | None = None
        try:
            try:
                async with asyncio.timeout(HANDSHAKE_SECONDS):
                    host, port = await _read_request(reader, writer)
                    up_reader, upstream = await self._open(host, port)
            except _SocksError as exc:
                if exc.code is not None:
                    writer.write(_reply(exc.code))
                    await writer.drain()
                return
            except TimeoutError:
                writer.write(_reply(_HOST_UNREACHABLE))
                return
            self.stats.connections += 1
            writer.write(_reply(_OK))
            await writer.drain()
            await asyncio.gather(_pump(reader, upstream), _pump(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError):
            pass
        except Exception as exc:  # a malformed exchange costs its connection, never the proxy
            log.debug("guard proxy: connection dropped: %s: %s", type(exc).__name__, str(exc)[:200])
        finally:
            self.tunnels.discard(task)
            for stream in (upstream, writer):
                if stream is not None:
                    stream.close()

    async def _open(self, host: str, port: int) -> Streams:
        addresses = await asyncio.get_running_loop().run_in_executor(None, resolve, host)
        if not addresses:
            raise _SocksError(_HOST_UNREACHABLE)
        refused = host_refusal(host, addresses, self.allowance)
        if refused is not None:
            self.stats.refused[f"{host[:100]}:{port}"] += 1
            log.debug("guard proxy refused %s:%d: %s", host[:100], port, refused.detail)
            raise _SocksError(_NOT_ALLOWED)
        return await _connect(addresses, port)

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self.tunnels):
            task.cancel()
        await asyncio.gather(*self.tunnels, return_exceptions=True)


async def _read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[str, int]:
    """The SOCKS5 greeting (no authentication) and one CONNECT request: (host, port)."""
    version, count = await reader.readexactly(2)
    methods = await reader.readexactly(count) if version == 5 else b""
    if version != 5 or 0 not in methods:
        writer.write(b"\x05\xff")
        raise _SocksError(None)
    writer.write(b"\x05\x00")
    await writer.drain()
    version, command, _reserved, kind = await reader.readexactly(4)
    if version != 5 or command != 1:   # CONNECT only: no BIND, no UDP ASSOCIATE
        raise _SocksError(_BAD_COMMAND)
    if kind == 1:
        host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
    elif kind == 4:
        host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
    elif kind == 3:
        (length,) = await reader.readexactly(1)
        try:
            host = (await reader.readexactly(length)).decode("ascii")   # browsers send names in punycode
        except UnicodeDecodeError:
            raise _SocksError(_BAD_ADDRESS) from None
    else:
        raise _SocksError(_BAD_ADDRESS)
    (port,) = struct.unpack("!H", await reader.readexactly(2))
    return host, port


async def _connect(addresses: tuple[IPAddress, ...], port: int) -> Streams:
    error: OSError | None = None
    for ip in addresses:
        try:
            return await asyncio.open_connection(str(ip), port, limit=CHUNK)
        except OSError as exc:
            error = exc
    raise _SocksError(_REFUSED if isinstance(error, ConnectionRefusedError) else _FAILURE)


def _reply(code: int) -> bytes:
    return bytes((5, code, 0, 1)) + socket.inet_aton("0.0.0.0") + b"\x00\x00"


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy one direction until end of stream, then pass the half-close on."""
    try:
        while chunk := await source.read(CHUNK):
            sink.write(chunk)
            await sink.drain()
        if sink.can_write_eof():
            sink.write_eof()
    except (OSError, RuntimeError):   # the other side went away: end both directions
        sink.close()


class GuardProxy:
    """The proxy, on its own thread and event loop, so the sync and async Playwright stages share it and
    relaying never waits on the stage's own loop."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="portal-audit-guard-proxy",
                                        daemon=True)
        self._listeners: dict[Allowance, _Listener] = {}
        self._lock = threading.Lock()
        self._thread.start()

    def server(self, allowance: Allowance) -> str:
        """The proxy address (``socks5://127.0.0.1:port``) that enforces ``allowance``."""
        with self._lock:
            listener = self._listeners.get(allowance)
            if listener is None:
                listener = _Listener(allowance)
                asyncio.run_coroutine_threadsafe(listener.start(), self._loop).result(10)
                self._listeners[allowance] = listener
        return f"socks5://127.0.0.1:{listener.port}"

    def stats(self, allowance: Allowance) -> ListenerStats:
        listener = self._listeners.get(allowance)
        return listener.stats if listener is not None else ListenerStats()

    def close(self) -> None:
        if not self._thread.is_alive():
            return

        async def close_all() -> None:
            await asyncio.gather(*(listener.close() for listener in self._listeners.values()))

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@contextlib.contextmanager
def guard_proxy() -> Iterator[GuardProxy]:
    proxy = GuardProxy()
    try:
        yield proxy
    finally:
        proxy.close()
