#!/usr/bin/env python3
"""What hostile pages cost the browser stages: wall time, memory and log per case, against a clean page.

Why: a rendered page is untrusted code. Issue #16 asked that every page cost at most its deadline (a request
cap, a per-page deadline with a browser restart, popups and dialogs closed), that every connection pass the
guard proxy, and that a failure be one short log line. This measures it end to end.

What it does: for each case, one site (a home page whose script-built menu links to the case's page, plus the
page; ``render: all``, timeout 5 s, allow only 127.0.0.1/32) goes through ``portal-audit run --log`` in a child
process, while the process tree is sampled every 0.25 s: the tool's own peak RSS (VmHWM), the peak PSS of the
browser and its driver (shared pages counted once), the log's size, what the store recorded for the page
(render status, fetch error kind) and the connections canary listeners on 127.0.0.2 and [::1] received
(tests/canary.py; the "escape" case tries every way out of a browser). The clean case is the baseline; the
ratio column is each case's wall time over it. The last line is ``hostile_browser_max_wall_s: <worst case>``.

    .venv/bin/python benchmarks/hostile_browser.py            # ~5 min
    .venv/bin/python benchmarks/hostile_browser.py --case many --case huge
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from canary import HostileSite  # noqa: E402  (the test suite's canaries and ways out)
from conftest import ScriptedServer, one_site_registry  # noqa: E402
from proctree import run_sampled  # noqa: E402

CASES = {
    "clean": "<p>Trang này không có gì lạ.</p>",
    "many": "".join(f'<img src="/anh/{i}.png" alt="">' for i in range(10_000)),
    "huge": '<div><a href="/khong-co">liên kết</a></div>' * 1_300_000,
    "spin": "<script>setTimeout(() => { while (true) {} }, 10);</script>",
    "popups": "<script>for (let i = 0; i < 1000; i++) { window.open('/cua-so-' + i); }</script>",
    "alerts": "<script>for (;;) { alert(1); }</script>",
    "navigate": "<script>setInterval(() => { location.href = '/khac-' + Math.random(); }, 5);</script>",
    "escape": "",   # every way out of tests/canary.py, each its own page
}
HOME = """<html lang="vi"><head><title>Trang chủ</title></head><body><nav><ul id="menu"></ul></nav>
<main><h1>Trang chủ</h1></main><script>
  for (const path of {paths}) {{
    const a = document.createElement("a"); a.href = path; a.textContent = path;
    document.getElementById("menu").appendChild(a);
  }}
</script></body></html>"""


@dataclass
class Figures:
    case: str
    wall: float
    exit_code: int
    tool_mb: float
    browser_mb: float
    log_kb: float
    recorded: str
    canary_hits: int


def run_case(case: str, workdir: Path) -> Figures:
    with ScriptedServer() as server:
        hostile = HostileSite(server) if case == "escape" else None
        paths = hostile.paths if hostile else [f"/{case}"]
        if hostile is None:
            server.page(f"/{case}", f'<html lang="vi"><head><title>{case}</title></head><body><h1>{case}</h1>'
                                    f"{CASES[case]}</body></html>")
        server.page("/", HOME.format(paths=paths))
        registry = one_site_registry(workdir / f"{case}.yaml", server.base,
                                     "render: all, max_page_bytes: 60000000")
        db, log = workdir / f"{case}.db", workdir / f"{case}.log"
        command = [sys.executable, "-m", "portal_audit", "run", "--config", str(registry), "--db", str(db),
                   "--out", str(workdir / f"{case}-report"), "--log", str(log), "--quiet"]
        sampled = run_sampled(command)
        hits = sum(hostile.hits().values()) if hostile else 0
        if hostile:
            hostile.close()
    con = sqlite3.connect(db)
    try:
        renders = [status for url, status in con.execute("SELECT url, status FROM renders")
                   if not url.endswith(("/", "/robots.txt"))]
        errors = [kind for (kind,) in con.execute("SELECT kind FROM fetch_errors WHERE url != ?",
                                                  (f"{server.base}/khong-co",))]
    finally:
        con.close()
    recorded = ", ".join(f"{name} {k}×{n}" for name, items in (("axe", renders), ("error", errors))
                         for k in sorted(set(items)) if (n := items.count(k)))
    return Figures(case, sampled.wall, sampled.exit_code, sampled.tool_mb, sampled.browser_mb,
                   log.stat().st_size / 1024, recorded or "-", hits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="run only these (repeatable)")
    parser.add_argument("--keep", type=Path, help="keep databases and logs here")
    args = parser.parse_args(argv)
    if not shutil.which("chromium") and not os.environ.get("PORTAL_AUDIT_BROWSER"):
        print("no chromium: install it (apt-get install -y chromium) or set PORTAL_AUDIT_BROWSER", file=sys.stderr)
        return 2
    cases = ["clean", *[c for c in (args.case or list(CASES)) if c != "clean"]]
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="hostile-browser-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[Figures] = []
    try:
        for case in cases:
            results.append(run_case(case, workdir))
            r = results[-1]
            print(f"{r.case}: {r.wall:.1f} s", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    baseline = results[0].wall
    print(f"\n{'case':<10} {'wall s':>7} {'× clean':>8} {'exit':>4} {'tool MB':>8} {'browser MB':>10} "
          f"{'log KB':>7} {'canary':>6}  recorded")
    for r in results:
        print(f"{r.case:<10} {r.wall:>7.1f} {r.wall / baseline:>8.2f} {r.exit_code:>4} {r.tool_mb:>8.0f} "
              f"{r.browser_mb:>10.0f} {r.log_kb:>7.1f} {r.canary_hits:>6}  {r.recorded}")
    print(f"hostile_browser_max_wall_s: {max(r.wall for r in results):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
