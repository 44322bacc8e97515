"""robots.txt answers as RFC 9309 §2.3.1 reads them, where Scrapy's middleware reads them all as "no rules".

Scrapy allows everything when robots.txt cannot be fetched (timeout, connection), when it answers a server
error (it parses the error page), and when it redirects (this crawler follows no redirects by itself, so the
middleware parsed the empty body of the 301). Here: redirects are followed, 4xx means no rules, a server error
or a network failure means nothing is crawled on the host, and a resumed run keeps the rules its interrupted
attempt read (a flaky CI run showed the resumed crawl fetching a disallowed page of the demo portal).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import Route, ScriptedServer, one_site_registry

HOME = """<html lang="vi"><head><title>Trang chủ</title></head><body>
<a href="/cong-khai">Công khai</a> <a href="/noi-bo/a">Nội bộ</a></body></html>"""
PAGE = "<html lang='vi'><head><title>{0}</title></head><body><p>{0}</p></body></html>"
RULES = b"User-agent: *\nDisallow: /noi-bo/\n"
TEXT = {"Content-Type": "text/plain"}


def _serve_site(server: ScriptedServer) -> None:
    server.page("/", HOME)
    server.page("/cong-khai", PAGE.format("Công khai"))
    server.page("/noi-bo/a", PAGE.format("Nội bộ"))


def _crawl(cli, tmp_path: Path, server: ScriptedServer, *extra: str, db: str = "a.db") -> sqlite3.Connection:
    registry = one_site_registry(tmp_path / "sites.yaml", server.base, "render: none")
    result = cli("crawl", "--config", str(registry), "--db", str(tmp_path / db), "-q", *extra)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return sqlite3.connect(tmp_path / db)


def _errors(con: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    return {url: (kind, detail) for url, kind, detail in con.execute("SELECT url, kind, detail FROM fetch_errors")}


def test_a_redirected_robots_txt_is_followed_and_obeyed(tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    _serve_site(scripted_server)
    scripted_server.routes["/robots.txt"] = Route(301, b"", headers={"Location": "/he-thong/robots.txt"})
    scripted_server.routes["/he-thong/robots.txt"] = Route(200, RULES, headers=TEXT)
    con = _crawl(cli, tmp_path, scripted_server)
    assert "/he-thong/robots.txt" in scripted_server.hits
    assert "/cong-khai" in scripted_server.hits
    assert "/noi-bo/a" not in scripted_server.hits
    assert _errors(con)[scripted_server.base + "/noi-bo/a"][0] == "robots"


def test_a_missing_robots_txt_means_no_rules(tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    _serve_site(scripted_server)  # /robots.txt answers 404
    con = _crawl(cli, tmp_path, scripted_server)
    assert {"/", "/cong-khai", "/noi-bo/a"} <= set(scripted_server.hits)
    assert con.execute("SELECT status FROM sites").fetchone() == ("ok",)


def test_a_server_error_on_robots_txt_means_crawl_nothing(tmp_path: Path, scripted_server: ScriptedServer,
                                                          cli) -> None:
    _serve_site(scripted_server)
    scripted_server.routes["/robots.txt"] = Route(503, "<html>Bảo trì</html>".encode())
    con = _crawl(cli, tmp_path, scripted_server)
    assert set(scripted_server.hits) <= {"/robots.txt"}, scripted_server.hits
    kind, detail = _errors(con)[scripted_server.base + "/"]
    assert (kind, "HTTP 503" in detail) == ("robots", True)
    assert con.execute("SELECT status FROM sites").fetchone() == ("unreachable",)


def test_a_robots_txt_that_times_out_means_crawl_nothing_and_keeps_its_kind(
        tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    _serve_site(scripted_server)
    scripted_server.routes["/robots.txt"] = Route(200, RULES, delay=7, headers=TEXT)   # the registry waits 5 s
    con = _crawl(cli, tmp_path, scripted_server)
    assert set(scripted_server.hits) <= {"/robots.txt"}, scripted_server.hits
    kind, detail = _errors(con)[scripted_server.base + "/"]
    assert kind == "timeout"   # a site that does not answer reads as one, for the report and the outage rule
    assert "robots.txt could not be read" in detail


def test_a_resumed_crawl_keeps_the_rules_its_first_attempt_read(tmp_path: Path, scripted_server: ScriptedServer,
                                                               cli) -> None:
    _serve_site(scripted_server)
    scripted_server.routes["/robots.txt"] = Route(200, RULES, headers=TEXT)
    con = _crawl(cli, tmp_path, scripted_server)
    # Make it an attempt interrupted after the home page: its links are known, nothing behind them was asked.
    # (a finished run is frozen by a trigger; the store puts it back when it opens the database)
    home = scripted_server.base + "/"
    con.execute("DROP TRIGGER runs_update_frozen")
    con.execute("UPDATE runs SET status = 'interrupted', finished_at = NULL")
    con.execute("UPDATE sites SET status = 'crawling', finished_at = NULL")
    con.execute("DELETE FROM pages WHERE url != ?", (home,))
    con.execute("DELETE FROM fetch_errors")
    con.execute("DELETE FROM links WHERE from_url != ?", (home,))
    con.commit()
    con.close()
    # Meanwhile the site's robots.txt breaks (a maintenance page that would read as "no rules"): the resumed
    # attempt neither asks for it again nor loses the rules.
    scripted_server.routes["/robots.txt"] = Route(200, b"<html><body>B\xe1\xba\xa3o tr\xc3\xac</body></html>")
    scripted_server.hits.clear()
    con = _crawl(cli, tmp_path, scripted_server, "--resume")
    assert "/cong-khai" in scripted_server.hits
    assert "/noi-bo/a" not in scripted_server.hits
    assert "/robots.txt" not in scripted_server.hits
    assert _errors(con)[scripted_server.base + "/noi-bo/a"][0] == "robots"
