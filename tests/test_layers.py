"""Imports follow the pipeline (docs/architecture.md): no module imports from a higher layer.

Layers, bottom to top:
  floor    shared homes every stage may use: text, URLs, HTML, reasons, the network rule, the store and its
           lock, the registry and unit types, prune's refusal, rule facts (a11y/rules.py)
  gather   what touches the sites: acquire (the gather steps in order), crawl, spider, render (browser,
           discovery), technical gathering and page speed, the axe render step (sampling, axe)
  judge    what decides from stored facts: audit, static accessibility rules, ACT harness, per-site summaries
  present  what shows the judgements: export, scoring, history, trend, publishing, report
  top      the commands: cli, weekly, demo

A module may import its own layer or any lower one. The source is read with ``ast`` (every import, lazy ones
inside functions too, since they run against the pipeline just the same); nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("floor", "gather", "judge", "present", "top")

# Module (or package: all modules below it) → layer; the longest matching name wins.
LAYERS: dict[str, str] = {
    "portal_audit": "floor",  # the package itself (__version__); exact match only, see layer_of
    "portal_audit.__main__": "top",
    "portal_audit.text": "floor",
    "portal_audit.urls": "floor",
    "portal_audit.netsafety": "floor",
    "portal_audit.store": "floor",
    "portal_audit.lock": "floor",
    "portal_audit.unit_types": "floor",
    "portal_audit.registry": "floor",
    "portal_audit.registry_csv": "floor",
    "portal_audit.prune": "floor",  # refuse_pruned guards audit and render alike
    "portal_audit.errorkind": "floor",  # the fetch-error kinds and their groups, read by every stage
    "portal_audit.html": "floor",  # parse, anchor text, page chrome, selectors
    "portal_audit.reasons": "floor",  # reasons as objects, shared by inspectors, judges and the report
    "portal_audit.acquire": "gather",  # the gather steps in order: crawl, discovery, host facts, renders, speed
    "portal_audit.crawl": "gather",
    "portal_audit.spiders": "gather",
    "portal_audit.render": "gather",
    "portal_audit.technical": "gather",
    "portal_audit.a11y": "floor",  # the package's __init__ (a docstring)
    "portal_audit.a11y.rules": "floor",  # rule facts: read by the axe runner and every judge and report alike
    "portal_audit.a11y.sampling": "gather",
    "portal_audit.a11y.axe": "gather",
    "portal_audit.a11y.stage": "gather",
    "portal_audit.a11y.static": "judge",
    "portal_audit.a11y.static_results": "judge",
    "portal_audit.a11y.language": "judge",
    "portal_audit.a11y.summary": "judge",
    "portal_audit.a11y.act": "judge",
    "portal_audit.a11y.act_axe": "judge",
    "portal_audit.audit": "judge",
    "portal_audit.export": "present",
    "portal_audit.scoring": "present",
    "portal_audit.history": "present",
    "portal_audit.trend": "present",
    "portal_audit.publishing": "present",
    "portal_audit.report": "present",
    "portal_audit.cli": "top",
    "portal_audit.weekly": "top",
    "portal_audit.demo": "top",
}

# Upward imports still to be moved, as (importer, imported): none are left. Were one ever listed again,
# test_known_exceptions_still_exist says when its import has gone and the line can go too.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def modules() -> dict[str, Path]:
    """Every module of the installed package by its import name (spiders/ is installed as portal_audit.spiders)."""
    found: dict[str, Path] = {}
    for folder, prefix in (("portal_audit", ()), ("spiders", ("portal_audit",))):
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = (*prefix, *path.relative_to(ROOT).with_suffix("").parts)
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def layer_of(module: str) -> str | None:
    if module == "portal_audit":
        return LAYERS["portal_audit"]
    matches = [name for name in LAYERS if name != "portal_audit" and (module == name or module.startswith(name + "."))]
    return LAYERS[max(matches, key=len)] if matches else None


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The portal_audit modules ``module`` imports; ``from package import submodule`` names the submodule."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                out.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {name for name in out if name == "portal_audit" or name.startswith("portal_audit.")}


def upward_imports() -> set[tuple[str, str]]:
    found = modules()
    known = set(found)
    upward = set()
    for module, path in found.items():
        for imported in imports_of(module, path, known):
            if ORDER.index(layer_of(imported) or "floor") > ORDER.index(layer_of(module) or "top"):
                upward.add((module, imported))
    return upward


def test_every_module_has_a_layer() -> None:
    """A new module must be placed in the pipeline before it can be checked."""
    assert [m for m in modules() if layer_of(m) is None] == []


def test_no_import_runs_against_the_pipeline() -> None:
    found = modules()
    unexpected = sorted(upward_imports() - KNOWN_EXCEPTIONS)
    assert unexpected == [], "\n".join(f"{a} ({layer_of(a)}) imports {b} ({layer_of(b)})" for a, b in unexpected)
    assert len(found) > 50  # the walk found the package, not an empty folder


def test_known_exceptions_still_exist() -> None:
    """An exception whose import is gone must leave the list, or it would silently allow the import back."""
    assert sorted(KNOWN_EXCEPTIONS - upward_imports()) == []


@pytest.mark.parametrize(("source", "expected"), [
    ("from portal_audit.trend import forget_scores\n", {"portal_audit.trend"}),
    ("def f():\n    from portal_audit.export import build_export\n", {"portal_audit.export"}),
    ("import portal_audit.report.render as r\n", {"portal_audit.report.render"}),
    ("from portal_audit import scoring, __version__\n", {"portal_audit.scoring", "portal_audit"}),
    ("from ..trend import run_scores\n", {"portal_audit.trend"}),
    ("import json\nfrom rich.table import Table\n", set()),
])
def test_imports_are_read_as_python_resolves_them(tmp_path: Path, source: str, expected: set[str]) -> None:
    """The checker itself: lazy, aliased, package-relative and ``from package import module`` imports all count."""
    path = tmp_path / "engine.py"
    path.write_text(source, encoding="utf-8")
    assert imports_of("portal_audit.audit.engine", path, set(modules())) == expected


def test_a_judge_importing_the_trend_is_caught() -> None:
    """The upward import issue #17 removed (audit/engine.py → trend.forget_scores) would fail this test."""
    assert ORDER.index(layer_of("portal_audit.trend") or "") > ORDER.index(layer_of("portal_audit.audit.engine") or "")
    assert ORDER.index(layer_of("portal_audit.trend") or "") > ORDER.index(layer_of("portal_audit.a11y.stage") or "")
