"""Hostile answers to the crawler and hostile registries: bounded, named, never read as harmless.

A robots.txt larger than the page cap is read as Google reads it (the first 500 KiB), a compression bomb is
``too_large`` (and a robots.txt that is one means "disallow all"), and a registry's YAML aliases cannot
multiply a small file into gigabytes.
"""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest
from conftest import Route, ScriptedServer, one_site_registry

HOME = """<html lang="vi"><head><title>Trang chủ</title></head><body>
<a href="/cong-khai">Công khai</a> <a href="/noi-bo/a">Nội bộ</a> <a href="/bom">Bom</a></body></html>"""
PAGE = "<html lang='vi'><head><title>{0}</title></head><body><p>{0}</p></body></html>"
BOMB = gzip.compress(b" " * 30_000_000, compresslevel=9)   # ~30 KB on the wire, 30 MB unpacked


def _registry(tmp_path: Path, url: str) -> Path:
    return one_site_registry(tmp_path / "sites.yaml", url, "render: none, max_page_bytes: 1000000")


def _serve_site(server: ScriptedServer) -> None:
    server.page("/", HOME)
    server.page("/cong-khai", PAGE.format("Công khai"))
    server.page("/noi-bo/a", PAGE.format("Nội bộ"))
    server.routes["/bom"] = Route(200, BOMB, headers={"Content-Type": "text/html; charset=utf-8",
                                                      "Content-Encoding": "gzip"})


@pytest.mark.parametrize("lines", [10_000, 40_000], ids=["800-KB-under-the-page-cap", "3-MB-over-the-page-cap"])
def test_a_robots_txt_over_500_kib_is_read_up_to_there_and_obeyed(
        lines: int, tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    _serve_site(scripted_server)
    # The rules first, then lines nobody reads (the page cap is 1 MB: Google reads 500 KiB of any robots.txt).
    robots = "User-agent: *\nDisallow: /noi-bo/\n" + ("# padding " + "x" * 69 + "\n") * lines
    scripted_server.routes["/robots.txt"] = Route(200, robots.encode(), headers={"Content-Type": "text/plain"})
    db = tmp_path / "a.db"
    result = cli("crawl", "--config", str(_registry(tmp_path, scripted_server.base)), "--db", str(db), "-q")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "/noi-bo/a" not in scripted_server.hits
    assert "/cong-khai" in scripted_server.hits
    con = sqlite3.connect(db)
    refused = dict(con.execute("SELECT url, kind FROM fetch_errors"))
    assert refused[scripted_server.base + "/noi-bo/a"] == "robots"
    # The decompression bomb is recorded as too large, not as "other".
    assert refused[scripted_server.base + "/bom"] == "too_large"


def test_a_robots_txt_that_cannot_be_read_within_the_cap_means_disallow_all(
        tmp_path: Path, scripted_server: ScriptedServer, cli) -> None:
    _serve_site(scripted_server)
    scripted_server.routes["/robots.txt"] = Route(200, BOMB, headers={"Content-Type": "text/plain",
                                                                      "Content-Encoding": "gzip"})
    db = tmp_path / "b.db"
    result = cli("crawl", "--config", str(_registry(tmp_path, scripted_server.base)), "--db", str(db), "-q")
    assert result.returncode == 1, result.stdout + result.stderr  # nothing could be crawled
    assert set(scripted_server.hits) <= {"/robots.txt", "/sitemap.xml"}, scripted_server.hits
    con = sqlite3.connect(db)
    assert con.execute("SELECT status FROM sites").fetchone() == ("unreachable",)
    assert {kind for (kind,) in con.execute("SELECT kind FROM fetch_errors")} == {"robots"}


def test_yaml_aliases_cannot_blow_a_registry_up(tmp_path: Path, cli) -> None:
    levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for name, previous in zip("bcdefgh", "abcdefg", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("province: T\n" + "\n".join(levels) + "\nsites: *h\n", encoding="utf-8")
    assert path.stat().st_size < 400
    for command in (["registry", "check", str(path)], ["run", "--config", str(path), "--db",
                                                       str(tmp_path / "x.db"), "--out", str(tmp_path / "out")]):
        result = cli(*command, timeout=30)
        assert result.returncode == 2, result.stdout + result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {path}:3: more than 50 YAML aliases"), line
    assert not (tmp_path / "x.db").exists()


def test_a_few_aliases_are_still_fine_and_wrong_types_are_errors(tmp_path: Path, cli) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text("""province: T
defaults: {timeout: 10, checklists: &lists [decree-224-2026, technical]}
sites:
  - {id: a, name: A, unit_type: dvc, url: "https://a.gov.vn/", checklists: *lists}
  - {id: b, name: B, unit_type: dvc, url: "https://b.gov.vn/", concurrency: true, delay: "2",
     autothrottle: "yes"}
""", encoding="utf-8")
    result = cli("registry", "check", str(path))
    assert result.returncode == 2
    problems = result.stderr.strip().splitlines()
    assert sorted(problems) == [f"error: {path}:5: sites[1].concurrency: Input should be a valid integer",
                                f"error: {path}:5: sites[1].delay: Input should be a valid number",
                                f"error: {path}:6: sites[1].autothrottle: Input should be a valid boolean"]
