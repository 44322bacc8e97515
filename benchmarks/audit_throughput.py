#!/usr/bin/env python3
"""Audit throughput of ``portal-audit audit`` over a stored crawl, measured against the crawl of the same pages.

Why this benchmark exists: the audit works from the store alone. It decompresses every stored page, parses it
once, runs the detectors of the chosen checklists and writes the findings. It must stay cheap next to the crawl,
or re-auditing a province (a new checklist, another ``--as-of`` day) becomes as slow as crawling it again. An
absolute pages/s figure mostly describes the machine, so the useful number is the *share*: audit time divided by
crawl time for the same pages. The goal is a share under 0.20. It is printed, never asserted, because crawl
times vary about ±15% between runs on a shared machine.

What it does, in one run:

1. generates the same deterministic 2,000-article site as ``crawl_throughput.py`` (about 30 KB of Vietnamese
   UTF-8 per page) and serves it on 127.0.0.1 with the same server choice. The generator and server helpers are
   shared (benchmarks/_site.py, benchmarks/_lib.py), not copied, so both benchmarks always measure the same site;
2. runs ``portal-audit crawl`` with the same one-site registry (no delay, no AutoThrottle, 32 concurrent
   requests, loopback allowed) into a fresh database, timing the subprocess wall clock;
3. runs ``portal-audit audit --checklist decree-43-2011 --checklist decree-224-2026`` on that database, timing
   the subprocess wall clock and reading its exact peak RSS from ``os.wait4``;
4. with ``--profile``, runs the same audit once more in this process under ``cProfile`` and prints the top
   entries by cumulative time, to show where the audit spends its time;
5. prints a table and, as the very last line, ``audit_share: <audit seconds / crawl seconds>``.

Run it with the project's interpreter: ``.venv/bin/python benchmarks/audit_throughput.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import re
import shutil
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# The site generator (_site.py), the servers and the measured-subprocess helper (_lib.py) are shared with the
# crawl benchmark: byte-identical sites and identical crawl settings.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _lib as bench  # servers, measured subprocesses, the registry (benchmarks/_lib.py)
import _site as site_gen  # the generated portal all throughput benchmarks crawl

CHECKLISTS: tuple[str, ...] = ("decree-43-2011", "decree-224-2026")
# The generated site is a provincial People's Committee portal, and with crawl_throughput's `unit_type: other` almost
# every checklist item is "not applicable" and its detectors never run. The audit would then be timed doing little
# more than parsing, so the registry here declares the unit type the site imitates (``--unit-type`` to compare).
UNIT_TYPE = "ubnd_tinh"
SHARE_GOAL = 0.20
PROFILE_TOP = 15


@dataclass
class AuditRun:
    """One crawl and the audit of its store, as measured from outside the processes."""

    tag: str
    db: Path
    pages: int               # rows of `pages` with status 200: what the audit has to judge
    crawl_seconds: float     # wall clock of `portal-audit crawl`, start-up included
    crawl_rss_mb: float
    crawl_rc: int
    audit_seconds: float     # wall clock of `portal-audit audit`, start-up included
    audit_rss_mb: float
    audit_rc: int
    findings: int            # rows of `findings` the audit wrote
    summary: str             # the audit's own "findings: ..." line
    crawl_log: Path
    audit_log: Path

    @property
    def audit_pages_per_s(self) -> float:
        return self.pages / self.audit_seconds if self.audit_seconds > 0 else 0.0

    @property
    def share(self) -> float:
        return self.audit_seconds / self.crawl_seconds if self.crawl_seconds > 0 else 0.0


def audit_args(db: Path) -> list[str]:
    """The audit command line after the program name; shared by the subprocess and the profiled run."""
    args = ["audit", "--db", str(db)]
    for name in CHECKLISTS:
        args += ["--checklist", name]
    return args


def write_registry(path: Path, base_url: str, max_pages: int, unit_type: str) -> None:
    """crawl_throughput's registry (same crawl settings), with the site declared as ``unit_type``."""
    bench.write_registry(path, base_url, max_pages)
    text = path.read_text(encoding="utf-8")
    if f"unit_type: {unit_type}" in text:
        return
    if "unit_type: other" not in text:
        print(f"warning: could not set unit_type {unit_type} in {path}; checklist items may not apply",
              file=sys.stderr)
        return
    path.write_text(text.replace("unit_type: other", f"unit_type: {unit_type}"), encoding="utf-8")


def _log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


def run_once(command: list[str], registry: Path, workdir: Path, tag: str) -> AuditRun:
    """Crawl into a new database, then audit it; both exactly as a user would run them, each in a subprocess.

    Each repeat crawls afresh rather than re-auditing one store, so that the crawl time the audit is compared with
    is itself a median over the same number of runs.
    """
    db = workdir / f"audit-{tag}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    crawl_log, audit_log = workdir / f"crawl-{tag}.log", workdir / f"audit-{tag}.log"
    crawl_s, crawl_rss, crawl_rc = bench.run_measured(
        [*command, "crawl", "--config", str(registry), "--db", str(db)], workdir, crawl_log)
    pages = 0
    if db.exists():
        with sqlite3.connect(db) as conn:
            pages = conn.execute("SELECT count(*) FROM pages WHERE status = 200").fetchone()[0]
        conn.close()
    audit_s, audit_rss, audit_rc = 0.0, 0.0, -1
    findings, summary = 0, ""
    if db.exists() and pages:
        audit_s, audit_rss, audit_rc = bench.run_measured([*command, *audit_args(db)], workdir, audit_log)
        with sqlite3.connect(db) as conn:
            findings = conn.execute("SELECT count(*) FROM findings").fetchone()[0]
        conn.close()
        match = re.search(r"^findings:.*$", audit_log.read_text(errors="replace"), re.MULTILINE)
        summary = match.group(0) if match else ""
    return AuditRun(tag, db, pages, crawl_s, crawl_rss, crawl_rc, audit_s, audit_rss, audit_rc, findings, summary,
                    crawl_log, audit_log)


def failure_detail(run: AuditRun, expected: int) -> str | None:
    """Why a run cannot give a share (a command failed, or the crawl stored almost nothing), with a log tail.

    The crawl's exit code 1 means "finished but some sites failed"; with one site that is a failure here too.
    """
    if run.crawl_rc != 0 or run.pages < 0.5 * expected:
        return (f"portal-audit crawl exited {run.crawl_rc} with {run.pages} pages of {expected} expected; "
                f"log {run.crawl_log}:\n{_log_tail(run.crawl_log)}")
    if run.audit_rc != 0 or run.findings == 0:
        return (f"portal-audit audit exited {run.audit_rc} and wrote {run.findings} findings; "
                f"log {run.audit_log}:\n{_log_tail(run.audit_log)}")
    return None


def profile_audit(db: Path, keep: Path | None) -> None:
    """Run the audit in this process under cProfile and print the hot spots.

    In-process because cProfile cannot see into a subprocess. It goes through the click command, so it profiles
    exactly what the CLI runs. The store's findings are replaced, not added to, so a second audit changes nothing.
    Profiling slows Python code down (often 1.5-2x), so the profiled time is not the benchmark's number.
    """
    try:
        from portal_audit.cli import cli
    except ImportError as exc:
        print(f"--profile: cannot import portal_audit in {sys.executable} ({exc}); "
              "run the benchmark with the project's interpreter", file=sys.stderr)
        return
    profiler = cProfile.Profile()
    echoed = io.StringIO()  # the command's own "findings: ..." line, kept out of the report
    started = time.perf_counter()
    profiler.enable()
    try:
        with contextlib.redirect_stdout(echoed):
            cli.main(args=audit_args(db), standalone_mode=False, prog_name="portal-audit")
    finally:
        profiler.disable()
    seconds = time.perf_counter() - started
    if keep is not None:
        profiler.dump_stats(str(keep / "audit.prof"))
    views: tuple[tuple[str, tuple[str, ...]], ...] = (("all code", ()),
                                                      ("portal_audit code only", (r"portal_audit[/\\]",)))
    for title, restriction in views:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(*restriction, PROFILE_TOP)
        body = out.getvalue()
        start = body.find("   ncalls")  # drop pstats' preamble (file list, totals), keep the table
        print(f"profile ({title}), top {PROFILE_TOP} by cumulative time; audit took {seconds:.2f} s under cProfile:")
        print(body[start:].rstrip() if start >= 0 else body.rstrip())
        print()
    if keep is not None:
        print(f"profile saved: {keep / 'audit.prof'} (python -m pstats, or snakeviz)")
        print()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=2000, help="number of articles (default 2000); "
                        "the site also has an index and one category page per 40 articles")
    parser.add_argument("--repeat", type=int, default=1,
                        help="crawl-then-audit runs; medians are reported (default 1)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR and keep the site, logs, databases (and audit.prof with --profile)")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto",
                        help="static server (default: nginx if installed, else python)")
    parser.add_argument("--profile", action="store_true",
                        help="also run the audit once in-process under cProfile and print the hot spots")
    parser.add_argument("--unit-type", default=UNIT_TYPE, metavar="TYPE",
                        help=f"unit_type of the site in the registry (default {UNIT_TYPE}, the provincial portal the "
                             "site imitates; `other` makes most items not applicable)")
    parser.add_argument("--seed", type=int, default=site_gen.SEED, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pages < 1 or args.repeat < 1:
        parser.error("--pages and --repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate, serve, crawl, audit, report; the server and the temp dir are cleaned up whatever happens."""
    args = parse_args(argv)
    ready = bench.bench_prerequisites(args.server)
    if ready is None:
        return 2
    command, use_nginx = ready
    workdir = bench.make_workdir(args.keep, "portal-audit-audit-bench-")
    server: bench.Server | None = None
    try:
        site = workdir / "site"
        if site.exists():
            shutil.rmtree(site)  # regenerate: a stale site from another --pages would skew the counts
        info = site_gen.generate_site(site, args.pages, args.seed)
        server = bench.serve_site(site, workdir, use_nginx)

        registry = workdir / "registry.yaml"
        write_registry(registry, server.base_url, max(3000, info.pages + 100), args.unit_type)
        print(f"site: {info.pages} HTML pages (1 index, {info.categories} categories, {info.articles} articles), "
              f"{info.total_bytes / 1e6:.1f} MB, {info.total_bytes / info.pages / 1024:.1f} KiB/page average, "
              f"generated in {info.seconds:.2f} s")
        print(f"server: {server.kind}: {server.description} at {server.base_url}")
        print(f"site unit_type: {args.unit_type}; checklists: {', '.join(CHECKLISTS)}")
        print(f"crawl: {' '.join(command)} crawl --config {registry.name} --db audit-N.db")
        print(f"audit: {' '.join(command)} {' '.join(audit_args(Path('audit-N.db')))}")
        print(f"work dir: {workdir}{' (kept)' if args.keep else ' (removed at the end)'}")
        print(flush=True)

        runs: list[AuditRun] = []
        for i in range(1, args.repeat + 1):
            run = run_once(command, registry, workdir, str(i))
            runs.append(run)
            print(f"run {i}: crawl {run.pages} pages in {run.crawl_seconds:.2f} s (peak RSS {run.crawl_rss_mb:.1f} MB,"
                  f" exit {run.crawl_rc}); audit {run.audit_seconds:.2f} s = {run.audit_pages_per_s:.1f} pages/s "
                  f"(peak RSS {run.audit_rss_mb:.1f} MB, exit {run.audit_rc}, {run.summary or 'no summary'}); "
                  f"share {run.share:.3f}", flush=True)
            problem = failure_detail(run, info.pages)
            if problem:
                print(problem, file=sys.stderr)
                return 1

        if args.profile:
            print()
            profile_audit(runs[-1].db, workdir if args.keep else None)

        pages = statistics.median(r.pages for r in runs)
        crawl_s = statistics.median(r.crawl_seconds for r in runs)
        audit_s = statistics.median(r.audit_seconds for r in runs)
        audit_pps = statistics.median(r.audit_pages_per_s for r in runs)
        audit_rss = statistics.median(r.audit_rss_mb for r in runs)
        crawl_rss = statistics.median(r.crawl_rss_mb for r in runs)
        # Ratio of the medians, so the last line agrees with the two medians printed above it.
        share = audit_s / crawl_s if crawl_s > 0 else 0.0

        print()
        header = f"{'stage':<22} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'peak RSS MB':>12}"
        print(header + (f"   (medians of {args.repeat} runs)" if args.repeat > 1 else ""))
        print("-" * len(header))
        for name, seconds, rss in (("portal-audit crawl", crawl_s, crawl_rss), ("portal-audit audit", audit_s,
                                                                                audit_rss)):
            print(f"{name:<22} {pages:>6.0f} {seconds:>8.2f} {pages / seconds if seconds else 0:>8.1f} {rss:>12.1f}")
        print()
        print("seconds = process wall-clock, start-up included; pages = rows of `pages` with status 200.")
        print(f"audit pages/s: {audit_pps:.1f}   findings per run: {runs[-1].findings} "
              f"({', '.join(CHECKLISTS)})")
        print(f"peak RSS (audit): {audit_rss:.1f} MB")
        if args.repeat > 1:
            print("per-run shares: " + ", ".join(f"{r.share:.3f}" for r in runs))
        print(f"ratio audit/crawl (seconds): {share:.3f}   goal < {SHARE_GOAL:.2f}: "
              f"{'met' if share < SHARE_GOAL else 'NOT met'}")
        print(f"audit_share: {share:.3f}")
        return 0
    finally:
        bench.stop_server(server)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
