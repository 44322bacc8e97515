"""The ``portal-audit`` command line: thin commands over the library.

Each command parses its options, takes the database's lock when it writes, opens the one store of the
command (``_store``: click closes both on the way out, whatever happens) and calls the library; the
stages themselves live in crawl/, a11y/, audit/, export.py, report/ and weekly.py.

Exit codes are part of the interface (cron and CI read them), defined here once: 0 ok, 1 finished but some
sites failed, 2 usage or configuration error, 3 another portal-audit process holds the database's lock, 4
(``run``) the run was degraded (nearly every site unreachable for a network reason) and its report was not
published; 130 interrupted at a prompt (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console
from rich.table import Table

from portal_audit import __version__
from portal_audit.registry import Registry, RegistryError, load_registry
from portal_audit.store import StoreError

if TYPE_CHECKING:
    from portal_audit.store import Store

EXIT_OK, EXIT_SITE_FAILURES, EXIT_USAGE, EXIT_LOCKED, EXIT_DEGRADED, EXIT_ABORTED = 0, 1, 2, 3, 4, 130

# pyOpenSSL (imported by Twisted's TLS) still names cryptography's DSA classes, which cryptography >= 51
# deprecates: two warnings on every run, in every cron mail, that no user of portal-audit can act on.
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"OpenSSL\.")


# --- what every command shares: errors, the registry, the lock and the store -----------------------------


def _fail(lines: list[str] | str, code: int = EXIT_USAGE) -> NoReturn:
    for line in [lines] if isinstance(lines, str) else lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(code)


def _load(config: str, sites: tuple[str, ...]) -> Registry:
    try:
        registry = load_registry(config).select(sites)
    except RegistryError as exc:
        _fail(exc.problems)
    for warning in registry.warnings:
        click.echo(f"warning: {warning}", err=True)
    return registry


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 120)


@contextlib.contextmanager
def _locked(db: Path, command: str) -> Iterator[None]:
    """Hold the database's lock for a writing command; exit 3 at once when another process has it."""
    from portal_audit.lock import LockHeld, db_lock

    try:
        with db_lock(db, command) as lock:
            if lock.stale:
                click.echo(f"note: took over the lock of a process that is gone ({_holder(lock.stale)})", err=True)
            yield
    except LockHeld as exc:
        _fail(f"{exc}; try again when it has finished", EXIT_LOCKED)


def _holder(holder: dict[str, Any]) -> str:
    return ", ".join(f"{k} {holder[k]}" for k in ("pid", "started_at", "command") if holder.get(k)) or "unknown"


@contextlib.contextmanager
def _opened(db: Path) -> Iterator[Store]:
    """A store for the length of a command. A store or checklist problem, at opening or inside the command,
    becomes ``error: ...`` lines and exit 2; the store is closed either way."""
    from portal_audit.audit.checklist import ChecklistError
    from portal_audit.store import Store

    try:
        store = Store(db)
    except StoreError as exc:
        _fail(str(exc))
    try:
        yield store
    except ChecklistError as exc:
        _fail(exc.problems)
    except StoreError as exc:
        _fail(str(exc))
    finally:
        store.close()


def _store(db: Path, *, lock: str | None = None) -> Store:
    """The command's one store, taken under the database's lock when ``lock`` names a writing command.

    Both are resources of the click context (``ctx.with_resource``): closed in reverse order when the command
    ends, by a return, an error or ``sys.exit``, so no command writes its own open/close/error block.
    """
    ctx = click.get_current_context()
    if lock is not None:
        ctx.with_resource(_locked(db, lock))
    return ctx.with_resource(_opened(db))


# --- output shared by crawl, run and demo ------------------------------------------------------------------


def print_summary(sites: list[dict[str, Any]], db_path: Path, run_id: str, status: str) -> None:
    table = Table(title=f"run {run_id} ({status})")
    for column in ("site", "status", "pages", "errors by kind", "note"):
        table.add_column(column)
    for s in sites:
        kinds = json.loads(s["error_kinds"] or "{}")
        table.add_row(s["id"], s["status"], str(s["pages_ok"] or 0),
                      ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "-",
                      (s["status_reason"] or "")[:80])
    console = _console()
    console.print(table)
    console.print(f"database: {db_path}")


def revalidation_line(outcome: Any) -> str | None:
    if not outcome.revalidated:
        return None
    counts = ", ".join(f"{site} {n}" for site, n in outcome.revalidated.items())
    return (f"unchanged since the previous run (304): {counts} (total {sum(outcome.revalidated.values())}; "
            f"facts reused for {outcome.reused_facts})")


def _crawl_stage(registry: Registry, store: Store, resume_id: str | None, quiet: bool, *, verbose: bool = False,
                 http_cache: bool = True) -> Any:
    """Crawl (or resume) and freeze, with the progress display of a terminal, plain lines elsewhere, nothing
    when quiet."""
    from portal_audit.acquire import crawl_and_freeze
    from portal_audit.crawl.progress import make_progress

    progress = make_progress(len(registry.sites), quiet=quiet)
    options: dict[str, Any] = {"log_level": "INFO" if verbose else "ERROR", "resume": resume_id,
                               "http_cache": http_cache}
    if progress is None:
        return crawl_and_freeze(registry, store, **options)
    with progress:
        return crawl_and_freeze(registry, store, on_progress=progress, **options)


# --- the commands ------------------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portal-audit")
def cli() -> None:
    """Audit a province's government websites: crawl, check, score, report."""


@cli.command()
@click.option("--config", "-c", required=True, type=click.Path(dir_okay=False), help="Site registry (YAML).")
@click.option("--db", required=True, type=click.Path(dir_okay=False, path_type=Path), help="SQLite database.")
@click.option("--site", "sites", multiple=True, metavar="ID", help="Crawl only this site (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="No progress display, only the summary.")
@click.option("--verbose", "-v", is_flag=True, help="Scrapy's own log at INFO level.")
@click.option("--resume", is_flag=True,
              help="Continue the newest interrupted (or killed) run of these sites in the same run id, "
                   "fetching nothing it already stored. Exit 2 when there is none.")
@click.option("--no-cache", is_flag=True,
              help="Do not revalidate the previous run's pages (If-None-Match/If-Modified-Since); fetch all.")
def crawl(config: str, db: Path, sites: tuple[str, ...], quiet: bool, verbose: bool, resume: bool,
          no_cache: bool) -> None:
    """Crawl every site of the registry (or --site ones) into a new run of the database."""
    registry = _load(config, sites)
    store = _store(db, lock="crawl")
    resume_id: str | None = None
    if resume:
        unfinished = store.resumable_run((s.id, s.url) for s in registry.sites)
        if unfinished is None:
            _fail(f"{db}: nothing to resume: no run left running or interrupted that crawled these "
                  f"{len(registry.sites)} site(s) (same ids and addresses; use the same --site options)")
        resume_id = unfinished["id"]
        click.echo(f"resuming run {resume_id} ({unfinished['status']})", err=True)
    outcome = _crawl_stage(registry, store, resume_id, quiet, verbose=verbose, http_cache=not no_cache)
    print_summary(outcome.sites, db, outcome.run_id, outcome.status)
    if line := revalidation_line(outcome):
        click.echo(line)
    sys.exit(EXIT_SITE_FAILURES if outcome.failed_sites or outcome.status != "finished" else EXIT_OK)


@cli.command()
@click.option("--db", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--run", "run_id", default=None, help="Run id (default: the newest run).")
@click.option("--checklist", "checklists", multiple=True, metavar="NAME",
              help="Checklist name (e.g. decree-43-2011) or path; repeatable. Default: the registry's "
                   "`checklists`, else the regime in force on the crawl date, the technical checklist and the "
                   "Decree 43 baseline.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Judge freshness as of this day (YYYY-MM-DD; default: the crawl's day).")
def audit(db: Path, run_id: str | None, checklists: tuple[str, ...], as_of: datetime.datetime | None) -> None:
    """Judge a crawled run against the checklists, from the store alone (no network)."""
    from portal_audit.audit.engine import audit_run

    counts = audit_run(_store(db, lock="audit"), run_id, list(checklists) or None, as_of.date() if as_of else None)
    click.echo("findings: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


@cli.command()
@click.option("--db", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--run", "run_id", default=None, help="Run id (default: the newest run).")
@click.option("--site", "site_ids", multiple=True, metavar="ID", help="Only these sites (repeatable).")
@click.option("--no-browser", is_flag=True, help="No browser: rendered rules and page speed reported not checked.")
def render(db: Path, run_id: str | None, site_ids: tuple[str, ...], no_browser: bool) -> None:
    """The browser steps of a crawled run: axe-core in Chromium on template samples, then page speed.

    The crawled sites must still be reachable for styles, scripts and images (the pages themselves come
    from the store); `audit` judges what they gathered. Exit 1 when some site could not be fully checked
    (unreachable, or no browser).
    """
    from portal_audit.acquire import render_and_measure

    store = _store(db, lock="render")
    rendered = render_and_measure(store, store.run(run_id)["id"], list(site_ids) or None,
                                  use_browser=not no_browser, on_site=lambda s: click.echo(s.line()))
    if rendered.browser_error:
        click.echo(f"rendered accessibility rules NOT CHECKED: {rendered.browser_error}", err=True)
    sys.exit(EXIT_SITE_FAILURES if rendered.incomplete else EXIT_OK)


@cli.command()
@click.option("--db", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--run", "run_id", default=None, help="Run id (default: the newest run).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of standard output.")
def export(db: Path, run_id: str | None, fmt: str, out: Path | None) -> None:
    """Export one run in the public export format (docs/export.md)."""
    from portal_audit.export import build_export, export_csv, validate_export

    store = _store(db)
    document = build_export(store, run_id)
    validate_export(document)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n" if fmt == "json" else \
        export_csv(document, store)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@cli.command()
@click.option("--db", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the published report (index.html, sites/, data/).")
@click.option("--run", "run_id", default=None, help="Run id (default: the newest run).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def report(db: Path, out: Path, run_id: str | None, lang: str) -> None:
    """Write the published report: province summary, one scorecard per site, data files."""
    from portal_audit.report.render import write_report

    store = _store(db)
    try:
        index = write_report(store, out, lang=lang, run_id=run_id)
    except OSError as exc:
        _fail(f"{out}: cannot write the report there ({exc})")
    click.echo(f"report: {index}")


@cli.command("run")
@click.option("--config", "-c", required=True, type=click.Path(dir_okay=False), help="Site registry (YAML).")
@click.option("--db", required=True, type=click.Path(dir_okay=False, path_type=Path), help="SQLite database.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the published report.")
@click.option("--resume", is_flag=True, help="Continue the newest run if it was interrupted (nothing stored is "
                                             "fetched again); without it a new run starts.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--no-browser", is_flag=True, help="Static accessibility rules only; rendered rules not checked.")
@click.option("--quiet", "-q", is_flag=True, help="For cron: no progress, only the final summary.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append the run's log (crawler included) to this file.")
@click.option("--force-publish", is_flag=True, help="Publish into --out even when the run is degraded (nearly "
                                                    "every site unreachable for a network reason).")
def run_command(config: str, db: Path, out: Path, resume: bool, lang: str, no_browser: bool, quiet: bool,
                log_path: Path | None, force_publish: bool) -> None:
    """Everything, for cron: crawl → render → audit → score → report, then a summary.

    Exit 0 when every site was fully audited, 1 when the run finished but some sites could not be
    (unreachable, blocked, no browser) or the run was interrupted, 2 on a usage or configuration error,
    3 when another portal-audit process holds the database, 4 when the run was degraded: all or nearly all
    sites unreachable for a network reason (most likely this machine's own network), so the published report
    was kept and this run's report written to OUT.degraded.
    """

    registry_ = _load(config, ())
    _writable_folder(out)
    _setup_log(log_path)
    echo = (lambda line: logging.getLogger("portal_audit.run").info("%s", line)) if quiet else _echo_and_log
    result = _weekly(registry_, _store(db, lock="run"), out, quiet=quiet, echo=echo, lang=lang, resume=resume,
                     use_browser=not no_browser, force_publish=force_publish)
    if result.crawl_status != "finished":
        click.echo(f"run {result.run_id} was interrupted; continue it with --resume", err=True)
    if result.held:
        click.echo(f"run {result.run_id} degraded: {result.degraded}; the published report was kept. Check this "
                   f"machine's network, then run again, or publish this run with --resume --force-publish",
                   err=True)
        sys.exit(EXIT_DEGRADED)
    sys.exit(EXIT_OK if result.complete else EXIT_SITE_FAILURES)


def _writable_folder(out: Path) -> None:
    """Fail before any crawling when the report could not be written (a weekly run must not waste an hour)."""
    import tempfile

    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        _fail(f"{out}: cannot write the report there ({exc.strerror or exc})")


def _setup_log(path: Path | None) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        _fail(f"{path}: cannot write the log there ({exc.strerror or exc})")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _weekly(registry: Registry, store: Store, out: Path, *, quiet: bool, echo: Any, **options: Any) -> Any:
    """run_weekly (portal_audit/weekly.py) with the crawl's progress display and the end-of-run summary;
    shared by `run` and `demo`."""
    from portal_audit.weekly import print_run_summary, run_weekly

    try:
        result = run_weekly(registry, store, out, **options,
                            crawl=lambda reg, st, resume_id: _logged(_crawl_stage(reg, st, resume_id, quiet), echo),
                            echo=echo)
        print_run_summary(result, store, _console())
    except OSError as exc:   # the report folder (or a degraded run's folder beside it) is not writable
        _fail(f"{exc.filename or out}: cannot write the report there ({exc.strerror or exc})")
    return result


def _logged(outcome: Any, echo: Any) -> Any:
    if line := revalidation_line(outcome):
        echo(line)
    return outcome


def _echo_and_log(line: str) -> None:
    click.echo(line)
    logging.getLogger("portal_audit.run").info("%s", line)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("portal-audit-demo"),
              show_default=True, help="Everything the demo writes (database, registry, report/) goes here.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display, only the summary.")
def demo(out: Path, quiet: bool) -> None:
    """Serve the bundled demo province on 127.0.0.1; crawl, render, audit, score and report it (no internet)."""
    from portal_audit.demo.server import DemoProvince

    out.mkdir(parents=True, exist_ok=True)
    db = out / "audit.db"
    store = _store(db, lock="demo")
    with DemoProvince(base_port=0) as province:
        registry_ = _load(str(province.write_registry(out / "demo.sites.yaml")), ())
        result = _weekly(registry_, store, out / "report", quiet=quiet, echo=click.echo)
    surprises = _demo_surprises(store, result.run_id)
    for line in surprises:
        click.echo(f"unexpected: {line}", err=True)
    click.echo(f"demo run {result.run_id} written to {db}" + (" (the old district site is unreachable on purpose)"
                                                                 if result.not_fully_checked else ""))
    click.echo(f"next: open {result.report} in a browser; portal-audit export --db {db}")
    sys.exit(EXIT_SITE_FAILURES if surprises else EXIT_OK)


def _demo_surprises(store: Store, run_id: str) -> list[str]:
    """Sites whose crawl status differs from the demo's answer keys (the demo checks itself)."""
    import yaml

    from portal_audit.demo.server import DEMO_DIR

    statuses = {s["id"]: s["status"] for s in store.sites(run_id)}
    out = []
    for answer_path in sorted((DEMO_DIR / "answers").glob("*.yaml")):
        expected = yaml.safe_load(answer_path.read_text(encoding="utf-8"))["crawl"]["status"]
        actual = statuses.get(answer_path.stem)
        if actual != expected:
            out.append(f"{answer_path.stem}: crawl status {actual}, expected {expected}")
    return out


@cli.command()
@click.option("--db", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def history(db: Path, fmt: str) -> None:
    """List the runs in the database, newest first: status, sites, pages, audited, raw HTML pruned."""
    from portal_audit.history import list_runs, print_history

    runs = list_runs(_store(db))
    if fmt == "json":
        click.echo(json.dumps(runs, ensure_ascii=False, indent=2))
    else:
        print_history(runs, _console())


@cli.command()
@click.option("--db", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--from", "from_run", default=None, help="Earlier run (default: the finished run before --to).")
@click.option("--to", "to_run", default=None, help="Later run (default: the newest run).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff(db: Path, from_run: str | None, to_run: str | None, fmt: str) -> None:
    """What changed per site between two runs: new, fixed, still open, not comparable.

    A site whose availability changed (outage, timeouts, far fewer pages) or that refused the crawler
    (HTTP 403) is flagged, and its changes are listed as not checked rather than new or fixed.
    Exit 2 when there is nothing to compare.
    """
    from portal_audit.history import diff_runs, previous_run, print_diff

    store = _store(db)
    to_id = store.run(to_run)["id"]
    from_id = store.run(from_run)["id"] if from_run else previous_run(store, to_id)
    if from_id is None:
        _fail(f"nothing to compare: no finished run before run {to_id} (see portal-audit history)")
    if from_id == to_id:
        _fail(f"nothing to compare: --from and --to are both run {to_id}")
    result = diff_runs(store, from_id, to_id, _kept_scores(store, from_id), _kept_scores(store, to_id))
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_diff(result, _console())


def _kept_scores(store: Store, run_id: str) -> dict[str, Any]:
    """Site scores of an audited run (kept in run_scores once computed); empty for a run never audited."""
    from portal_audit.trend import run_scores

    scores = run_scores(store, run_id)
    return scores["sites"] if scores else {}


@cli.command()
@click.option("--db", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--keep", required=True, type=click.IntRange(min=1), metavar="N",
              help="Keep the raw HTML of the newest N finished runs.")
def prune(db: Path, keep: int) -> None:
    """Remove the raw HTML of older runs (findings, scores' inputs and accessibility results stay), then VACUUM.

    Running and interrupted runs are never pruned. Exit 3 when another portal-audit process holds the database.
    """
    from portal_audit.prune import prune as prune_store

    result = prune_store(_store(db, lock="prune"), keep)
    mb = 1024 * 1024
    click.echo(f"pruned raw HTML of {len(result['runs_pruned'])} run(s)"
               + (f" ({', '.join(result['runs_pruned'])}): {result['pages']} page(s), {result['files']} file(s)"
                  if result["runs_pruned"] else "")
               + f"; kept {len(result['runs_kept'])}")
    if result["runs_skipped"]:
        click.echo(f"not touched (running or interrupted, may be resumed): {', '.join(result['runs_skipped'])}")
    if result["vacuum_error"]:
        click.echo(f"warning: VACUUM failed ({result['vacuum_error']}); the space is reused, the file does not "
                   "shrink until the next prune", err=True)
    if result["runs_pruned"] and not result["checkpointed"]:
        click.echo("warning: another connection (Datasette?) is reading the database: the file shrinks at the next "
                   "checkpoint after it closes", err=True)
    click.echo(f"database: {result['bytes_before'] / mb:.1f} MB → {result['bytes_after'] / mb:.1f} MB")


@cli.group()
def registry() -> None:
    """Check or import site registries."""


@registry.command("check")
@click.argument("config", type=click.Path(dir_okay=False))
def registry_check(config: str) -> None:
    """Validate a registry and list its sites."""
    reg = _load(config, ())
    for site in reg.sites:
        click.echo(f"{site.id}\t{site.unit_type}\t{site.url}\t{site.name}")
    click.echo(f"{len(reg.sites)} sites, province: {reg.province}")


@registry.command("import")
@click.argument("csv_path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the YAML registry here (default: standard output).")
@click.option("--province", default=None, help="Province name (default: from the CSV or 'Tỉnh ...').")
def registry_import(csv_path: Path, out: Path | None, province: str | None) -> None:
    """Turn an IT department's spreadsheet (CSV) into a validated YAML registry."""
    from portal_audit.registry_csv import csv_to_registry_yaml

    try:
        text = csv_to_registry_yaml(csv_path, province)
    except RegistryError as exc:
        _fail(exc.problems)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        sys.stdout.write(text)


@cli.command("serve-demo")
@click.option("--base-port", type=int, default=0, show_default=True,
              help="First port (host i gets base+i); 0 picks free ports.")
@click.option("--write-registry", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the demo registry with the live URLs here.")
def serve_demo(base_port: int, write_registry: Path | None) -> None:
    """Serve the demo province on 127.0.0.1 until Ctrl-C, printing its URLs."""
    import time

    from portal_audit.demo.server import DemoProvince

    with DemoProvince(base_port=base_port) as demo:
        for host, url in demo.urls.items():
            click.echo(f"{host:12} {url}")
        if write_registry:
            demo.write_registry(write_registry)
            click.echo(f"registry: {write_registry}")
        click.echo("serving on 127.0.0.1; Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("stopped")


@cli.command("datasette-metadata")
def datasette_metadata() -> None:
    """Print the path of the bundled Datasette metadata: datasette audit.db -m "$(portal-audit datasette-metadata)"."""
    from importlib import resources

    click.echo(str(resources.files("portal_audit").joinpath("data/datasette-metadata.yaml")))


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_ABORTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
