#!/usr/bin/env python3
"""Crawl throughput of ``portal-audit crawl`` against a bare Scrapy ``CrawlSpider`` on the same local site.

Why this benchmark exists: portal-audit does much more per page than fetching it (canonical URLs, scope and
safety checks, encoding detection, page facts, link rows, zlib'd HTML in SQLite). On a 2-core machine Scrapy
itself is the bottleneck (one core, ~115-130 pages/s for a fetch-and-follow CrawlSpider, see
``/work/shared/spec/environment.md`` §5), so the only meaningful number is *relative*: how much of bare Scrapy's
speed the product keeps. The goal is a ratio of at least 0.8 and a peak RSS below 300 MB for portal-audit;
both are printed, never asserted, because the numbers vary about ±15% between runs on a shared machine.

What it does, in one run:

1. generates a deterministic (seeded) government-portal-like site: an index, ~50 category pages each
   linking ~40 articles, and ``--pages`` articles of ~30 KB of Vietnamese UTF-8 text with a realistic template;
2. serves it on 127.0.0.1 with nginx if installed (fastest, so the server never limits the crawler), else with
   Twisted's static web server (ships with Scrapy), else with a threaded ``http.server``;
3. runs (a) the baseline CrawlSpider and (b) ``portal-audit crawl``, each in its own subprocess, timing the
   process wall-clock and reading its exact peak RSS from ``os.wait4``;
4. prints a table and, as the very last line, ``crawl_ratio: <pages/s of b divided by pages/s of a>``.

Run it with the project's interpreter: ``.venv/bin/python benchmarks/crawl_throughput.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sqlite3
import statistics
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

# The generated site and the servers are shared with the other throughput benchmarks (benchmarks/_site.py, _lib.py).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _lib import (
    Server,
    choose_nginx,
    make_workdir,
    portal_audit_command,
    run_measured,
    serve_site,
    stop_server,
    write_registry,
)
from _site import SEED, generate_site

RSS_GOAL_MB = 300.0
RATIO_GOAL = 0.8

# --------------------------------------------------------------------------------------------------------------
# Measured runs
# --------------------------------------------------------------------------------------------------------------

@dataclass
class RunResult:
    label: str            # "a" or "b"
    pages: int            # HTML pages fetched with status 200
    seconds: float        # process wall-clock (start of the interpreter to exit)
    crawl_seconds: float | None  # as the crawler itself saw it (engine open to close), diagnostic only
    rss_mb: float         # peak resident set size of the process
    returncode: int
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0


def baseline_child(url: str, out: Path) -> None:
    """Child mode (a): the bare CrawlSpider, fetching and following links and nothing else; stats to ``out``."""
    from urllib.parse import urlsplit

    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor
    from scrapy.spiders import CrawlSpider, Rule

    # allow_domains would compare the netloc including the port and match nothing here (environment.md, pitfall 3).
    host_regex = rf"^https?://{re.escape(urlsplit(url).netloc)}/"

    class BaselineSpider(CrawlSpider):
        name = "baseline"
        start_urls = (url,)  # Scrapy 2.19 ignores start_requests(); start_urls goes through start()
        rules = (Rule(LinkExtractor(allow=host_regex), follow=True),)

    process = CrawlerProcess(settings={
        "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False, "COOKIES_ENABLED": False, "RETRY_ENABLED": False,
        "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
    })
    crawler = process.create_crawler(BaselineSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    out.write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")


def run_baseline(base_url: str, workdir: Path, tag: str) -> RunResult:
    """Run (a) in a fresh interpreter, so it never shares a reactor or warm caches with (b) or with us."""
    out = workdir / f"a-{tag}.stats.json"
    log = workdir / f"a-{tag}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-baseline", base_url, "--child-out", str(out)]
    seconds, rss, rc = run_measured(cmd, workdir, log)
    stats: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    pages = int(stats.get("downloader/response_status_count/200", 0))
    crawl = stats.get("elapsed_time_seconds")
    extra = {"responses": stats.get("response_received_count", 0),
             "errors": sum(v for k, v in stats.items() if k.startswith("downloader/exception_count"))}
    return RunResult("a", pages, seconds, float(crawl) if crawl is not None else None, rss, rc, log, extra)

def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return None


def run_portal_audit(command: list[str], registry: Path, workdir: Path, tag: str) -> RunResult:
    """Run (b) exactly as a user would, into a new database, and count what it stored rather than what it says."""
    db = workdir / f"b-{tag}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    log = workdir / f"b-{tag}.log"
    seconds, rss, rc = run_measured([*command, "crawl", "--config", str(registry), "--db", str(db)], workdir, log)
    pages, crawl, extra = 0, None, {}
    if db.exists():
        with sqlite3.connect(db) as conn:
            pages = conn.execute("SELECT count(*) FROM pages WHERE status = 200").fetchone()[0]
            extra["rows"] = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
            extra["errors"] = conn.execute("SELECT count(*) FROM fetch_errors").fetchone()[0]
            row = conn.execute("SELECT started_at, finished_at, status FROM sites LIMIT 1").fetchone()
            if row:
                crawl = _seconds_between(row[0], row[1])  # the store keeps whole seconds: ±1 s
                extra["site_status"] = row[2]
        conn.close()
    return RunResult("b", pages, seconds, crawl, rss, rc, log, extra)


# --------------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------------

LABELS = {"a": "(a) Scrapy CrawlSpider", "b": "(b) portal-audit crawl"}


def fmt_row(name: str, pages: float, seconds: float, pps: float, crawl: float | None, rss: float) -> str:
    crawl_txt = f"{crawl:8.1f}" if crawl is not None else f"{'-':>8}"
    return f"{name:<28} {pages:>6.0f} {seconds:>8.2f} {pps:>8.1f} {crawl_txt} {rss:>12.1f}"


def summarize(results: list[RunResult], label: str) -> tuple[float, float, float, float | None, float]:
    """Medians of pages, seconds, pages/s, crawl seconds and peak RSS for one crawler's runs."""
    rs = [r for r in results if r.label == label]
    crawls = [r.crawl_seconds for r in rs if r.crawl_seconds is not None]
    return (statistics.median(r.pages for r in rs), statistics.median(r.seconds for r in rs),
            statistics.median(r.pages_per_s for r in rs), statistics.median(crawls) if crawls else None,
            statistics.median(r.rss_mb for r in rs))


def failure_detail(result: RunResult, expected: int) -> str | None:
    """Why a run cannot be used for a ratio (crashed, or fetched almost nothing), with its log tail."""
    if result.returncode == 0 and result.pages >= 0.5 * expected:
        return None
    tail = result.log.read_text(errors="replace")[-3000:] if result.log.exists() else "(no log)"
    return (f"{LABELS[result.label]} exited {result.returncode} with {result.pages} pages of {expected} expected; "
            f"log {result.log}:\n{tail}")


# --------------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=2000, help="number of articles (default 2000); "
                        "the site also has an index and one category page per 40 articles")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each crawler, interleaved a/b then b/a; "
                        "medians are reported (default 1)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep the site, logs and databases")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto",
                        help="static server (default: nginx if installed, else python)")
    parser.add_argument("--baseline-only", action="store_true",
                        help="only run (a): calibrates a machine, or tests the generator without portal-audit")
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    # Child mode: this same file runs the baseline spider in a subprocess.
    parser.add_argument("--child-baseline", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pages < 1 or args.repeat < 1:
        parser.error("--pages and --repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate, serve, measure, report; the server and the temp dir are cleaned up whatever happens."""
    args = parse_args(argv)
    if args.child_baseline:
        baseline_child(args.child_baseline, args.child_out)
        return 0

    command: list[str] | None = None
    if not args.baseline_only:
        command = portal_audit_command()
        if command is None:
            print("portal-audit is not installed in this environment (pip install -e .), "
                  "or run with --baseline-only", file=sys.stderr)
            return 2
    use_nginx = choose_nginx(args.server)
    if use_nginx is None:
        return 2
    workdir = make_workdir(args.keep, "portal-audit-bench-")
    server: Server | None = None
    try:
        site = workdir / "site"
        if site.exists():
            shutil.rmtree(site)  # regenerate: a stale site from another --pages would skew the counts
        info = generate_site(site, args.pages, args.seed)
        server = serve_site(site, workdir, use_nginx)

        print(f"site: {info.pages} HTML pages (1 index, {info.categories} categories, {info.articles} articles), "
              f"{info.total_bytes / 1e6:.1f} MB, {info.total_bytes / info.pages / 1024:.1f} KiB/page average, "
              f"generated in {info.seconds:.2f} s")
        print(f"server: {server.kind}: {server.description} at {server.base_url}")
        registry = workdir / "registry.yaml"
        if command is not None:
            # 3000 as in the reference registry; larger --pages must not be cut by the page budget.
            write_registry(registry, server.base_url, max(3000, info.pages + 100))
            print(f"portal-audit: {' '.join(command)} crawl --config {registry.name} --db b-N.db")
        print(f"work dir: {workdir}{' (kept)' if args.keep else ' (removed at the end)'}")
        print(flush=True)

        results: list[RunResult] = []
        for i in range(1, args.repeat + 1):
            order = ("a", "b") if i % 2 else ("b", "a")  # ABBA...: drift (thermal, page cache) hits both alike
            for label in order:
                if label == "a":
                    result = run_baseline(server.base_url, workdir, str(i))
                elif command is not None:
                    result = run_portal_audit(command, registry, workdir, str(i))
                else:
                    continue
                results.append(result)
                more = ", ".join(f"{k} {v}" for k, v in result.extra.items())
                print(f"run {i} {LABELS[label]}: {result.pages} pages in {result.seconds:.2f} s = "
                      f"{result.pages_per_s:.1f} pages/s, peak RSS {result.rss_mb:.1f} MB, exit {result.returncode}"
                      f"{f' ({more})' if more else ''}", flush=True)
                problem = failure_detail(result, info.pages)
                if problem:
                    print(problem, file=sys.stderr)
                    return 1

        print()
        header = f"{'crawler':<28} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'crawl s':>8} {'peak RSS MB':>12}"
        print(header + (f"   (medians of {args.repeat} runs)" if args.repeat > 1 else ""))
        print("-" * len(header))
        a = summarize(results, "a")
        print(fmt_row(LABELS["a"], *a))
        if command is None:
            print()
            print("seconds = process wall-clock (start-up included); crawl s = engine open to close.")
            print(f"baseline_pages_per_s: {a[2]:.1f}")
            return 0
        b = summarize(results, "b")
        print(fmt_row(LABELS["b"], *b))
        ratio = b[2] / a[2] if a[2] else 0.0
        print()
        print("seconds = process wall-clock (start-up included); crawl s = as each crawler reports it "
              "(portal-audit stores whole seconds).")
        if abs(a[0] - b[0]) > 0.02 * info.pages:
            print(f"warning: the crawlers fetched different page counts ({a[0]:.0f} vs {b[0]:.0f}); "
                  "pages/s still compares, but check the logs")
        print(f"ratio b/a (pages/s): {ratio:.3f}   goal >= {RATIO_GOAL}: {'met' if ratio >= RATIO_GOAL else 'NOT met'}")
        print(f"peak RSS (b): {b[4]:.1f} MB   goal < {RSS_GOAL_MB:.0f} MB: "
              f"{'met' if b[4] < RSS_GOAL_MB else 'NOT met'}")
        print(f"crawl_ratio: {ratio:.3f}")
        return 0
    finally:
        stop_server(server)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
