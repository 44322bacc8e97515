"""Find and launch a headless Chromium for the render stage, safely, on servers without a desktop.

Order (issue #4): Playwright's own managed Chromium where `playwright install` worked (users with
internet); then a path from PORTAL_AUDIT_BROWSER; then Debian/Ubuntu `chromium` / `chromium-browser`;
then Google Chrome. Every request the page makes (scripts, images, frames) passes the same private-address
guard as the crawler, so a rendered page cannot make the auditor reach into the operator's network.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from portal_audit.netsafety import Allowance, address_allowed, literal_ip, scheme_allowed

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage"]
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


@contextmanager
def launch() -> Iterator[Any]:
    """Yield a launched Playwright browser; raise BrowserUnavailable with the reason when there is none."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserUnavailable(f"playwright is not installed ({exc})") from None
    profile = tempfile.mkdtemp(prefix="portal-audit-chromium-")
    env = {**os.environ, "XDG_CONFIG_HOME": f"{profile}/config", "XDG_CACHE_HOME": f"{profile}/cache"}
    with sync_playwright() as playwright:
        browser = None
        errors = []
        try:
            browser = playwright.chromium.launch(args=LAUNCH_ARGS, env=env)
        except PlaywrightError as exc:
            errors.append(f"managed Chromium: {str(exc).splitlines()[0]}")
        if browser is None:
            path = system_browser()
            if path is None:
                raise BrowserUnavailable("; ".join([*errors, "no chromium/chrome found (apt-get install -y chromium, "
                                                               "or set PORTAL_AUDIT_BROWSER)"]))
            try:
                browser = playwright.chromium.launch(executable_path=path, args=LAUNCH_ARGS, env=env)
            except PlaywrightError as exc:
                raise BrowserUnavailable(f"{path}: {str(exc).splitlines()[0]}") from None
        try:
            yield browser
        finally:
            browser.close()
            shutil.rmtree(profile, ignore_errors=True)


def host_allowed(url: str, allowance: Allowance) -> bool:
    """The crawler's rule, for every request a rendered page makes."""
    if url.startswith(("data:", "blob:", "about:")):
        return True
    if not scheme_allowed(url):
        return False
    host = urlsplit(url).hostname or ""
    ip = literal_ip(host)
    addresses = [ip] if ip is not None else []
    if ip is None:
        try:
            addresses = [literal_ip(info[4][0]) for info in socket.getaddrinfo(host, None)]
        except OSError:
            return False
    return bool(addresses) and all(a is not None and address_allowed(a, allowance) for a in addresses)


def guard_context(context: Any, allowance: Allowance) -> None:
    """Abort any request of a rendered page that the crawler itself would refuse."""

    def route(route: Any) -> None:
        if host_allowed(route.request.url, allowance):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", route)
