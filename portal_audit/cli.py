"""The ``portal-audit`` command line.

Exit codes are part of the interface (cron and CI read them): 0 ok, 1 finished but some sites failed,
2 usage or configuration error.
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from portal_audit import __version__
from portal_audit.registry import Registry, RegistryError, load_registry
from portal_audit.store import StoreError

EXIT_OK, EXIT_SITE_FAILURES, EXIT_USAGE = 0, 1, 2


def _fail(lines: list[str] | str, code: int = EXIT_USAGE) -> None:
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="portal-audit")
def cli() -> None:
    """Audit a province's government websites: crawl, check, score, report."""


def _run_crawl(registry: Registry, db: Path, quiet: bool, verbose: bool) -> tuple[int, str]:
    from portal_audit.crawl.progress import make_progress
    from portal_audit.crawl.runner import crawl_registry
    from portal_audit.store import Store

    try:
        store = Store(db)
    except StoreError as exc:
        _fail(str(exc))
    progress = make_progress(len(registry.sites), quiet=quiet)
    try:
        if progress is None:
            outcome = crawl_registry(registry, store, log_level="INFO" if verbose else "ERROR")
        else:
            with progress:
                outcome = crawl_registry(registry, store, log_level="INFO" if verbose else "ERROR",
                                         on_progress=progress)
        print_summary(outcome.sites, db, outcome.run_id, outcome.status)
    finally:
        store.close()
    return (EXIT_SITE_FAILURES if outcome.failed_sites or outcome.status != "finished" else EXIT_OK), outcome.run_id


@cli.command()
@click.option("--config", "-c", required=True, type=click.Path(dir_okay=False), help="Site registry (YAML).")
@click.option("--db", required=True, type=click.Path(dir_okay=False, path_type=Path), help="SQLite database.")
@click.option("--site", "sites", multiple=True, metavar="ID", help="Crawl only this site (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="No progress display, only the summary.")
@click.option("--verbose", "-v", is_flag=True, help="Scrapy's own log at INFO level.")
def crawl(config: str, db: Path, sites: tuple[str, ...], quiet: bool, verbose: bool) -> None:
    """Crawl every site of the registry (or --site ones) into a new run of the database."""
    registry = _load(config, sites)
    code, _ = _run_crawl(registry, db, quiet, verbose)
    sys.exit(code)


def _run_audit(db: Path, run_id: str | None, checklists: list[str] | None,
               as_of: datetime.date | None = None) -> dict[str, int]:
    from portal_audit.audit.checklist import ChecklistError
    from portal_audit.audit.engine import audit_run
    from portal_audit.store import Store

    try:
        store = Store(db)
    except StoreError as exc:
        _fail(str(exc))
    try:
        return audit_run(store, run_id, checklists, as_of)
    except ChecklistError as exc:
        _fail(exc.problems)
    except StoreError as exc:
        _fail(str(exc))
    finally:
        store.close()
    return {}


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
    counts = _run_audit(db, run_id, list(checklists) or None, as_of.date() if as_of else None)
    click.echo("findings: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def _run_render(db: Path, run_id: str | None, use_browser: bool, site_ids: list[str] | None = None) -> int:
    from portal_audit.a11y.stage import A11yStage
    from portal_audit.store import Store

    try:
        store = Store(db)
        run_id = store.run(run_id)["id"]
    except StoreError as exc:
        _fail(str(exc))
    try:
        stage = A11yStage(store, run_id, use_browser=use_browser, on_site=lambda s: click.echo(s.line()))
        summaries = stage.run(site_ids)
    finally:
        store.close()
    if stage.browser_error:
        click.echo(f"rendered accessibility rules NOT CHECKED: {stage.browser_error}", err=True)
    incomplete = [s for s in summaries if s.rendered_status != "checked" or s.static_status != "checked"]
    return EXIT_SITE_FAILURES if incomplete else EXIT_OK


@cli.command()
@click.option("--db", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--run", "run_id", default=None, help="Run id (default: the newest run).")
@click.option("--site", "site_ids", multiple=True, metavar="ID", help="Only these sites (repeatable).")
@click.option("--no-browser", is_flag=True, help="Static rules only; rendered rules are reported as not checked.")
def render(db: Path, run_id: str | None, site_ids: tuple[str, ...], no_browser: bool) -> None:
    """Accessibility: static rules on every stored page, axe-core in Chromium on template samples.

    The crawled sites must still be reachable for styles, scripts and images (the pages themselves come
    from the store). Exit 1 when some site could not be fully checked (unreachable, or no browser).
    """
    sys.exit(_run_render(db, run_id, not no_browser, list(site_ids) or None))


@cli.command()
@click.option("--db", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--run", "run_id", default=None, help="Run id (default: the newest run).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here instead of standard output.")
def export(db: Path, run_id: str | None, fmt: str, out: Path | None) -> None:
    """Export one run in the public export format (docs/export.md)."""
    from portal_audit.export import build_export, export_csv, validate_export
    from portal_audit.store import Store

    try:
        store = Store(db)
        try:
            document = build_export(store, run_id)
            validate_export(document)
            text = json.dumps(document, ensure_ascii=False, indent=2) + "\n" if fmt == "json" else \
                export_csv(document, store)
        finally:
            store.close()
    except StoreError as exc:
        _fail(str(exc))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


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


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("portal-audit-demo"),
              show_default=True, help="Everything the demo writes (database, registry, later the report) goes here.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display, only the summary.")
def demo(out: Path, quiet: bool) -> None:
    """Serve the bundled demo province on 127.0.0.1, crawl, render and audit it (no internet needed)."""
    from portal_audit.demo.server import DemoProvince

    out.mkdir(parents=True, exist_ok=True)
    db = out / "audit.db"
    with DemoProvince(base_port=0) as province:
        config = province.write_registry(out / "demo.sites.yaml")
        registry_ = _load(str(config), ())
        code, run_id = _run_crawl(registry_, db, quiet, verbose=False)
        _run_render(db, run_id, use_browser=True)
    counts = _run_audit(db, run_id, None)
    click.echo("findings: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    surprises = _demo_surprises(db, run_id)
    for line in surprises:
        click.echo(f"unexpected: {line}", err=True)
    click.echo(f"demo run {run_id} written to {db}" + (" (the old district site is unreachable on purpose)"
                                                          if code == EXIT_SITE_FAILURES else ""))
    click.echo(f"next: portal-audit export --db {db}")
    sys.exit(EXIT_SITE_FAILURES if surprises else EXIT_OK)


def _demo_surprises(db: Path, run_id: str) -> list[str]:
    """Sites whose crawl status differs from the demo's answer keys (the demo checks itself)."""
    import yaml

    from portal_audit.demo.server import DEMO_DIR
    from portal_audit.store import open_store

    with open_store(db) as store:
        statuses = {s["id"]: s["status"] for s in store.sites(run_id)}
    out = []
    for answer_path in sorted((DEMO_DIR / "answers").glob("*.yaml")):
        expected = yaml.safe_load(answer_path.read_text(encoding="utf-8"))["crawl"]["status"]
        actual = statuses.get(answer_path.stem)
        if actual != expected:
            out.append(f"{answer_path.stem}: crawl status {actual}, expected {expected}")
    return out


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except SystemExit:
        raise


if __name__ == "__main__":
    main()
