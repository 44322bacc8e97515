"""Find and launch a headless Chromium for the render stage, safely, on servers without a desktop.

Order (issue #4): a path in PORTAL_AUDIT_BROWSER, when set, and nothing else (the operator's explicit
choice wins); else Playwright's own managed Chromium where `playwright install` worked (users with
internet); then Debian/Ubuntu `chromium` / `chromium-browser`; then Google Chrome. Every request the page
makes (scripts, images, frames) passes the same private-address guard as the crawler, so a rendered page
cannot make the auditor reach into the operator's network.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from portal_audit.netsafety import Allowance, address_allowed, literal_ip, scheme_allowed

# Chromium's own local-network checks are turned off: which addresses a page may reach is decided by the
# crawler's guard (guard_context, the registry's allow_private_networks), the same rule for crawl and render;
# otherwise an allowed intranet site would render differently from how its users see it.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
               "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests"]
SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserUnavailable(Exception):
    """No browser could be launched: rendered checks are then reported as not checked, never as passed."""


def system_browser() -> str | None:
    override = os.environ.get("PORTAL_AUDIT_BROWSER")
    if override:
        return override
    for name in SYSTEM_BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _profile_env() -> tuple[str, dict[str, str]]:
    """A throw-away profile: Chromium writes crash reports and caches under $HOME even when headless."""
    profile = tempfile.mkdtemp(prefix="portal-audit-chromium-")
    return profile, {**os.environ, "XDG_CONFIG_HOME": f"{profile}/config", "XDG_CACHE_HOME": f"{profile}/cache"}


def _unavailable(errors: list[str]) -> BrowserUnavailable:
    return BrowserUnavailable("; ".join([*errors, "no chromium/chrome found (apt-get install -y chromium, "
                                                  "or set PORTAL_AUDIT_BROWSER)"]))


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


@contextmanager
def launch() -> Iterator[Any]:
    """Yield a launched Playwright browser; raise BrowserUnavailable with the reason when there is none."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserUnavailable(f"playwright is not installed ({exc})") from None
    profile, env = _profile_env()
    with sync_playwright() as playwright:
        browser = None
        errors = []
        if not os.environ.get("PORTAL_AUDIT_BROWSER"):
            try:
                browser = playwright.chromium.launch(args=LAUNCH_ARGS, env=env)
            except PlaywrightError as exc:
                errors.append(f"managed Chromium: {_first_line(exc)}")
        if browser is None:
            path = system_browser()
            if path is None:
                raise _unavailable(errors)
            try:
                browser = playwright.chromium.launch(executable_path=path, args=LAUNCH_ARGS, env=env)
            except PlaywrightError as exc:
                raise BrowserUnavailable(f"{path}: {_first_line(exc)}") from None
        try:
            yield browser
        finally:
            browser.close()
            shutil.rmtree(profile, ignore_errors=True)


class AsyncBrowserLauncher:
    """Launches (and relaunches, after a hang or crash) a browser from one async Playwright driver.

    The accessibility stage renders untrusted pages; a page that wedges the renderer must cost one page,
    not the run, so the stage kills the browser and asks for a new one. The choice made on the first
    launch (managed Chromium or a system path) is kept for the relaunches.
    """

    def __init__(self, playwright: Any):
        self.playwright = playwright
        self.profile, self.env = _profile_env()
        self.executable: str | None = None
        self.label = ""

    async def launch(self) -> Any:
        from playwright.async_api import Error as PlaywrightError

        errors: list[str] = []
        if self.executable is None and os.environ.get("PORTAL_AUDIT_BROWSER"):
            self.executable = os.environ["PORTAL_AUDIT_BROWSER"]
        if self.executable is None:
            try:
                browser = await self.playwright.chromium.launch(args=LAUNCH_ARGS, env=self.env)
                self.label = f"managed chromium {browser.version}"
                return browser
            except PlaywrightError as exc:
                errors.append(f"managed Chromium: {_first_line(exc)}")
            self.executable = system_browser()
            if self.executable is None:
                raise _unavailable(errors)
        try:
            browser = await self.playwright.chromium.launch(executable_path=self.executable, args=LAUNCH_ARGS,
                                                            env=self.env)
        except PlaywrightError as exc:
            raise BrowserUnavailable(f"{self.executable}: {_first_line(exc)}") from None
        self.label = f"{self.executable} {browser.version}"
        return browser

    def cleanup(self) -> None:
        shutil.rmtree(self.profile, ignore_errors=True)


def host_allowed(url: str, allowance: Allowance) -> bool:
    """The crawler's rule, for every request a rendered page makes."""
    if url.startswith(("data:", "blob:", "about:")):
        return True
    if not scheme_allowed(url):
        return False
    host = urlsplit(url).hostname or ""
    ip = literal_ip(host)
    addresses = (ip,) if ip is not None else _resolve(host)
    return bool(addresses) and all(a is not None and address_allowed(a, allowance) for a in addresses)


@functools.lru_cache(maxsize=4096)
def _resolve(host: str) -> tuple[Any, ...]:
    """Resolve once per process: pages load dozens of assets from the same hosts, and an answer that
    changes between the check and the fetch (DNS rebinding) gets fewer chances."""
    try:
        return tuple(literal_ip(info[4][0]) for info in socket.getaddrinfo(host, None))
    except (OSError, UnicodeError):
        return ()


def guard_context(context: Any, allowance: Allowance) -> None:
    """Abort any request of a rendered page that the crawler itself would refuse."""

    def route(route: Any) -> None:
        if host_allowed(route.request.url, allowance):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", route)
