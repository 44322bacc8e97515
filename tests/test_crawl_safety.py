"""The crawler never reaches a private address it was not allowed to, whatever a site links or redirects to."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import ScriptedServer


def registry(tmp_path: Path, url: str, allow: str) -> Path:
    path = tmp_path / "sites.yaml"
    path.write_text(f"""province: Test
defaults:
  allow_private_networks: {allow}
  delay: 0
  timeout: 3
  retries: 0
sites:
  - id: s
    name: "Trang thử"
    unit_type: other
    url: "{url}"
""", encoding="utf-8")
    return path


def test_loopback_site_is_refused_without_allowance(tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    scripted_server.page("/", "<html><title>x</title></html>")
    db = tmp_path / "a.db"
    result = cli("crawl", "--config", str(registry(tmp_path, scripted_server.base + "/", "false")),
                 "--db", str(db), "-q")
    assert result.returncode == 1, result.stderr
    assert scripted_server.hits == []
    rows = sqlite3.connect(db).execute("SELECT kind FROM fetch_errors").fetchall()
    assert ("blocked_private",) in rows
    site = sqlite3.connect(db).execute("SELECT status FROM sites").fetchone()
    assert site == ("unreachable",)


def test_links_and_redirects_into_other_private_addresses_are_never_followed(
        tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    with ScriptedServer("127.0.0.2") as inside:
        inside.page("/", "<html><title>intranet</title></html>")
        inside.page("/admin.pdf", "x")
        scripted_server.page("/", f"""<html lang="vi"><head><title>Trang chủ</title></head><body>
            <a href="/go">chuyển hướng</a> <a href="{inside.base}/">intranet</a>
            <a href="{inside.base}/admin.pdf">tài liệu</a> <a href="http://localhost:{inside.base.rsplit(':', 1)[1]}/">
            localhost</a> <a href="file:///etc/passwd">tệp</a> <a href="/ok">ok</a></body></html>""")
        scripted_server.page("/go", "", status=302, Location=inside.base + "/")
        scripted_server.page("/ok", "<html><title>ok</title></html>")
        db = tmp_path / "b.db"
        result = cli("crawl", "--config", str(registry(tmp_path, scripted_server.base + "/", '["127.0.0.1/32"]')),
                     "--db", str(db), "-q")
        assert result.returncode == 0, result.stdout + result.stderr
        assert inside.hits == []
    con = sqlite3.connect(db)
    kinds = {(url.replace(inside.base, "INSIDE"), kind) for url, kind in
             con.execute("SELECT url, kind FROM fetch_errors")}
    assert ("INSIDE/", "blocked_private") in kinds
    assert ("file:///etc/passwd", "blocked_scheme") in kinds
    pages = {r[0].replace(scripted_server.base, "") for r in con.execute("SELECT url FROM pages WHERE status=200")}
    assert pages == {"/", "/ok"}
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_export_of_a_small_crawl_validates(tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    scripted_server.page("/", '<html><title>Trang chủ</title><a href="/mat">mất</a><a href="/a.pdf">pdf</a></html>')
    db = tmp_path / "c.db"
    cli("crawl", "--config", str(registry(tmp_path, scripted_server.base + "/", '["127.0.0.1/32"]')),
        "--db", str(db), "-q")
    out = cli("export", "--db", str(db))
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    broken = {b["url"].replace(scripted_server.base, ""): b for b in doc["sites"][0]["broken_links"]}
    assert broken["/mat"]["status"] == 404 and broken["/mat"]["found_on"] == [scripted_server.base + "/"]
    assert broken["/a.pdf"]["status"] == 404
    csv_out = cli("export", "--db", str(db), "--format", "csv")
    assert csv_out.stdout.splitlines()[0] == "site_id,area,id,ref,outcome,url,selector,snippet,name_vi,reason_vi"
