"""The demo province: loopback-only servers whose behaviour matches the answer keys other tests rely on."""

from __future__ import annotations

import http.client
import random
import socket
import ssl
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
import yaml

from portal_audit.demo.server import DEMO_DIR, HOSTS, HTTPS_HOSTS, DemoProvince
from portal_audit.demo.tools.build_assets import DOCUMENTS, LEGACY_PAGES, SRC, legacy_bytes
from portal_audit.demo.tools.expected_crawl import as_answer, expected
from portal_audit.demo.tools.legacy import decode_cp1258, decode_tcvn3

ANSWERS: dict[str, dict[str, Any]] = {
    p.stem: yaml.safe_load(p.read_text("utf-8")) for p in sorted((DEMO_DIR / "answers").glob("*.yaml"))
}
SITE_IDS = ["cong-tinh", "so-noi-vu", "so-y-te", "so-tai-chinh", "xa-dong-son", "cuc-thong-ke", "dich-vu-cong",
            "ubnd-huyen-cu"]
SERVED = [site for site in SITE_IDS if ANSWERS[site]["host"] in HOSTS]


@pytest.fixture(scope="module")
def demo() -> Any:
    with DemoProvince(base_port=0) as province:
        yield province


def connect(url: str, timeout: float = 5.0) -> http.client.HTTPConnection:
    """A connection to the URL's host; certificates are not checked (the expired host must still serve)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout,
                                           context=ssl._create_unverified_context())
    return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)


def request(url: str, method: str = "GET", timeout: float = 5.0, limit: int | None = None
            ) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed; ``limit`` stops reading a long body early."""
    parts = urlsplit(url)
    conn = connect(url, timeout)
    try:
        conn.request(method, (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        body = resp.read(limit) if limit else resp.read()
        return resp.status, headers, body
    finally:
        conn.close()


def site_url(demo: Any, site_id: str, path: str) -> str:
    return demo.urls[ANSWERS[site_id]["host"]].rstrip("/") + path


# --- serving -----------------------------------------------------------------------------------------


def test_binds_loopback_only_in_daemon_threads(demo: Any) -> None:
    assert set(demo.servers) == set(HOSTS)
    for server in demo.servers.values():
        assert server.server_address[0] == "127.0.0.1"
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in demo.urls.values())
    assert urlsplit(demo.closed_url).hostname == "127.0.0.1"
    assert demo.threads and all(thread.daemon for thread in demo.threads)


def test_home_pages_are_utf8_vietnamese(demo: Any) -> None:
    for host, url in demo.urls.items():
        status, headers, body = request(url)
        if status == 302:  # the SharePoint-like host redirects its root to the welcome page
            status, headers, body = request(url.rstrip("/") + headers["location"])
        assert status == 200, host
        assert headers["content-type"] == "text/html; charset=utf-8", host
        text = body.decode("utf-8")
        assert unicodedata.normalize("NFC", text) == text, host
        assert "Trường Giang" in text or "TRƯỜNG GIANG" in text, host


def test_placeholders_are_substituted(demo: Any) -> None:
    _, _, body = request(demo.urls["portal"])
    assert b"{{" not in body
    for host in ("dvc", "soyte", "sotaichinh", "xa"):
        assert demo.urls[host].encode() in body
    assert demo.closed_url.encode() in body
    _, _, robots = request(demo.urls["portal"] + "robots.txt")
    assert f"Sitemap: {demo.urls['portal']}sitemap.xml".encode() in robots


@pytest.mark.parametrize("site_id", SERVED)
def test_every_expected_page_answers_200_html_without_placeholders(demo: Any, site_id: str) -> None:
    for path in ANSWERS[site_id]["crawl"]["pages_ok_paths"]:
        status, headers, body = request(site_url(demo, site_id, path))
        assert status == 200, path
        assert headers["content-type"].startswith("text/html"), path
        assert b"{{" not in body, path


def test_slow_page_really_delays(demo: Any) -> None:
    with pytest.raises(TimeoutError):
        request(demo.urls["xa"] + "node/7", timeout=0.5)


def test_server_errors_and_redirect_loop(demo: Any) -> None:
    base = demo.urls["xa"]
    for path in ("node/12", "node/15"):
        status, _, body = request(base + path)
        assert status == 500 and b"PDOException" in body
    assert request(base + "node/99")[1]["location"] == "/node/98"
    assert request(base + "node/98")[1]["location"] == "/node/99"
    status, headers, _ = request(demo.urls["portal"] + "chuyen-huong-noi-bo")
    assert (status, headers["location"]) == (302, "http://192.168.1.1/")


def test_oversized_pages_with_and_without_length(demo: Any) -> None:
    status, headers, head = request(demo.urls["xa"] + "node/20", limit=65_536)
    assert status == 200 and headers["content-length"] == "8000000" and head.startswith(b"<!DOCTYPE html>")
    conn = connect(demo.urls["xa"])
    try:
        conn.request("GET", "/node/21")
        resp = conn.getresponse()
        assert resp.getheader("Content-Length") is None
        received = 0
        while received <= 2_000_000:
            chunk = resp.read(262_144)
            assert chunk, "the close-delimited page ended before the 2 MB cap"
            received += len(chunk)
    finally:
        conn.close()


def test_calendar_links_weeks_for_ever(demo: Any) -> None:
    base = demo.urls["portal"] + "web/guest/lich-cong-tac"
    _, _, body = request(base + "?ngay=2026-11-25")
    text = body.decode("utf-8")
    assert "?ngay=2026-11-16" in text and "?ngay=2026-11-30" in text  # weeks before and after Mon 23/11
    assert "?ngay=2099-12-28" in text and "?ngay=1999-01-04" in text
    _, _, far = request(base + "?ngay=2150-06-03")
    assert b"?ngay=2150-06-08" in far
    status, _, today = request(base)
    assert status == 200 and b"Tu\xe1\xba\xa7n sau" in today  # "Tuần sau"


def test_pagination_and_repeated_segments_never_end(demo: Any) -> None:
    _, _, body = request(demo.urls["xa"] + "thong-bao?page=1000")
    assert b'href="/thong-bao?page=1001"' in body
    status, _, deep = request(demo.urls["xa"] + "tin-tuc/tin-tuc/tin-tuc/tin-tuc/")
    assert status == 200 and b'href="tin-tuc/"' in deep


def test_login_wall_and_session_ids(demo: Any) -> None:
    status, headers, _ = request(demo.urls["dvc"] + "ho-so-cua-toi")
    assert (status, headers["location"]) == (302, "/dang-nhap?ReturnUrl=%2Fho-so-cua-toi")
    status, _, _ = request(demo.urls["sotaichinh"] + "Pages/tin-tuc.aspx;jsessionid=A81F3C0D2E9B47C6")
    assert status == 200


def test_private_names_and_path_traversal_are_not_served(demo: Any) -> None:
    for path in ("_routes.yaml", "_layout.html", "..%2f..%2fserver.py", "%2e%2e/server.py"):
        assert request(demo.urls["portal"] + path)[0] == 404, path


# --- encodings -------------------------------------------------------------------------------------------


def _encoding(site_id: str, url: str) -> dict[str, Any]:
    return next(e for e in ANSWERS[site_id]["crawl"]["encoding"] if e["url"] == url)


def test_windows_1258_page_decodes_to_the_answer_key_title(demo: Any) -> None:
    entry = next(e for e in ANSWERS["so-y-te"]["crawl"]["encoding"] if e["declared"] == "windows-1258")
    _, headers, body = request(site_url(demo, "so-y-te", entry["url"]))
    assert headers["content-type"] == "text/html; charset=windows-1258"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = decode_cp1258(body)
    assert f"<title>{entry['title']}</title>" in text
    assert "\u0301" in body.decode("cp1258")  # tones really are combining marks


def test_misdeclared_and_undeclared_pages(demo: Any) -> None:
    for entry in ANSWERS["so-y-te"]["crawl"]["encoding"]:
        if entry.get("actual") != "utf-8":
            continue
        _, headers, body = request(site_url(demo, "so-y-te", entry["url"]))
        assert headers["content-type"] == entry["header"]
        assert f"<title>{entry['title']}</title>" in body.decode("utf-8")


def test_tcvn3_page_is_legacy_font_encoded(demo: Any) -> None:
    entry = ANSWERS["so-tai-chinh"]["crawl"]["encoding"][0]
    _, headers, body = request(site_url(demo, "so-tai-chinh", entry["url"]))
    assert headers["content-type"] == "text/html; charset=windows-1252"
    assert b'face=".VnTime"' in body
    assert "Tài chính" not in body.decode("cp1252")  # read as declared, it is gibberish
    assert entry["title_tcvn3_decoded"] in decode_tcvn3(body)


def test_generated_files_match_their_sources() -> None:
    for source, host, rel, encoder in LEGACY_PAGES:
        served = (DEMO_DIR / "hosts" / host / rel).read_bytes()
        assert served == legacy_bytes((SRC / source).read_text("utf-8"), encoder), rel
    for host, rel, _ in DOCUMENTS:
        assert (DEMO_DIR / "hosts" / host / rel).is_file(), rel


def test_utf8_files_are_nfc_and_the_demo_is_small() -> None:
    legacy = {DEMO_DIR / "hosts" / host / rel for _, host, rel, _ in LEGACY_PAGES}
    total = 0
    for file in (DEMO_DIR).rglob("*"):
        if not file.is_file() or "__pycache__" in file.parts:
            continue
        total += file.stat().st_size
        assert " " not in file.name, file
        if file.suffix in (".html", ".yaml", ".css", ".svg", ".xml", ".txt") and file not in legacy:
            text = file.read_text("utf-8")
            assert unicodedata.normalize("NFC", text) == text, file
    assert total < 2_000_000


def test_every_fragment_starts_with_its_title() -> None:
    for file in (DEMO_DIR / "hosts").rglob("*.html"):
        head = file.read_bytes()[:400].lstrip()
        if file.name.startswith("_layout") or head.lower().startswith((b"<!doctype", b"<html")):
            continue
        assert head.startswith(b"<title>") and b"</title>" in head.split(b"\n", 1)[0], file


# --- registry and answer keys ------------------------------------------------------------------------


def test_registry_text_lists_all_eight_sites(demo: Any) -> None:
    text = demo.registry_text()
    assert "{{" not in text
    registry = yaml.safe_load(text)
    assert [s["id"] for s in registry["sites"]] == SITE_IDS
    assert registry["defaults"]["allow_private_networks"] == ["127.0.0.1/32"]
    dead = next(s for s in registry["sites"] if s["id"] == "ubnd-huyen-cu")["url"]
    parts = urlsplit(dead)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()


def test_write_registry(demo: Any, tmp_path: Path) -> None:
    written = demo.write_registry(tmp_path / "demo.sites.yaml")
    registry = yaml.safe_load(written.read_text("utf-8"))
    assert registry["province"] == "Tỉnh Trường Giang (demo)"
    ca_file = Path(registry["defaults"]["tls_ca_file"])
    assert ca_file == (tmp_path / "demo-ca.pem").resolve() and ca_file.read_bytes() == demo.ca_pem


def test_two_hosts_speak_https_with_certificates_of_the_demo_ca(demo: Any, tmp_path: Path) -> None:
    assert {k for k, url in demo.urls.items() if url.startswith("https://")} == set(HTTPS_HOSTS)
    assert demo.urls["dvc"].startswith("http://")  # level 3-4 services over plain http, on purpose
    trusting = ssl.create_default_context(cadata=demo.ca_pem.decode("ascii"))
    for key, kind in HTTPS_HOSTS.items():
        parts = urlsplit(demo.urls[key])
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
            if kind == "valid":
                with trusting.wrap_socket(sock, server_hostname=parts.hostname) as tls:
                    assert tls.version() in ("TLSv1.2", "TLSv1.3")
            else:
                with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
                    trusting.wrap_socket(sock, server_hostname=parts.hostname)
        assert request(demo.urls[key])[0] in (200, 302), key  # a client that does not verify is served


@pytest.mark.parametrize("site_id", SITE_IDS)
def test_answer_key_matches_an_independent_crawl(demo: Any, site_id: str) -> None:
    key = ANSWERS[site_id]
    assert key["site"] == site_id
    crawl = key["crawl"]
    registry = yaml.safe_load(demo.registry_text())
    prefixes = [t["prefix"] for t in crawl["traps"]]
    outcome = expected(registry, site_id, timeout=1.0)
    result = as_answer(outcome, prefixes)
    assert result["pages_ok_paths"] == crawl["pages_ok_paths"]
    assert result["pages_ok"] == crawl["pages_ok"] == len(crawl["pages_ok_paths"])
    assert result["fetch_errors"] == crawl["fetch_errors"]
    assert result["documents"] == crawl["documents"]
    for trap in crawl["traps"]:
        crawled = [p for p in result["trap_pages"] if p.startswith(trap["prefix"])]
        assert trap["min_pages"] <= len(crawled) <= trap["max_pages"], trap["prefix"]
        assert not set(trap.get("refused", [])) & outcome.pages_ok
    assert not set(crawl["not_reachable_statically"]) & outcome.pages_ok


def _key_paths(key: dict[str, Any]) -> set[str]:
    """Every same-host path an answer key points at (pages, errors, documents, planted evidence)."""
    crawl, planted = key["crawl"], key["planted"]
    paths = set(crawl["pages_ok_paths"]) | set(crawl["not_reachable_statically"])
    paths |= {e["url"] for e in crawl["encoding"]} | {d["url"] for d in crawl["documents"]}
    for kind, values in crawl["fetch_errors"].items():
        paths |= {v["url"] if kind == "http" else v for v in values}
    paths |= {r["from"] for r in crawl["redirects"]}
    for section in planted.values():
        paths |= {entry["url"] for entry in section if isinstance(entry, dict) and "url" in entry}
    return {p for p in paths if p.startswith("/")}


@pytest.mark.parametrize("site_id", SERVED)
def test_answer_key_paths_exist_in_the_route_table(demo: Any, site_id: str) -> None:
    key = ANSWERS[site_id]
    site = demo.servers[key["host"]].site
    declared_404 = {d["url"] for d in key["crawl"]["documents"] if d["status"] == 404}
    declared_404 |= {e["url"] for e in key["crawl"]["fetch_errors"].get("http", []) if e["status"] == 404}
    for path in _key_paths(key):
        status = site.respond(path).status
        assert (status == 404) == (path in declared_404), (path, status)


@pytest.mark.parametrize("site_id", SERVED)
def test_accessibility_selectors_point_at_real_elements(demo: Any, site_id: str) -> None:
    for issue in ANSWERS[site_id]["planted"]["accessibility"]:
        _, _, body = request(site_url(demo, site_id, issue["url"]))
        root = lxml.html.document_fromstring(body)
        if "selector" in issue:
            assert root.cssselect(issue["selector"]), issue
        if "text" in issue:
            assert len([a for a in root.iter("a") if a.text_content().strip() == issue["text"]]) >= 2, issue


def test_services_declared_and_evidenced_levels(demo: Any) -> None:
    services = ANSWERS["dich-vu-cong"]["planted"]["services"]
    assert len(services) == 18
    mismatched = {s["url"].split("/")[5]: (s["declared_level"], s["evidenced_level"])
                  for s in services if s["declared_level"] != s["evidenced_level"]}
    assert mismatched == {"12886": (4, 3), "12888": (3, 2)}
    for service in services:
        _, _, body = request(demo.urls["dvc"].rstrip("/") + service["url"])
        main = lxml.html.document_fromstring(body).cssselect(".thu-tuc-chi-tiet")[0]
        assert bool(main.cssselect("section.thanh-toan")) == (service["evidenced_level"] == 4), service["url"]
        assert bool(main.cssselect("section.nop-truc-tuyen form")) == (service["evidenced_level"] >= 3)
        assert service["declared_label"] in main.text_content()


# --- stopping ------------------------------------------------------------------------------------------


def test_base_port_gives_consecutive_ports() -> None:
    for _ in range(5):
        base = random.randrange(20_000, 60_000, 10)
        try:
            province = DemoProvince(base_port=base).start()
        except OSError:
            continue
        try:
            assert [urlsplit(u).port for u in province.urls.values()] == list(range(base, base + len(HOSTS)))
            assert urlsplit(province.closed_url).port == base + len(HOSTS)
        finally:
            province.stop()
        return
    pytest.skip("no free range of ports found")


def test_stop_returns_while_a_slow_request_is_in_flight() -> None:
    province = DemoProvince().start()
    url = province.urls["xa"] + "node/7"
    outcome: list[OSError | None] = []

    def slow_client() -> None:
        try:
            request(url, timeout=30)
            outcome.append(None)
        except OSError as exc:  # any end is fine (reset, remote closed): the test is about stop()
            outcome.append(exc)

    serving = list(province.threads)
    assert all(t.daemon for t in serving) and all(s.daemon_threads for s in province.servers.values())
    client = threading.Thread(target=slow_client, daemon=True)
    client.start()
    time.sleep(0.3)
    started = time.monotonic()
    province.stop()
    assert time.monotonic() - started < 6  # well under the 8 s the handler would otherwise sleep
    client.join(timeout=5)
    assert outcome, "the in-flight request was left hanging"
    assert not province.servers and not province.threads
    assert not any(t.is_alive() for t in serving)
