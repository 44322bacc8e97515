"""The command line: help everywhere, exit codes as documented, config errors before any crawl."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize("command", [[], ["crawl"], ["audit"], ["export"], ["demo"], ["serve-demo"],
                                     ["registry"], ["registry", "check"], ["registry", "import"]])
def test_help_on_every_command(cli, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_bad_registry_exits_2_with_one_line_per_problem_and_crawls_nothing(cli, tmp_path: Path) -> None:
    config = tmp_path / "sites.yaml"
    config.write_text("province: X\nsites:\n  - id: a\n    name: A\n    unit_type: quan\n    url: nope\n",
                      encoding="utf-8")
    db = tmp_path / "audit.db"
    result = cli("crawl", "--config", str(config), "--db", str(db))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {config}:5: sites[0].unit_type: unknown unit_type 'quan' (expected one of: "
                     "bo_nganh, cuc_tong_cuc, ubnd_tinh, so_ban_nganh, ubnd_huyen, ubnd_xa, don_vi_su_nghiep, dvc, "
                     "other)",
                     f"error: {config}:6: sites[0].url: bad URL 'nope': scheme must be http or https"]
    assert not db.exists()


def test_unknown_option_and_missing_db_are_usage_errors(cli, tmp_path: Path) -> None:
    assert cli("crawl", "--bogus").returncode == 2
    assert cli("export", "--db", str(tmp_path / "missing.db")).returncode == 2
    assert cli("crawl", "--config", str(tmp_path / "none.yaml"), "--db", str(tmp_path / "a.db")).returncode == 2


def test_export_of_an_empty_database_is_a_clear_error(cli, tmp_path: Path) -> None:
    from portal_audit.store import Store

    Store(tmp_path / "audit.db").close()
    result = cli("export", "--db", str(tmp_path / "audit.db"))
    assert result.returncode == 2
    assert "no runs yet" in result.stderr


def _closes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every Store.close of the command run in this process."""
    from portal_audit.store import Store

    closed: list[Path] = []
    real_close = Store.close

    def close(self: Store) -> None:
        closed.append(self.path)
        real_close(self)

    monkeypatch.setattr(Store, "close", close)
    return closed


def test_a_failing_command_closes_its_store_and_releases_the_lock(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The one store context (ctx.with_resource): an error raised inside the command is one `error:` line and
    exit 2, and both the store and the database lock are let go on the way out."""
    from click.testing import CliRunner

    from portal_audit.cli import cli
    from portal_audit.lock import db_lock
    from portal_audit.store import Store

    empty, crawled = tmp_path / "audit.db", tmp_path / "crawled.db"
    Store(empty).close()
    store = Store(crawled)
    store.create_run(province="T", registry_path="r.yaml", tool_version="0", engine="scrapy", user_agent="ua",
                     sites=[{"id": "a", "name": "A", "unit_type": "other", "url": "http://a.vn/", "config": "{}"}])
    store.close()
    closed = _closes(monkeypatch)
    for db, args, message in ((empty, ["audit"], "no runs yet"),
                              (crawled, ["audit", "--checklist", "nope"], "nope: no such checklist"),
                              (empty, ["render", "--no-browser"], "no runs yet"),
                              (empty, ["diff"], "no runs yet"),
                              (empty, ["export"], "no runs yet"),
                              (empty, ["history"], None)):
        result = CliRunner().invoke(cli, [*args, "--db", str(db)])
        if message is None:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code == 2, (args, result.output, result.exception)
            assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
        assert closed == [db], args
        closed.clear()
        with db_lock(db, "test"):  # raises LockHeld if the command had kept the lock
            pass


def test_a_held_lock_exits_3_before_the_store_is_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from portal_audit.cli import EXIT_LOCKED, cli
    from portal_audit.lock import db_lock
    from portal_audit.store import Store

    db = tmp_path / "audit.db"
    Store(db).close()
    closed = _closes(monkeypatch)
    with db_lock(db, "another"):
        result = CliRunner().invoke(cli, ["audit", "--db", str(db)])
    assert result.exit_code == EXIT_LOCKED == 3
    assert "try again when it has finished" in result.stderr
    assert closed == []


def test_exit_codes_are_the_documented_ones() -> None:
    """cron and CI read them (README, docs/operations.md): the numbers never change."""
    from portal_audit import cli

    assert (cli.EXIT_OK, cli.EXIT_SITE_FAILURES, cli.EXIT_USAGE, cli.EXIT_LOCKED, cli.EXIT_DEGRADED) == (0, 1, 2, 3, 4)
