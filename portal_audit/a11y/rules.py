"""What portal-audit knows about each accessibility rule, and the bundled axe-core.

The facts live in ``data/rules.yaml`` (generated from the bundled axe by ``scripts/build-a11y-rules``, with
the legal mapping and Vietnamese texts kept by hand), not in code, so that upgrading axe or correcting a
translation is a data change. Reports look rules up by id; a rule the table does not know (a newer axe,
a static check added later) still gets a usable entry rather than breaking a report.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import yaml

_PACKAGE = "portal_audit.a11y"
_AXE_HEADER = re.compile(r"/\*! axe v(\d+\.\d+\.\d+\S*)")


@dataclass(frozen=True)
class RuleInfo:
    """One rule: WCAG success criteria and level, axe's impact, the Vietnamese legal point, texts."""

    id: str
    wcag: tuple[str, ...]
    level: str                  # A | AA | best-practice
    impact: str                 # minor | moderate | serious | critical
    tt32_art18: str | None      # Circular 32/2017/TT-BTTTT Art. 18 point, "1(a)" .. "1(đ)", or None
    title_vi: str
    title_en: str
    help_vi: str
    help_en: str
    vi_source: str              # lighthouse | portal-audit
    help_url: str | None

    @property
    def legally_required_vn(self) -> bool:
        """Whether Vietnamese law (Circular 32/2017 Art. 18(1)) makes this a minimum requirement."""
        return self.tt32_art18 is not None


def _read_text(name: str) -> str:
    """A file shipped in the package, read through importlib.resources so an installed wheel works too."""
    return files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def _rule(rule_id: str, entry: dict[str, Any]) -> RuleInfo:
    return RuleInfo(
        id=rule_id, wcag=tuple(entry.get("wcag") or ()), level=entry["level"], impact=entry["impact"],
        tt32_art18=entry.get("tt32_art18"),
        title_vi=entry["title"]["vi"], title_en=entry["title"]["en"],
        help_vi=entry["help"]["vi"], help_en=entry["help"]["en"],
        vi_source=entry["vi_source"], help_url=entry.get("help_url"),
    )


@functools.cache
def load_rules() -> dict[str, RuleInfo]:
    """Every rule of ``data/rules.yaml`` by id (read once per process)."""
    data = yaml.safe_load(_read_text("data/rules.yaml")) or {}
    return {rule_id: _rule(rule_id, entry) for rule_id, entry in data.items()}


def _fallback(rule_id: str) -> RuleInfo:
    """An unknown rule is reported as it is, mid-table: best practice, moderate, named by its id, no help."""
    return RuleInfo(id=rule_id, wcag=(), level="best-practice", impact="moderate", tt32_art18=None,
                    title_vi=rule_id, title_en=rule_id, help_vi="", help_en="", vi_source="portal-audit",
                    help_url=None)


def rule_info(rule_id: str) -> RuleInfo:
    """The rule's entry; never raises, so a finding from a newer axe still appears in a report."""
    return load_rules().get(rule_id) or _fallback(rule_id)


@functools.cache
def axe_script() -> str:
    """The bundled ``axe.min.js``, to inject into rendered pages (read once per process)."""
    return _read_text("vendor/axe.min.js")


@functools.cache
def axe_version() -> str:
    """The bundled axe-core's version, from its licence header (``/*! axe v4.14.1``), recorded with each run."""
    match = _AXE_HEADER.match(axe_script())
    if match is None:
        raise RuntimeError("vendor/axe.min.js does not start with the '/*! axe vX.Y.Z' header")
    return match.group(1)
