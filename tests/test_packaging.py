"""The wheel must ship every subpackage: setuptools only packages what pyproject.toml lists."""

from __future__ import annotations

import tomllib

from conftest import ROOT


def test_every_python_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    dirs = {v: k for k, v in config["package-dir"].items()}
    found = set()
    for init in ROOT.glob("**/__init__.py"):
        rel = init.parent.relative_to(ROOT)
        top = rel.parts[0]
        if top not in dirs or "tools" in rel.parts:  # demo/tools are development helpers, not shipped
            continue
        found.add(".".join([dirs[top], *rel.parts[1:]]))
    assert found == listed
