"""Both browser APIs (sync for tools, async for the render stages) follow one launch policy and fail alike."""

from __future__ import annotations

import asyncio

import pytest

from portal_audit.render import browser as browser_module
from portal_audit.render.browser import BrowserUnavailable, RenderBrowser, launch


def _sync_error() -> str:
    with pytest.raises(BrowserUnavailable) as caught, launch():
        pass
    return str(caught.value)


def _async_error() -> str:
    async def start() -> None:
        await RenderBrowser().start()

    with pytest.raises(BrowserUnavailable) as caught:
        asyncio.run(start())
    return str(caught.value)


def test_a_configured_browser_that_does_not_exist_is_named_by_both_apis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_AUDIT_BROWSER", "/nonexistent/chromium-xyz")
    for message in (_sync_error(), _async_error()):
        assert message.startswith("/nonexistent/chromium-xyz: "), message
        assert "apt-get install" not in message   # a path was tried: the hint is for machines with none


def test_with_no_system_browser_both_apis_say_how_to_install_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTAL_AUDIT_BROWSER", raising=False)
    monkeypatch.setattr(browser_module, "system_browser", lambda: None)
    # Playwright's managed Chromium exists where there is internet: point it at nothing, so it fails here too.
    real_options = browser_module._options
    monkeypatch.setattr(browser_module, "_options", lambda path, proxy, env: {
        **real_options(path, proxy, env), "executable_path": "/nonexistent/managed-chromium"})
    messages = [_sync_error(), _async_error()]
    assert messages[0] == messages[1]
    assert messages[0].startswith("managed Chromium: ")
    assert messages[0].endswith("no chromium/chrome found (apt-get install -y chromium, or set PORTAL_AUDIT_BROWSER)")
