"""The unit types the law distinguishes (portal_audit/data/unit_types.yaml): the registry validates against
them, a spreadsheet's words map to them, and the audit asks whether a type is the generic "other"."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def unit_types() -> dict[str, dict[str, Any]]:
    text = resources.files("portal_audit").joinpath("data/unit_types.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text)["unit_types"])


def codes() -> tuple[str, ...]:
    return tuple(unit_types())


def label(code: str) -> str:
    """The report's label (a catalogue msgid); an unknown code is shown as it is."""
    entry = unit_types().get(code)
    return str(entry["name_en"]) if entry else code


def is_generic(code: str) -> bool:
    """The registry did not say which agency it is: what the law requires of it cannot be decided."""
    return bool(unit_types().get(code, {}).get("generic"))


def state_agencies() -> tuple[str, ...]:
    """The "cơ quan nhà nước" whose portals Decree 43 Art. 10 binds."""
    return tuple(c for c, e in unit_types().items() if e.get("state_agency"))


def words() -> list[tuple[str, str]]:
    """(folded words, code) pairs for reading a spreadsheet, longest words first."""
    pairs = [(w, code) for code, entry in unit_types().items() for w in entry.get("words") or []]
    return sorted(pairs, key=lambda p: -len(p[0]))
