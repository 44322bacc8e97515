#!/usr/bin/env python3
"""What each hostile site of the test province costs a whole run, and what the run recorded for each case.

Why: issue #15 asked that every hostile answer (slow, endless, bombs, absurd markup, forbidden redirects,
sitemap entity attacks, a 50 MB robots.txt, URL families, header floods, script payloads) be bounded by the
configured timeout × retries, keep the tool under 500 MB, contact no forbidden address and be recorded with
a kind a webmaster can act on. tests/test_hostile_sites.py asserts it; this prints the figures.

What it does: it serves tests/hostile_province.py's sites, plus a clean site of five ordinary pages as the
baseline, on 127.0.0.1 (tests/hostile_server.py), and runs ``portal-audit run`` once per site in a child
process (timeout 5 s, no retries, only 127.0.0.1/32 allowed, the site's own render mode, markup rendered
too) while tests/proctree.py samples the tool's peak RSS and the browser tree's peak PSS. Table 1, per site:
wall time, its ratio to the clean site, exit code, memory, log size, connections the canaries on 127.0.0.2
and [::1] received, requests the server answered, pages stored. Table 2, per case: requests, the longest
time the server held one connection open (and whether the crawler hung up first), and what the store
recorded: fetch error kinds, or the stored page's status and encoding issue. The last line is
``hostile_max_wall_s: <slowest site>``.

    .venv/bin/python benchmarks/hostile.py                     # ~4 min
    .venv/bin/python benchmarks/hostile.py --site slow --site bombs --keep /tmp/hostile
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile_province import HostileProvince, HostileSiteSpec, build  # noqa: E402  (the test suite's province)
from hostile_server import HostileServer, html_page  # noqa: E402
from proctree import run_sampled  # noqa: E402

TIMEOUT_S = 5          # the province's configured timeout (retries: 0), see HostileProvince.registry_yaml
RUN_LIMIT_S = 900


@dataclass
class SiteFigures:
    site: str
    wall: float
    exit_code: int
    tool_mb: float
    browser_mb: float
    log_kb: float
    canary: int
    served: int
    stored: int
    cases: list[tuple[str, int, float, str, str]] = field(default_factory=list)  # path, hits, hold, who, recorded


def add_clean_site(province: HostileProvince) -> None:
    """The baseline: a home page and five ordinary pages, served like every hostile site."""
    pages = {f"/tin-{i}": html_page(f"Tin {i}", "<p>Thông báo lịch tiếp công dân.</p>" * 20) for i in range(1, 6)}
    links = "".join(f'<li><a href="{p}">Tin {i}</a></li>' for i, p in enumerate(pages, 1))
    routes = {"/": html_page("Sở clean", f"<nav><ul>{links}</ul></nav>"), **pages}
    province.specs["clean"] = HostileSiteSpec("clean", routes)
    province.sites["clean"] = province.server.site("clean", routes)


def recorded(con: sqlite3.Connection, site: str, url: str) -> str:
    kinds = sorted({k for (k,) in con.execute("SELECT kind FROM fetch_errors WHERE site_id=? AND url=?",
                                              (site, url))})
    if kinds:
        return ", ".join(kinds)
    row = con.execute("SELECT status, encoding_issue FROM pages WHERE site_id=? AND url=?", (site, url)).fetchone()
    if row:
        return f"stored {row[0]}" + (f", {row[1]}" if row[1] else "")
    row = con.execute("SELECT kind, status, bytes, error FROM site_files WHERE site_id=? AND url=?",
                      (site, url)).fetchone()
    if row:   # robots.txt and sitemaps are site files, not pages
        return f"{row[0]} {row[1]}, {row[2] or 0:,} bytes kept" + (f", {row[3][:60]}" if row[3] else "")
    return "-"


def run_site(province: HostileProvince, site: str, workdir: Path) -> SiteFigures:
    server = province.server
    registry = workdir / f"{site}.yaml"
    registry.write_text(province.registry_yaml(only=[site]), encoding="utf-8")
    db, log = workdir / f"{site}.db", workdir / f"{site}.log"
    canary_before = province.canary_hits()
    served_before = sum(n for (s, _), n in server.hits.items() if s == site)
    command = [sys.executable, "-m", "portal_audit", "run", "--config", str(registry), "--db", str(db),
               "--out", str(workdir / f"{site}-report"), "--log", str(log), "--quiet"]
    sampled = run_sampled(command, timeout=RUN_LIMIT_S)
    base = province.sites[site]
    con = sqlite3.connect(db)
    try:
        stored = con.execute("SELECT count(*) FROM pages WHERE site_id=?", (site,)).fetchone()[0]
        figures = SiteFigures(site, sampled.wall, -9 if sampled.timed_out else sampled.exit_code,
                              sampled.tool_mb, sampled.browser_mb, log.stat().st_size / 1024,
                              province.canary_hits() - canary_before,
                              sum(n for (s, _), n in server.hits.items() if s == site) - served_before, stored)
        cases = [p for p in province.specs[site].routes if p != "/"]
        for path in cases:
            holds = server.held.get((site, path), [])
            longest = max(holds, key=lambda h: h.seconds, default=None)
            who = "-" if longest is None else ("crawler" if longest.client_closed else "server")
            figures.cases.append((path, server.hits.get((site, path), 0), longest.seconds if longest else 0.0,
                                  who, recorded(con, site, base + path)))
        # what was refused or failed elsewhere: redirect targets on forbidden addresses, links found on the pages
        elsewhere: dict[str, set[str]] = {}
        for url, kind in con.execute("SELECT url, kind FROM fetch_errors WHERE site_id=?", (site,)):
            path = url[len(base):] if url.startswith(base) else url
            if path not in cases:
                elsewhere.setdefault(kind, set()).add(path)
        for kind, urls in sorted(elsewhere.items()):
            figures.cases.append((f"(other URLs: {len(urls)})", 0, 0.0, "-", kind))
    finally:
        con.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", action="append", help="run only these hostile sites (repeatable)")
    parser.add_argument("--keep", type=Path, help="keep registries, databases, logs and reports here")
    args = parser.parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="hostile-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = HostileServer(lifetime=RUN_LIMIT_S * 12)
    province = build(server)
    add_clean_site(province)
    unknown = set(args.site or []) - set(province.sites)
    if unknown:
        province.close()
        print(f"unknown site(s) {sorted(unknown)}; choose from {sorted(province.sites)}", file=sys.stderr)
        return 2
    sites = ["clean", *[s for s in (args.site or list(province.sites)) if s != "clean"]]
    results: list[SiteFigures] = []
    try:
        for site in sites:
            results.append(run_site(province, site, workdir))
            print(f"{site}: {results[-1].wall:.1f} s", flush=True)
    finally:
        province.close()
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    baseline = results[0].wall
    print(f"\n{'site':<10} {'wall s':>7} {'× clean':>8} {'exit':>4} {'tool MB':>8} {'browser MB':>10} "
          f"{'log KB':>7} {'canary':>6} {'served':>6} {'stored':>6}")
    for r in results:
        print(f"{r.site:<10} {r.wall:>7.1f} {r.wall / baseline:>8.2f} {r.exit_code:>4} {r.tool_mb:>8.0f} "
              f"{r.browser_mb:>10.0f} {r.log_kb:>7.1f} {r.canary:>6} {r.served:>6} {r.stored:>6}")
    print(f"\n{'site':<10} {'case':<34} {'hits':>5} {'held s':>7} {'hung up':>8} {f'≤{TIMEOUT_S} s':>5}  recorded")
    for r in results:
        for path, hits, held, who, what in r.cases:
            within = "-" if who == "-" else ("yes" if held <= TIMEOUT_S + 1 else "NO")
            shown = path if len(path) <= 34 else path[:31] + "..."
            print(f"{r.site:<10} {shown:<34} {hits:>5} {held:>7.1f} {who:>8} {within:>5}  {what}")
    print(f"hostile_max_wall_s: {max(r.wall for r in results):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
