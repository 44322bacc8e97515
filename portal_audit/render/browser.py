"""Find and launch a headless Chromium for the render stages, safely, on servers without a desktop.

Order (issue #4): a path in PORTAL_AUDIT_BROWSER, when set, and nothing else (the operator's explicit
choice wins); else Playwright's own managed Chromium where `playwright install` worked (users with
internet); then Debian/Ubuntu `chromium` / `chromium-browser`; then Google Chrome.

Every browser this module starts reaches the network only through the guard proxy (render/guardproxy.py),
which applies the crawler's own rule (netsafety) to every connection: the browser's default is public
addresses only, and each site's context is opened with its site's allowance (:meth:`RenderBrowser.new_context`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

from portal_audit.netsafety import Allowance
from portal_audit.render.guardproxy import GuardProxy, ListenerStats

# Chromium's own local-network checks are turned off: which addresses a page may reach is decided by the
# guard proxy (the registry's allow_private_networks), the same rule for crawl and render; otherwise an
# allowed intranet site would render differently from how its users see it.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
               "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests"]
# With the guard proxy: the browser resolves no name itself (SOCKS5 hands names to the proxy, so nothing can
# connect around it by address), and WebRTC sends no UDP (it has no proxied path).
GUARD_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
              "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
              "--webrtc-ip-handling-policy=disable_non_proxied_udp"]
SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# In every page of a render context: no new windows (a page opening 1,000 popups would start 1,000 renderers;
# any popup that still opens is closed at once, see open_tab).
NO_POPUPS = "window.open = () => null;"

log = logging.getLogger("portal_audit.render")


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


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


def short_error(exc: BaseException) -> str:
    """One line, a few hundred characters: Playwright's messages carry call logs and nested causes that an
    untrusted page can make megabytes long."""
    return f"{type(exc).__name__}: {_first_line(exc)}"[:300]


_background: set[asyncio.Future[Any]] = set()


def _spawn(awaitable: Any) -> None:
    """Run a clean-up step (dismiss a dialog, close a popup) without waiting for it or hearing its failure."""
    async def quietly() -> None:
        with contextlib.suppress(Exception):  # the page went away first: nothing left to clean
            await awaitable

    future = asyncio.ensure_future(quietly())
    _background.add(future)
    future.add_done_callback(_background.discard)


async def open_tab(context: Any, timeout: float) -> Any:
    """A tab of a render context whose dialogs are dismissed and whose popups are closed at once."""
    page = await context.new_page()
    page.set_default_timeout(timeout * 1000)
    page.on("dialog", lambda dialog: _spawn(dialog.dismiss()))
    page.on("popup", lambda popup: _spawn(popup.close()))
    return page


def _choices(executable: str | None) -> Iterator[tuple[str, str | None]]:
    """(label, executable_path) to try in order; None is Playwright's managed Chromium."""
    if executable is not None:
        yield executable, executable
        return
    if os.environ.get("PORTAL_AUDIT_BROWSER"):
        yield os.environ["PORTAL_AUDIT_BROWSER"], os.environ["PORTAL_AUDIT_BROWSER"]
        return
    yield "managed Chromium", None
    path = system_browser()
    if path is not None:
        yield path, path


def _options(path: str | None, proxy: str, env: dict[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {"args": [*LAUNCH_ARGS, *GUARD_ARGS], "env": env, "proxy": {"server": proxy}}
    if path is not None:
        options["executable_path"] = path
    return options


class _Attempts:
    """The one launch policy of both APIs: try each choice in order, keep why each failed, say it all at the end."""

    def __init__(self, executable: str | None) -> None:
        self.executable = executable
        self.errors: list[str] = []
        self.tried_system = False

    def __iter__(self) -> Iterator[tuple[str, str | None]]:
        for label, path in _choices(self.executable):
            self.tried_system = self.tried_system or path is not None
            yield label, path

    def failed(self, label: str, exc: BaseException) -> None:
        self.errors.append(f"{label}: {_first_line(exc)}")

    def unavailable(self) -> BrowserUnavailable:
        errors = self.errors if self.tried_system else [
            *self.errors, "no chromium/chrome found (apt-get install -y chromium, or set PORTAL_AUDIT_BROWSER)"]
        return BrowserUnavailable("; ".join(errors))


@contextlib.contextmanager
def launch() -> Iterator[Any]:
    """Yield a launched sync-API Playwright browser, public addresses only (for tools and tests that open
    local files or public pages); raise BrowserUnavailable with the reason when there is none."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserUnavailable(f"playwright is not installed ({exc})") from None
    profile, env = _profile_env()
    guard = GuardProxy()
    try:
        with sync_playwright() as playwright:
            browser, attempts = None, _Attempts(None)
            for label, path in attempts:
                try:
                    browser = playwright.chromium.launch(**_options(path, guard.server(False), env))
                    break
                except PlaywrightError as exc:
                    attempts.failed(label, exc)
            if browser is None:
                raise attempts.unavailable()
            try:
                yield browser
            finally:
                browser.close()
    finally:
        guard.close()
        shutil.rmtree(profile, ignore_errors=True)


class RenderBrowser:
    """The render stages' browser (discovery, axe, speed): launched once behind the guard proxy, and killed
    and started again when a page hangs it, so an untrusted page costs that page, not the run.

    ``await RenderBrowser().start()`` raises BrowserUnavailable with the reason; the choice made on the first
    launch (managed Chromium or a system path) is kept for the restarts.
    """

    def __init__(self) -> None:
        self._driver_cm: Any = None
        self.playwright: Any = None
        self.browser: Any = None
        self.guard: GuardProxy | None = None
        self.executable: str | None = None
        self.label = ""
        self.restarts = 0
        self.profile, self.env = _profile_env()

    async def start(self) -> RenderBrowser:
        try:
            from playwright.async_api import async_playwright
        except ImportError as exc:
            raise BrowserUnavailable(f"playwright is not installed ({exc})") from None
        if self.guard is None:
            self.guard = GuardProxy()
        self._driver_cm = async_playwright()
        self.playwright = await self._driver_cm.start()
        try:
            self.browser = await self._launch()
        except BaseException:
            await self.stop()
            raise
        return self

    async def _launch(self) -> Any:
        from playwright.async_api import Error as PlaywrightError

        assert self.guard is not None
        attempts = _Attempts(self.executable)
        for label, path in attempts:
            try:
                browser = await self.playwright.chromium.launch(**_options(path, self.guard.server(False), self.env))
            except PlaywrightError as exc:
                attempts.failed(label, exc)
                continue
            self.executable = path
            self.label = f"{label if path is None else path} {browser.version}"
            return browser
        raise attempts.unavailable()

    async def new_context(self, allowance: Allowance, **options: Any) -> Any:
        """A browser context whose every connection goes through the guard with this site's allowance."""
        assert self.guard is not None
        context = await self.browser.new_context(proxy={"server": self.guard.server(allowance)}, **options)
        await context.add_init_script(NO_POPUPS)
        return context

    def refused(self, allowance: Allowance) -> ListenerStats:
        return self.guard.stats(allowance) if self.guard is not None else ListenerStats()

    async def restart(self) -> None:
        """Kill the browser (stopping the driver too if the browser no longer answers) and start anew."""
        self.restarts += 1
        try:
            await asyncio.wait_for(self.browser.close(), timeout=10)
        except Exception:
            await self._stop_driver()
            await self.start()
            return
        self.browser = await self._launch()

    async def _stop_driver(self) -> None:
        if self._driver_cm is not None:
            with contextlib.suppress(Exception):  # a driver that does not stop is left to die with the process
                await asyncio.wait_for(self._driver_cm.__aexit__(None, None, None), timeout=20)
        self._driver_cm = self.playwright = self.browser = None

    async def stop(self) -> None:
        await self._stop_driver()
        if self.guard is not None:
            self.guard.close()
            self.guard = None
        shutil.rmtree(self.profile, ignore_errors=True)


class SharedBrowser:
    """One browser for the steps that follow one another after the freeze (axe renders, then page speed):
    started on the first step that needs it, so a run with nothing to render starts none, and started once,
    so a browser that cannot start is tried (and reported) once, not once per site and step."""

    def __init__(self, enabled: bool = True, *, off_reason: str = "rendering turned off (--no-browser)") -> None:
        self.browser: RenderBrowser | None = None
        self.error: str | None = None if enabled else off_reason

    async def get(self) -> RenderBrowser | None:
        """The started browser, or None when it is turned off or could not start (``error`` says why)."""
        if self.browser is None and self.error is None:
            try:
                self.browser = await RenderBrowser().start()
            except BrowserUnavailable as exc:
                self.error = f"no browser could start: {exc}"
                log.warning("%s", self.error)
        return self.browser

    @property
    def label(self) -> str | None:
        return self.browser.label if self.browser is not None else None

    async def stop(self) -> None:
        if self.browser is not None:
            await self.browser.stop()
