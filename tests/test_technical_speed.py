"""Live loads for the speed and phone-width checks: the browser's own timings, overflow at 375 px."""

from __future__ import annotations

from typing import Any

from conftest import ScriptedServer, with_render_browser

from portal_audit.technical.speed import Measurement, measure

WIDE = ('<html lang="vi"><head><title>Rộng</title><meta name="viewport" content="width=device-width, '
        'initial-scale=1"></head><body><h1>Bảng</h1><table style="width:900px"><tr><td>ô</td></tr></table>'
        '</body></html>')
FIT = WIDE.replace('style="width:900px"', 'style="width:100%"')


def test_phone_width_overflow_and_timings(scripted_server: ScriptedServer) -> None:
    scripted_server.page("/rong", WIDE)
    scripted_server.page("/vua", FIT)
    scripted_server.page("/cham", FIT, delay=1.2)

    async def go(browser: Any) -> list[Measurement]:
        return [await measure(browser, scripted_server.base + path, viewport, allowance=True, user_agent="t",
                              timeout=5) for path, viewport in (("/rong", "phone"), ("/vua", "phone"),
                                                                ("/cham", "desktop"))]

    wide, fit, slow = with_render_browser(go)
    assert wide.error is None and wide.overflow_px >= 500
    assert fit.overflow_px == 0
    assert slow.error is None and slow.ttfb_ms >= 1000 and slow.fcp_ms >= slow.ttfb_ms and slow.requests >= 1


def test_a_page_that_never_answers_is_an_error_not_a_hang(scripted_server: ScriptedServer) -> None:
    scripted_server.page("/treo", FIT, delay=4)
    result = with_render_browser(lambda b: measure(b, scripted_server.base + "/treo", "desktop",
                                                allowance=True, user_agent="t", timeout=1))
    assert result.error and "Timeout" in result.error
