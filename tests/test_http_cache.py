"""Cheap re-crawls: a second crawl into the same database revalidates the previous run's pages.

Unchanged pages cost a 304 and are stored exactly as a fresh fetch stores them; a changed page (new ETag) is
fetched again; a failure during revalidation is recorded, never hidden behind last week's copy; and the
private-address guard refuses before the cache is asked.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from conftest import Route, ScriptedServer, run_cli

FACTS = ("url", "final_url", "status", "content_type", "declared_encoding", "detected_encoding", "encoding_issue",
         "bytes", "depth", "referrer", "title", "lang", "template_fp", "redirects", "html_zlib", "via")
LAYOUT = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head><body>
<header id="dau-trang"><nav class="menu"><a href="/">Trang chủ</a> <a href="/a">Giới thiệu</a>
<a href="/b">Tin tức</a> <a href="/c">Thông báo</a> <a href="/d">Liên hệ</a> <a href="/e">Thống kê</a>
<a href="mailto:vanphong@example.vn">Thư</a> <a href="ftp://127.0.0.1/tai-lieu">FTP</a>
<a href="/tai-lieu/bao-cao.pdf">Báo cáo</a></nav></header>
<main class="noi-dung"><h1>{title}</h1><p>{text}</p></main></body></html>"""


class RevalidatingServer(ScriptedServer):
    """ScriptedServer that answers If-None-Match / If-Modified-Since with 304 and logs what each GET asked."""

    def __init__(self) -> None:
        super().__init__()
        self.conditions: list[tuple[str, str | None, str | None]] = []
        self.not_modified: list[str] = []
        server = self
        base: type[BaseHTTPRequestHandler] = self.httpd.RequestHandlerClass  # type: ignore[assignment]

        class Handler(base):  # type: ignore[valid-type,misc]
            def do_GET(self) -> None:
                etag, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                server.conditions.append((self.path, etag, since))
                route = server.routes.get(self.path)
                if route is not None and route.status == 200 and (
                        (etag is not None and etag == route.headers.get("ETag"))
                        or (etag is None and since is not None and since == route.headers.get("Last-Modified"))):
                    server.hits.append(self.path)
                    server.not_modified.append(self.path)
                    self.send_response(304)
                    if route.headers.get("ETag"):
                        self.send_header("ETag", route.headers["ETag"])
                    self.send_header("X-Revalidated", "yes")
                    self.end_headers()
                    return
                super().do_GET()

        self.httpd.RequestHandlerClass = Handler

    def asked(self, path: str) -> tuple[str | None, str | None]:
        """The validators the first GET of ``path`` carried (the crawler's; host facts send one more GET /)."""
        return next((e, s) for p, e, s in self.conditions if p == path)


@pytest.fixture
def server() -> Iterator[RevalidatingServer]:
    with RevalidatingServer() as srv:
        yield srv


def page(server: RevalidatingServer, path: str, title: str, **headers: str) -> None:
    server.page(path, LAYOUT.format(title=title, text=f"Nội dung trang {title}, cập nhật hằng tuần."), **headers)


def registry(tmp_path: Path, server: ScriptedServer, allow: bool = True) -> Path:
    config = tmp_path / "sites.yaml"
    allowed = 'allow_private_networks: ["127.0.0.1/32"], ' if allow else ""
    config.write_text(f"""province: Test
defaults: {{{allowed}delay: 0, concurrency: 4, autothrottle: false, retries: 0, check_external_links: false}}
sites:
  - {{id: so-a, name: "Sở A", unit_type: other, url: "{server.base}/"}}
""", encoding="utf-8")
    return config


def runs(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    ids = [r[0] for r in con.execute("SELECT id FROM runs ORDER BY started_at, id")]
    con.close()
    return ids


def stored(db: Path, run_id: str) -> dict[str, dict[str, Any]]:
    """Each stored page's facts, its headers without the per-response ones, and its link rows in order."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    out = {}
    for row in con.execute(f"SELECT {', '.join(FACTS)}, headers FROM pages WHERE run_id = ?", (run_id,)):
        facts = {k: row[k] for k in FACTS}
        headers = json.loads(row["headers"] or "{}")
        facts["headers"] = {k: v for k, v in headers.items() if k not in ("date", "x-revalidated")}
        facts["links"] = [tuple(r) for r in con.execute(
            "SELECT to_url, anchor, kind, rel FROM links WHERE run_id = ? AND from_url = ? ORDER BY rowid",
            (run_id, row["final_url"]))]
        out[row["url"].removeprefix(row["url"].split("/", 3)[0] + "//" + row["url"].split("/", 3)[2])] = facts
    con.close()
    return out


def test_second_crawl_revalidates_and_stores_the_same_facts(tmp_path: Path, server: RevalidatingServer) -> None:
    page(server, "/", "Trang chủ Sở A", ETag='"home-1"')
    page(server, "/a", "Giới thiệu", ETag='"a-1"', **{"Last-Modified": "Mon, 23 Nov 2026 08:00:00 GMT"})
    page(server, "/b", "Tin tức", **{"Last-Modified": "Tue, 24 Nov 2026 08:00:00 GMT"})
    page(server, "/c", "Thông báo tuần 47", ETag='"c-1"')
    page(server, "/d", "Liên hệ")  # no validator: always fetched in full
    page(server, "/e", "Thống kê", ETag='"e-1"')
    server.routes["/tai-lieu/bao-cao.pdf"] = Route(200, b"%PDF-1.4", 0.0, {"Content-Type": "application/pdf"})
    config, db = registry(tmp_path, server), tmp_path / "audit.db"

    first = run_cli("crawl", "--config", str(config), "--db", str(db), "-q")
    assert first.returncode == 0, first.stdout + first.stderr
    assert all(e is None and s is None for _, e, s in server.conditions)  # nothing to revalidate yet
    # This week: /c changed (new ETag, new text), /e is down.
    page(server, "/c", "Thông báo tuần 48", ETag='"c-2"')
    server.page("/e", "<html><title>Lỗi</title></html>", status=503)
    server.conditions.clear()

    second = run_cli("crawl", "--config", str(config), "--db", str(db), "-q")
    assert second.returncode == 0, second.stdout + second.stderr
    assert server.asked("/") == ('"home-1"', None)
    assert server.asked("/a") == ('"a-1"', "Mon, 23 Nov 2026 08:00:00 GMT")
    assert server.asked("/b") == (None, "Tue, 24 Nov 2026 08:00:00 GMT")
    assert server.asked("/c") == ('"c-1"', None)
    assert server.asked("/d") == (None, None)
    assert sorted(server.not_modified) == ["/", "/a", "/b"]
    # Same bytes, same portal-audit version: the previous run's facts are reused instead of parsing again.
    assert "unchanged since the previous run (304): so-a 3 (total 3; facts reused for 3)" in second.stdout
    run1, run2 = runs(db)
    before, after = stored(db, run1), stored(db, run2)
    for path in ("/", "/a", "/b", "/d"):
        assert after[path] == before[path], path
    assert after["/"]["headers"]["etag"] == '"home-1"'
    # The changed page was fetched again and its new content stored.
    assert before["/c"]["title"] == "Thông báo tuần 47"
    assert after["/c"]["title"] == "Thông báo tuần 48"
    assert after["/c"]["headers"]["etag"] == '"c-2"'
    # A server error during revalidation is this week's fact, not last week's copy.
    assert after["/e"]["status"] == 503
    con = sqlite3.connect(db)
    assert con.execute("SELECT status FROM sites WHERE run_id = ?", (run2,)).fetchone()[0] == "partial"
    counts = con.execute("SELECT pages, pages_ok, documents FROM sites ORDER BY run_id").fetchall()
    con.close()
    assert counts[0] == (counts[1][0], counts[1][1] + 1, counts[1][2])  # /e is stored, no longer a usable page

    # --no-cache: everything fetched and parsed afresh gives the same facts as the revalidated copies.
    server.page("/e", "<html><title>Lỗi</title></html>", status=503)
    server.conditions.clear()
    third = run_cli("crawl", "--config", str(config), "--db", str(db), "-q", "--no-cache")
    assert third.returncode == 0, third.stdout + third.stderr
    assert all(e is None and s is None for _, e, s in server.conditions)
    fresh = stored(db, runs(db)[2])
    for path in ("/", "/a", "/b", "/c", "/d"):
        assert fresh[path] == after[path], path


def test_cache_never_answers_for_a_refused_request(tmp_path: Path, server: RevalidatingServer) -> None:
    page(server, "/", "Trang chủ", ETag='"home-1"')
    page(server, "/a", "Giới thiệu", ETag='"a-1"')
    db = tmp_path / "audit.db"
    first = run_cli("crawl", "--config", str(registry(tmp_path, server)), "--db", str(db), "-q")
    assert first.returncode == 0, first.stdout + first.stderr
    hits = len(server.hits)
    # Same site, but loopback is no longer allowed: the guard refuses before the stored copy is even looked at.
    second = run_cli("crawl", "--config", str(registry(tmp_path, server, allow=False)), "--db", str(db), "-q")
    assert second.returncode == 1
    assert len(server.hits) == hits
    con = sqlite3.connect(db)
    run2 = con.execute("SELECT id FROM runs ORDER BY started_at DESC, id DESC").fetchone()[0]
    assert con.execute("SELECT count(*) FROM pages WHERE run_id = ?", (run2,)).fetchone()[0] == 0
    assert con.execute("SELECT kind FROM fetch_errors WHERE run_id = ? AND url LIKE '%/'", (run2,)).fetchone() == (
        "blocked_private",)
    con.close()
