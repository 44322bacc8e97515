"""Render-assisted discovery: JavaScript-built menus are followed in a real browser, safely, or said to be unseen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import ScriptedServer

from portal_audit.render.discover import has_empty_navigation

JS_MENU = """<html lang="vi"><head><title>Trang chủ</title></head><body>
<ul id="topmenu"></ul>
<img src="{inside}/tracker.png" alt="">
<script>
  for (const slug of ["quy-hoach", "mua-sam"]) {{
    const li = document.createElement("li"), a = document.createElement("a");
    a.href = "/Pages/" + slug + ".aspx"; a.textContent = slug; li.appendChild(a);
    document.getElementById("topmenu").appendChild(li);
  }}
</script>
<p><a href="/tin-tuc">Tin tức</a></p></body></html>"""


def test_empty_navigation_heuristic() -> None:
    assert has_empty_navigation(b'<ul id="topmenu"></ul><script>x()</script>', "text/html")
    assert not has_empty_navigation(b'<ul id="topmenu"><li><a href="/a">A</a></li></ul><script></script>', None)
    assert not has_empty_navigation(b'<nav></nav><p>no script</p>', None)


def registry(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "sites.yaml"
    path.write_text(f"""province: T
defaults: {{allow_private_networks: ["127.0.0.1/32"], delay: 0, timeout: 5, retries: 0}}
sites:
  - {{id: stc, name: "Sở Tài chính", unit_type: so_ban_nganh, url: "{url}/"}}
""", encoding="utf-8")
    return path


def test_js_menu_pages_are_found_by_rendering_and_private_subresources_are_blocked(
        tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    with ScriptedServer("127.0.0.2") as inside:
        scripted_server.page("/", JS_MENU.format(inside=inside.base))
        for path in ("/Pages/quy-hoach.aspx", "/Pages/mua-sam.aspx", "/tin-tuc"):
            scripted_server.page(path, f"<html><title>{path}</title><body>nội dung</body></html>")
        db = tmp_path / "a.db"
        result = cli("crawl", "--config", str(registry(tmp_path, scripted_server.base)), "--db", str(db), "-q")
        assert result.returncode == 0, result.stdout + result.stderr
        assert inside.hits == []  # the page's <img> on a non-allowed private address was never requested
    con = sqlite3.connect(db)
    via = {url.replace(scripted_server.base, ""): v for url, v in con.execute("SELECT url, via FROM pages")}
    assert via["/tin-tuc"] == "crawl"
    assert via["/Pages/quy-hoach.aspx"] == "render" and via["/Pages/mua-sam.aspx"] == "render"
    status = con.execute("SELECT render_status, pages_ok FROM sites").fetchone()
    assert status[0].startswith("done: 2 page") and status[1] == 4


def test_without_a_browser_the_site_says_javascript_navigation_was_not_seen(
        tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    scripted_server.page("/", JS_MENU.format(inside="http://127.0.0.2:9"))
    db = tmp_path / "b.db"
    result = cli("crawl", "--config", str(registry(tmp_path, scripted_server.base)), "--db", str(db), "-q",
                 env={"PORTAL_AUDIT_BROWSER": "/nonexistent/chromium", "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    con = sqlite3.connect(db)
    render_status = con.execute("SELECT render_status FROM sites").fetchone()[0]
    assert render_status.startswith("unavailable: ")
    assert con.execute("SELECT count(*) FROM pages WHERE via = 'render'").fetchone()[0] == 0
    audit = cli("audit", "--db", str(db), "--checklist", "decree-43-2011")
    assert audit.returncode == 0, audit.stderr
    reasons = [r[0] for r in con.execute("SELECT reason FROM findings WHERE outcome IN ('failed', 'partial')")]
    assert reasons and all("JavaScript was not rendered" in r for r in reasons)


JS_DOCUMENTS = """<html lang="vi"><head><title>Trang chủ</title></head><body>
<ul id="topmenu"></ul>
<script>
  const items = [["/Pages/van-ban.aspx", "Văn bản"], ["/files/ke-hoach-2026.pdf", "Kế hoạch"],
                 ["/files/bao-cao-mat.pdf", "Báo cáo"], ["{other}/cong-dich-vu", "Dịch vụ công"],
                 ["{other}/da-doi-dia-chi", "Sở cũ"]];
  for (const [href, text] of items) {
    const li = document.createElement("li"), a = document.createElement("a");
    a.href = href; a.textContent = text; li.appendChild(a);
    document.getElementById("topmenu").appendChild(li);
  }
</script>
<p><a href="/tin-tuc">Tin tức</a></p></body></html>"""


def test_documents_and_links_elsewhere_seen_only_in_a_script_built_menu_are_labelled_and_checked(
        tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    """The spider never saw these links; the crawl must still check them and find the broken ones."""
    scripted_server.page("/tin-tuc", "<html><title>Tin tức</title><body>tin</body></html>")
    scripted_server.page("/Pages/van-ban.aspx", '<html><title>Văn bản</title><body><a href="/files/quy-dinh.docx">'
                                                'Quy định</a></body></html>')
    scripted_server.page("/files/ke-hoach-2026.pdf", "%PDF-1.4", **{"Content-Type": "application/pdf"})
    scripted_server.page("/files/quy-dinh.docx", "PK", **{"Content-Type": "application/msword"})
    # /files/bao-cao-mat.pdf is not served: 404
    db = tmp_path / "d.db"
    with ScriptedServer() as other:   # another site: the same address, another port
        other.page("/cong-dich-vu", "<html><title>DVC</title></html>")   # /da-doi-dia-chi: 404
        scripted_server.page("/", JS_DOCUMENTS.replace("{other}", other.base))
        result = cli("crawl", "--config", str(registry(tmp_path, scripted_server.base)), "--db", str(db), "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    con = sqlite3.connect(db)
    base = scripted_server.base
    checks = {url.replace(other.base, ""): status for url, status in con.execute("SELECT url, status FROM link_checks")}
    assert checks == {"/cong-dich-vu": 200, "/da-doi-dia-chi": 404}
    assert sorted(other.hits) == ["/cong-dich-vu", "/da-doi-dia-chi"]   # once each
    documents = {url.replace(base, ""): (status, found_on.replace(base, "")) for url, status, found_on in
                 con.execute("SELECT url, status, found_on FROM documents")}
    assert documents == {"/files/ke-hoach-2026.pdf": (200, "/"), "/files/bao-cao-mat.pdf": (404, "/"),
                         "/files/quy-dinh.docx": (200, "/Pages/van-ban.aspx")}
    kinds = {(a.replace(base, ""), b.replace(base, "")): kind for a, b, kind in
             con.execute("SELECT from_url, to_url, kind FROM links")}
    assert kinds[("/", "/files/bao-cao-mat.pdf")] == "document"
    assert kinds[("/", other.base + "/da-doi-dia-chi")] == "external"
    assert kinds[("/Pages/van-ban.aspx", "/files/quy-dinh.docx")] == "document"   # labelled as the spider labels
    assert con.execute("SELECT render_status FROM sites").fetchone()[0].endswith(
        "3 document(s) linked only from rendered pages checked, "
        "2 link(s) to other sites seen only in rendered pages checked")
    assert not [h for h in scripted_server.hits if h.endswith((".pdf", ".docx"))
                and scripted_server.hits.count(h) > 1]  # each checked once, by HEAD
    audit = cli("audit", "--db", str(db), "--checklist", "technical")
    assert audit.returncode == 0, audit.stderr
    for item, broken in (("tech.broken-documents", "bao-cao-mat.pdf"),
                         ("tech.broken-external-links", "da-doi-dia-chi")):
        outcome, evidence = con.execute("SELECT outcome, evidence FROM findings WHERE item_id = ?",
                                        (item,)).fetchone()
        assert outcome == "failed" and broken in evidence, item
