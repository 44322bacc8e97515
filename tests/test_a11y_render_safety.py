"""axe on untrusted pages: dialogs, popups, redirects, private addresses, hangs and huge node lists.

These run in-process against the real browser. Without one they fail under CI (which installs Chromium)
and are skipped, with the reason, on a developer machine that has none.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable
from typing import Any

from conftest import ScriptedServer, with_render_browser

from portal_audit.a11y.axe import WCAG_TAGS, PageOutcome, PageTask, audit_pages
from portal_audit.render.browser import RenderBrowser

HOSTILE = """<!doctype html><html lang="vi"><head><title>Trang</title>
<meta http-equiv="refresh" content="3; url=https://example.org/phishing"></head>
<body><main><h1>Tin tức</h1><img src="{inside}/tracker.png"><p>nội dung</p></main>
<script>
  alert("xin chào"); confirm("chắc chưa?"); prompt("tên?");
  window.open("https://example.org/popup");
  setTimeout(() => {{ location.href = "/trang-khac"; }}, 50);
</script></body></html>"""
HANG = """<!doctype html><html lang="vi"><head><title>Treo</title></head><body><p>x</p>
<script>setTimeout(() => {{ while (true) {{}} }}, 20);</script></body></html>"""
CLEAN = """<!doctype html><html lang="vi"><head><title>Sạch</title></head><body><main><h1>Giới thiệu</h1>
<p>Trang này không có lỗi.</p></main></body></html>"""
MANY = """<!doctype html><html lang="vi"><head><title>Ảnh</title></head><body><main><h1>Ảnh</h1>
{images}</main></body></html>"""


def audit(browser: RenderBrowser, tasks: list[PageTask], allowance: Any = True, **kwargs: Any) -> \
        Awaitable[list[PageOutcome]]:
    return audit_pages(browser, tasks, allowance=allowance, user_agent="portal-audit-test", page_timeout=5,
                       tags=WCAG_TAGS, **kwargs)


def task(url: str, html: str) -> PageTask:
    return PageTask(url, html.encode("utf-8"), "text/html; charset=utf-8", "fp", "template")


def test_dialogs_popups_redirects_and_private_addresses_do_not_steer_the_audit(scripted_server: ScriptedServer):
    with ScriptedServer("127.0.0.2") as inside:
        page = task(f"{scripted_server.base}/tin", HOSTILE.format(inside=inside.base))
        loopback_only = (ipaddress.ip_network("127.0.0.1/32"),)
        outcomes = with_render_browser(lambda b: audit(b, [page], allowance=loopback_only))
        assert inside.hits == []  # the image on a private address outside the allowance was never requested
    (outcome,) = outcomes
    assert outcome.status == "ok", outcome.error
    rules = {v.rule for v in outcome.violations}
    # Still the audited document: its image without alt, and the meta refresh that moves the visitor.
    assert "image-alt" in rules and "meta-refresh" in rules
    assert scripted_server.hits == []  # the document came from the store; the redirect never left the tab


def test_a_page_that_hangs_the_renderer_costs_one_page_and_the_run_goes_on(scripted_server: ScriptedServer):
    tasks = [task(f"{scripted_server.base}/treo", HANG), task(f"{scripted_server.base}/sach", CLEAN)]

    async def go(browser: RenderBrowser) -> tuple[list[PageOutcome], int]:
        outcomes = await audit(browser, tasks, axe_timeout=3)
        return outcomes, browser.restarts

    (hung, clean), restarts = with_render_browser(go)
    assert hung.status == "timeout" and "restarted" in (hung.error or "")
    assert restarts == 1
    assert clean.status == "ok" and clean.violations == []


def test_node_lists_are_capped_but_counted(scripted_server: ScriptedServer):
    images = "\n".join(f'<img src="/a{i}.png" width="10" height="10">' for i in range(60))
    (outcome,) = with_render_browser(lambda b: audit(b, [task(f"{scripted_server.base}/anh",
                                                             MANY.format(images=images))]))
    image_alt = next(v for v in outcome.violations if v.rule == "image-alt")
    assert image_alt.count == 60 and len(image_alt.nodes) == 20
    assert all(len(n["html"]) <= 300 and n["selector"] for n in image_alt.nodes)


BAD_FRAME = '<html lang="vn"><head><title>Bản đồ</title></head><body><img src="/ghim.png"></body></html>'


def test_frames_from_another_origin_are_not_blamed_on_the_page(scripted_server: ScriptedServer):
    """A Google-Maps-like frame is someone else's page; a frame of the site itself is the site's."""
    with ScriptedServer() as foreign:
        foreign.page("/map", BAD_FRAME)
        scripted_server.page("/own-map", BAD_FRAME)
        html = (f'<!doctype html><html lang="vi"><head><title>Liên hệ</title></head><body><main><h1>Liên hệ</h1>'
                f'<iframe src="{foreign.base}/map" title="Bản đồ"></iframe>'
                f'<iframe src="/own-map" title="Bản đồ của sở"></iframe></main></body></html>')
        (outcome,) = with_render_browser(lambda b: audit(b, [task(f"{scripted_server.base}/lien-he", html)]))
        assert foreign.hits  # the frame was loaded, as a visitor sees it...
    nodes = [n["selector"] for v in outcome.violations for n in v.nodes]
    # ...but only the site's own frame is judged.
    assert nodes and all(">>>" in n for n in nodes), nodes
    assert {v.rule for v in outcome.violations} == {"html-lang-valid", "image-alt"}
    assert all(v.count == 1 for v in outcome.violations)
