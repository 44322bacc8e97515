"""Loading and choosing checklists.

A checklist is YAML validated by ``checklists/checklist.schema.json``; a broken one is refused before
anything is written, with one line per problem naming the file, line, item and field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from portal_audit.registry import RegistryError, load_yaml_with_lines

BASELINE = "decree-43-2011"
KNOWN_DETECTORS = ("nav_link", "url_slug", "heading", "text", "documents_list", "document_search", "consultation",
                   "contact", "leader_bios", "leaders", "search_form", "gazette", "service_catalogue",
                   "unicode_text")


class ChecklistError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Checklist:
    name: str
    path: str
    meta: dict[str, Any]
    items: list[dict[str, Any]]

    def in_force_on(self, day: date) -> bool:
        start = _as_date(self.meta["in_force_from"])
        until = _as_date(self.meta.get("in_force_until"))
        return start is not None and start <= day and (until is None or day <= until)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@cache
def _schema() -> dict[str, Any]:
    return json.loads(resources.files("portal_audit.checklists").joinpath("checklist.schema.json").read_text("utf-8"))


def _json_ready(value: Any) -> Any:
    """YAML gives dates as date objects; the schema (like the files' authors) speaks ISO strings."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _where(path: tuple[Any, ...], data: dict[str, Any]) -> str:
    out = ""
    node: Any = data
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(node, dict) and "id" in node and isinstance(part, int):
            out += f"({node['id']})"
    return out or "(top level)"


def _precise(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """For a detector, the errors of the branch its `type` names, not "not valid under any of the schemas"."""
    if error.validator == "oneOf" and isinstance(error.instance, dict) and "type" in error.instance:
        wanted = error.instance["type"]
        branch_errors = [sub for sub in error.context or []
                         if error.schema["oneOf"][sub.schema_path[0]]["properties"]["type"]["const"] == wanted]
        if branch_errors:
            return branch_errors
    return [jsonschema.exceptions.best_match([error])]


# Data files beside the checklists that are not checklists: the regimes by date, the cited texts' status.
NOT_CHECKLISTS = ("regimes.yaml", "legal-texts.yaml")


def available() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("portal_audit.checklists").iterdir()
                  if p.name.endswith(".yaml") and p.name not in NOT_CHECKLISTS and not p.name.startswith("targets-"))


def resolve_path(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    packaged = resources.files("portal_audit.checklists").joinpath(f"{name_or_path}.yaml")
    if packaged.is_file():
        return Path(str(packaged))
    raise ChecklistError([f"{name_or_path}: no such checklist (available: {', '.join(available())}, "
                          "or a path to a .yaml file)"])


def load_checklist(name_or_path: str) -> Checklist:
    path = resolve_path(name_or_path)
    source = str(path)
    try:
        data, line_of = load_yaml_with_lines(path.read_text(encoding="utf-8"), source)
    except RegistryError as exc:
        raise ChecklistError(exc.problems) from None
    problems: list[str] = []
    validator = jsonschema.Draft202012Validator(_schema(), format_checker=jsonschema.FormatChecker())
    plain = _json_ready(data)
    for item_index, item in enumerate(plain.get("items") or [] if isinstance(plain, dict) else []):
        for el_index, element in enumerate(item.get("elements") or [] if isinstance(item, dict) else []):
            for det_index, det in enumerate(element.get("detect") or [] if isinstance(element, dict) else []):
                loc = ("items", item_index, "elements", el_index, "detect", det_index)
                if isinstance(det, dict) and det.get("type") not in KNOWN_DETECTORS:
                    problems.append(f"{source}:{line_of((*loc, 'type'))}: {_where((*loc, 'type'), plain)}: unknown "
                                    f"detector {det.get('type')!r} (known: {', '.join(KNOWN_DETECTORS)})")
                for p_index, pattern in enumerate(det.get("patterns") or [] if isinstance(det, dict) else []):
                    try:
                        re.compile(pattern)
                    except (re.error, TypeError) as exc:
                        problems.append(f"{source}:{line_of((*loc, 'patterns', p_index))}: "
                                        f"{_where((*loc, 'patterns', p_index), plain)}: regex does not compile ({exc})")
    if not problems:
        for error in sorted(validator.iter_errors(plain), key=lambda e: list(map(str, e.absolute_path))):
            for best in _precise(error):
                loc = tuple(best.absolute_path)
                problems.append(f"{source}:{line_of(loc)}: {_where(loc, plain)}: {best.message}")
    if not problems:
        ids = [item["id"] for item in plain["items"]]
        for index, item_id in enumerate(ids):
            if ids.index(item_id) != index:
                line = line_of(("items", index, "id"))
                problems.append(f"{source}:{line}: items[{index}].id: duplicate id {item_id!r}")
    if problems:
        raise ChecklistError(problems)
    return Checklist(name=path.stem, path=source, meta=plain["checklist"], items=plain["items"])


def default_checklists(crawl_day: date) -> list[str]:
    """The regime in force on the crawl date, the technical checklist, and the Decree 43 baseline the
    province's plan refers to."""
    chosen: list[str] = []
    for name in available():
        checklist = load_checklist(name)
        if checklist.meta.get("role", "regime") in ("regime", "technical") and checklist.in_force_on(crawl_day):
            chosen.append(name)
    if BASELINE in available() and BASELINE not in chosen:
        chosen.append(BASELINE)
    return chosen
