"""Live page loads for the speed and phone-layout checks (Decree 224/2026 Art. 12; Circular 32/2017 Art. 17).

Unlike the accessibility pass (which serves the stored page to the tab), speed must be measured as a visitor
gets it: the page is loaded live, through the guard proxy (no request interception, which would slow every
request down), with the browser's own timing
(Navigation Timing, Paint Timing, Largest Contentful Paint) and the transfer sizes of every resource. The
home page and the site's slowest pages by the crawl's server time are loaded at desktop size; the home page
also at a phone's width, where content wider than the screen means horizontal scrolling.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from portal_audit.netsafety import Allowance
from portal_audit.render.browser import RenderBrowser, open_tab

PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}

_METRICS = """async () => {
  const nav = performance.getEntriesByType('navigation')[0] || {};
  // Paint entries may be queued after `load`: buffered observers collect them, then a short wait.
  const latest = type => new Promise(resolve => {
    let last = null;
    try {
      new PerformanceObserver(list => { const e = list.getEntries(); last = e[e.length - 1]; })
        .observe({type, buffered: true});
    } catch (e) {}
    setTimeout(() => resolve(last), 500);
  });
  const [fcpEntry, lcpEntry] = await Promise.all([latest('paint').then(() =>
    performance.getEntriesByName('first-contentful-paint')[0] || null), latest('largest-contentful-paint')]);
  const paint = fcpEntry;
  const lcp = lcpEntry ? lcpEntry.startTime : null;
  const resources = performance.getEntriesByType('resource');
  const bytes = resources.reduce((sum, r) => sum + (r.transferSize || 0), nav.transferSize || 0);
  const doc = document.documentElement;
  return {fcp: paint ? paint.startTime : null, lcp, load: nav.loadEventEnd || null,
          ttfb: nav.responseStart || null, bytes, requests: resources.length + 1,
          // clientWidth is the layout viewport (375 px with device-width); a phone browser zooms out to fit
          // wider content, so innerWidth would grow with the content and hide the overflow.
          overflow: Math.max(0, doc.scrollWidth - doc.clientWidth)};
}"""


@dataclass
class Measurement:
    url: str
    viewport: str                # desktop | phone
    fcp_ms: int | None = None
    lcp_ms: int | None = None
    load_ms: int | None = None
    ttfb_ms: int | None = None
    bytes: int | None = None
    requests: int | None = None
    overflow_px: int | None = None
    error: str | None = None


def _ms(value: Any) -> int | None:
    return None if value is None else round(float(value))


async def measure(browser: RenderBrowser, url: str, viewport: str, *, allowance: Allowance, user_agent: str,
                  timeout: float) -> Measurement:
    """Load ``url`` live in a fresh context and read the browser's own timings; never raises but
    BrowserUnavailable (a browser that could not be started again after a page wedged it)."""
    options = PHONE if viewport == "phone" else DESKTOP
    result = Measurement(url, viewport)
    context = await browser.new_context(allowance, user_agent=user_agent, accept_downloads=False,
                                        service_workers="block", ignore_https_errors=True, **options)
    try:
        page = await open_tab(context, timeout)
        started = time.monotonic()
        await asyncio.wait_for(page.goto(url, wait_until="load", timeout=timeout * 1000), timeout + 5)
        raw = await asyncio.wait_for(page.evaluate(_METRICS), 10)
        result.fcp_ms, result.lcp_ms, result.load_ms = _ms(raw["fcp"]), _ms(raw["lcp"]), _ms(raw["load"])
        result.load_ms = result.load_ms or int((time.monotonic() - started) * 1000)
        result.ttfb_ms, result.bytes, result.requests = _ms(raw["ttfb"]), raw["bytes"], raw["requests"]
        result.overflow_px = _ms(raw["overflow"])
    except Exception as exc:  # a page that never loads is a finding (timeout), not a crash
        result.error = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"[:300]
    finally:
        try:
            await asyncio.wait_for(context.close(), 10)
        except Exception:  # a renderer its page wedged: the next load gets a new browser
            result.error = result.error or "context did not close"
            await browser.restart()
    return result
