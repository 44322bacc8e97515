#!/usr/bin/env python3
"""Cheap weekly re-crawls: time of a second crawl of an unchanged site into the same database, over the first.

Why: a province is crawled every week and most of its pages do not change. With conditional requests
(portal_audit/crawl/httpcache.py) an unchanged page costs a 304, and its facts are taken from the previous
run's stored page instead of being decoded and parsed again. The goal is a second run taking at most 0.3 of the
first one's time.

What it does:
1. generates and serves the site of ``crawl_throughput.py`` (2,051 pages of ~30 KB; the generator and the
   server helpers are shared: benchmarks/_site.py, benchmarks/_lib.py). nginx sends ``ETag`` and
   ``Last-Modified`` for static files and answers ``If-None-Match`` with 304; the Python fallback servers may
   not (then nothing is revalidated);
2. runs ``portal-audit crawl`` into a fresh database (run 1), then again into the SAME database (run 2, a new
   run of the unchanged site) and, for reference, once more with ``--no-cache`` (run 3, everything fetched
   and parsed again), each in its own subprocess, timed by wall clock with its peak RSS;
3. prints pages, 304s, seconds and the database size after each run (so the growth per run), optionally the
   hot spots of run 2 under cProfile (``--profile``, an extra run), and, as the very last line,
   ``recrawl_ratio: <run 2 seconds / run 1 seconds>``.

    .venv/bin/python benchmarks/recrawl.py                       # ~40 s
    .venv/bin/python benchmarks/recrawl.py --profile --keep /tmp/recrawl
"""

from __future__ import annotations

import argparse
import pstats
import re
import shutil
import sqlite3
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _lib as bench  # servers, measured subprocesses, the registry (benchmarks/_lib.py)
import _site as site_gen  # the generated portal all throughput benchmarks crawl

RATIO_GOAL = 0.3
_REVALIDATED = re.compile(r"unchanged since the previous run \(304\):.*\(total (\d+)")


@dataclass
class Run:
    label: str
    seconds: float
    cpu: float           # user + system CPU seconds of the crawl process (less sensitive to a busy machine)
    rss_mb: float
    returncode: int
    pages: int
    not_modified: int
    db_bytes: int
    log: Path


def db_size(db: Path) -> int:
    return sum(Path(f"{db}{suffix}").stat().st_size for suffix in ("", "-wal") if Path(f"{db}{suffix}").exists())


def crawl(command: list[str], registry: Path, db: Path, workdir: Path, label: str, *extra: str) -> Run:
    log = workdir / f"{label}.log"
    seconds, cpu, rss, rc = bench.measure_child(
        [*command, "crawl", "--config", str(registry), "--db", str(db), "-q", *extra], workdir, log)
    with sqlite3.connect(db) as con:
        run_id = con.execute("SELECT id FROM runs ORDER BY started_at DESC, id DESC").fetchone()[0]
        pages = con.execute("SELECT count(*) FROM pages WHERE run_id = ? AND status = 200", (run_id,)).fetchone()[0]
    con.close()
    found = _REVALIDATED.search(log.read_text(errors="replace"))
    return Run(label, seconds, cpu, rss, rc, pages, int(found.group(1)) if found else 0, db_size(db), log)


def profile(registry: Path, db: Path, workdir: Path) -> None:
    """One more re-crawl under cProfile (in a subprocess: Twisted's reactor runs once per process)."""
    out = workdir / "recrawl.prof"
    log = workdir / "profile.log"
    bench.measure_child([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "portal_audit", "crawl", "--config",
                     str(registry), "--db", str(db), "-q"], workdir, log)
    if not out.exists():
        print(f"profile failed, see {log}")
        return
    stats = pstats.Stats(str(out))
    print("\nre-crawl under cProfile (cumulative, top 25; cProfile slows everything down about 2x):")
    stats.sort_stats("cumulative").print_stats(25)
    print("portal_audit code only (tottime, top 15):")
    stats.sort_stats("tottime").print_stats(r"portal_audit|site_spider|sqlite", 15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=2000, help="number of articles (default 2000)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep the site, logs and database")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto")
    parser.add_argument("--repeat", type=int, default=1, help="first crawl + re-crawl pairs, medians (default 1)")
    parser.add_argument("--profile", action="store_true", help="profile one more re-crawl (cProfile)")
    parser.add_argument("--no-reference", action="store_true", help="skip run 3 (re-crawl with --no-cache)")
    args = parser.parse_args(argv)

    ready = bench.bench_prerequisites(args.server)
    if ready is None:
        return 2
    command, use_nginx = ready
    workdir = bench.make_workdir(args.keep, "portal-audit-recrawl-")
    server: bench.Server | None = None
    try:
        site = workdir / "site"
        if site.exists():
            shutil.rmtree(site)
        info = site_gen.generate_site(site, args.pages)
        server = bench.serve_site(site, workdir, use_nginx)
        registry = workdir / "registry.yaml"
        bench.write_registry(registry, server.base_url, max(3000, info.pages + 100))
        db = workdir / "recrawl.db"
        print(f"site: {info.pages} HTML pages, {info.total_bytes / 1e6:.1f} MB; server: {server.kind}: "
              f"{server.description}")
        print(f"work dir: {workdir}{' (kept)' if args.keep else ' (removed at the end)'}", flush=True)

        runs: list[Run] = []
        firsts: list[float] = []
        seconds: list[float] = []
        cpus: list[tuple[float, float]] = []
        for i in range(1, args.repeat + 1):
            # Each repeat starts from a fresh database: the re-crawl always follows exactly one earlier run.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            runs = [crawl(command, registry, db, workdir, "run1-first")]
            runs.append(crawl(command, registry, db, workdir, "run2-recrawl"))
            firsts.append(runs[0].seconds)
            seconds.append(runs[1].seconds)
            cpus.append((runs[0].cpu, runs[1].cpu))
            if args.repeat > 1:
                print(f"repeat {i}: first {runs[0].seconds:.2f} s, re-crawl {runs[1].seconds:.2f} s "
                      f"({runs[1].not_modified} 304s)", flush=True)
        if not args.no_reference:
            runs.append(crawl(command, registry, db, workdir, "run3-no-cache", "--no-cache"))
        print()
        header = f"{'run':<34} {'pages':>6} {'304s':>6} {'seconds':>8} {'CPU s':>6} {'pages/s':>8} {'RSS MB':>7} " \
                 f"{'DB MB':>7} {'DB +MB':>7}"
        print(header)
        print("-" * len(header))
        names = {"run1-first": "1 first crawl (fresh DB)", "run2-recrawl": "2 re-crawl, unchanged (same DB)",
                 "run3-no-cache": "3 re-crawl with --no-cache"}
        previous = 0
        for run in runs:
            print(f"{names[run.label]:<34} {run.pages:>6} {run.not_modified:>6} {run.seconds:>8.2f} {run.cpu:>6.2f} "
                  f"{run.pages / run.seconds if run.seconds else 0:>8.1f} {run.rss_mb:>7.1f} "
                  f"{run.db_bytes / 1e6:>7.1f} {(run.db_bytes - previous) / 1e6:>7.1f}")
            previous = run.db_bytes
        for run in runs:
            if run.returncode != 0 or run.pages < 0.5 * info.pages:
                tail = run.log.read_text(errors="replace")[-3000:]
                print(f"{run.label} exited {run.returncode} with {run.pages} pages; log {run.log}:\n{tail}",
                      file=sys.stderr)
                return 1
        if runs[1].not_modified == 0:
            print("warning: no 304 in the re-crawl; does the server send ETag/Last-Modified? (nginx does)")
        if args.profile:
            profile(registry, db, workdir)
        ratio = statistics.median(seconds) / statistics.median(firsts)
        print()
        if args.repeat > 1:
            print(f"medians of {args.repeat} repeats: first {statistics.median(firsts):.2f} s, re-crawl "
                  f"{statistics.median(seconds):.2f} s (the table shows the last repeat)")
        print("seconds = process wall-clock, start-up included; CPU s = its user + system time; DB +MB = growth of "
              "the database file (+WAL) by that run.")
        cpu_ratio = statistics.median(c[1] for c in cpus) / statistics.median(c[0] for c in cpus)
        print(f"CPU ratio run 2 / run 1: {cpu_ratio:.3f} (medians)")
        print(f"ratio run 2 / run 1: {ratio:.3f}   goal <= {RATIO_GOAL}: {'met' if ratio <= RATIO_GOAL else 'NOT met'}")
        print(f"recrawl_ratio: {ratio:.3f}")
        return 0
    finally:
        bench.stop_server(server)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
