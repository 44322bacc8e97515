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
