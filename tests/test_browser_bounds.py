"""The browser stages stay bounded on hostile pages: a request cap, a deadline per page, one short log line.

One site through `portal-audit run` (render: all, so discovery, axe and the speed loads all meet every page):
a page asking for 10,000 subresources, a 50 MB page on one line (the registry raises the size cap to let it
in), a page that opens 1,000 popups and one whose script never yields. The run must end, each page must be
accounted for, and the whole log (DEBUG, crawler included) must stay under 1 MB with no chained exceptions.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import ScriptedServer, one_site_registry

MANY = "".join(f'<img src="/anh/{i}.png" alt="">' for i in range(10_000))
HUGE = '<div><a href="/khong-co">liên kết</a></div>' * 1_300_000   # ~52 MB, one line
POPUPS = "<script>for (let i = 0; i < 1000; i++) { window.open('/cua-so-' + i); }</script>"
SPIN = "<script>setTimeout(() => { while (true) {} }, 10);</script>"
HOME = """<html lang="vi"><head><title>Trang chủ</title></head><body><a href="/lon">Trang lớn</a>
<nav><ul id="menu"></ul></nav><main><h1>Trang chủ</h1></main><script>
  for (const path of ["/nhieu", "/cua-so", "/treo"]) {
    const a = document.createElement("a"); a.href = path; a.textContent = path;
    document.getElementById("menu").appendChild(a);
  }
</script></body></html>"""


def _page(title: str, body: str) -> str:
    return f'<html lang="vi"><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>'


def test_hostile_pages_cost_their_deadline_and_a_few_log_lines(tmp_path: Path, scripted_server: ScriptedServer,
                                                               cli) -> None:
    scripted_server.page("/", HOME)
    for path, title, body in (("/nhieu", "Nhiều ảnh", MANY), ("/lon", "Trang lớn", HUGE),
                              ("/cua-so", "Cửa sổ", POPUPS), ("/treo", "Treo", SPIN)):
        scripted_server.page(path, _page(title, body))
    config = one_site_registry(tmp_path / "sites.yaml", scripted_server.base,
                               "render: all, max_page_bytes: 60000000")
    log = tmp_path / "run.log"
    # Deadlines: discovery 2 × 5 + 10 s a page, axe 5 + 30 s a page, speed 5 + 15 s a load; five pages.
    result = cli("run", "--config", str(config), "--db", str(tmp_path / "a.db"), "--out", str(tmp_path / "out"),
                 "--log", str(log), "--quiet", timeout=420)
    assert result.returncode in (0, 1), result.stdout + result.stderr

    text = log.read_text(encoding="utf-8")
    assert log.stat().st_size < 1_000_000
    assert "Traceback" not in text and "TargetClosedError" not in text
    assert max(len(line) for line in text.splitlines()) < 2_000
    assert "/nhieu made more than 400 requests; the rest were refused" in text
    # Popups: window.open does nothing in a rendered page, and a popup that opens anyway is closed at once.
    assert not [hit for hit in scripted_server.hits if hit.startswith("/cua-so-")]
    assert sum(hit.startswith("/anh/") for hit in scripted_server.hits) <= 2 * 400 + 10_000  # speed loads live

    con = sqlite3.connect(tmp_path / "a.db")
    base = scripted_server.base
    stored = {url.replace(base, ""): via for url, via in con.execute("SELECT url, via FROM pages")}
    assert stored["/lon"] == "crawl" and stored["/nhieu"] == "render" and stored["/cua-so"] == "render"
    errors = {url.replace(base, ""): kind for url, kind in con.execute("SELECT url, kind FROM fetch_errors")}
    # The spinning page hangs the renderer before its body can be read: one timeout, then the site goes on.
    assert errors.get("/treo") == "timeout" or stored.get("/treo") == "render", (errors, stored)
    renders = {url.replace(base, ""): status for url, status in con.execute("SELECT url, status FROM renders")}
    assert renders["/"] == "ok" and renders["/nhieu"] == "ok" and renders["/cua-so"] == "ok"
    assert renders["/lon"] in ("ok", "timeout", "error", "crashed")
    speed = {(url.replace(base, ""), viewport): error for url, viewport, error in con.execute(
        "SELECT url, viewport, error FROM page_speed")}
    assert speed[("/", "desktop")] is None and speed[("/", "phone")] is None
