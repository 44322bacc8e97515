"""Shared fixtures: a tiny scripted HTTP server and a CLI runner.

Crawls run in a subprocess, as users run them: Twisted's reactor cannot restart inside one process.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})


class ScriptedServer:
    """Serves fixed routes on a loopback address and counts every request it receives."""

    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, with_body: bool) -> None:
                server.hits.append(self.path)
                route = server.routes.get(self.path) or Route(404, b"<html><title>404</title></html>")
                if route.delay:
                    time.sleep(route.delay)
                # a client may hang up first (its timeout, a size cap): not a server error
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(route.status)
                    for key, value in route.headers.items():
                        self.send_header(key, value.replace("{base}", server.base))
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    if with_body:
                        self.wfile.write(route.body.replace(b"{base}", server.base.encode()))

            def do_GET(self) -> None:
                self._answer(True)

            def do_HEAD(self) -> None:
                self._answer(False)

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def page(self, path: str, html: str, status: int = 200, delay: float = 0.0, **headers: str) -> None:
        self.routes[path] = Route(status, html.encode("utf-8"), delay,
                                  {"Content-Type": "text/html; charset=utf-8", **headers})

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


def one_site_registry(path: Path, url: str, defaults: str = "", allow: str = '["127.0.0.1/32"]') -> Path:
    """Write a registry of one department site at ``url`` (no delay, 5 s timeout, no retries, only ``allow``
    of the private networks) with ``defaults``, more YAML flow-mapping entries such as ``render: all``."""
    extra = f", {defaults}" if defaults else ""
    path.write_text(f"""province: T
defaults: {{allow_private_networks: {allow}, delay: 0, timeout: 5, retries: 0{extra}}}
sites:
  - {{id: s, name: "Sở Thử nghiệm", unit_type: so_ban_nganh, url: "{url}/"}}
""", encoding="utf-8")
    return path


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 240,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``portal-audit`` as a user would (same interpreter, so an editable install is used)."""
    return subprocess.run([sys.executable, "-m", "portal_audit", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})


@pytest.fixture
def cli():
    return run_cli


@dataclass
class DemoRun:
    out: Path
    stdout: str

    @property
    def db(self) -> Path:
        return self.out / "audit.db"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """One `portal-audit demo` (crawl, render, audit) shared by the tests that only read its results."""
    out = tmp_path_factory.mktemp("demo")
    result = run_cli("demo", "--out", str(out), "--quiet", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return DemoRun(out, result.stdout)


def unavailable(reason: str) -> None:
    """A prerequisite CI always provides (a browser, ../shared/act) is missing: fail under CI, where it means
    the set-up is broken, and skip with the reason on a developer's machine. Never a silent pass."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must have this: {reason}")
    pytest.skip(reason)


def with_render_browser(use: Any) -> Any:
    """Run ``await use(browser)`` with a started RenderBrowser (portal_audit.render.browser), stopped afterwards."""
    import asyncio

    from portal_audit.render.browser import BrowserUnavailable, RenderBrowser

    async def main() -> Any:
        try:
            browser = await RenderBrowser().start()
        except BrowserUnavailable as exc:
            unavailable(f"no browser on this machine: {exc}")
        try:
            return await use(browser)
        finally:
            await browser.stop()

    return asyncio.run(main())
