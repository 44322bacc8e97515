"""Import the spreadsheets IT departments keep (CSV) into a YAML registry.

Real spreadsheets have Vietnamese headers, Excel's UTF-8 BOM or a legacy code page, and unit types
written in words ("Sở", "UBND xã"); this module accepts all of that, then validates the result with the
same rules as a hand-written registry, reporting problems as ``file.csv:row: field: ...``.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from portal_audit.registry import UNIT_TYPES, RegistryError, validate
from portal_audit.text import fold, slugify

LIST_FIELDS = ("start_urls", "aliases", "scope")
INT_FIELDS = ("max_pages", "max_depth")
# Unit types written in words, matched on the folded (diacritic-free) cell text, longest first.
UNIT_WORDS = (
    ("ubnd tinh", "ubnd_tinh"), ("cong thong tin dien tu tinh", "ubnd_tinh"), ("tinh", "ubnd_tinh"),
    ("so", "so_ban_nganh"), ("ban", "so_ban_nganh"), ("nganh", "so_ban_nganh"),
    ("ubnd huyen", "ubnd_huyen"), ("huyen", "ubnd_huyen"), ("thi xa", "ubnd_huyen"),
    ("ubnd xa", "ubnd_xa"), ("ubnd phuong", "ubnd_xa"), ("xa", "ubnd_xa"), ("phuong", "ubnd_xa"),
    ("dac khu", "ubnd_xa"), ("dich vu cong", "dvc"), ("dvc", "dvc"),
)


@cache
def _aliases() -> dict[str, str]:
    raw = yaml.safe_load(resources.files("portal_audit").joinpath("data/csv_columns.yaml").read_text("utf-8"))
    return {fold(alias): field for field, names in raw.items() for alias in names}


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise RegistryError([f"{path}:1: the file is neither UTF-8 nor windows-1258 text"])


def _unit_type(cell: str) -> str:
    if cell.strip() in UNIT_TYPES:
        return cell.strip()
    folded = fold(cell)
    for words, unit in UNIT_WORDS:
        if folded == words or folded.startswith(words + " "):
            return unit
    return cell.strip()  # left as written: validation names it as unknown


def csv_to_registry(path: Path, province: str | None = None) -> tuple[dict[str, Any], dict[int, int]]:
    text = _read_text(path)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = list(reader)
    if not rows:
        raise RegistryError([f"{path}:1: the file is empty"])
    aliases = _aliases()
    header = [aliases.get(fold(h)) for h in rows[0]]
    unknown = [h for h, f in zip(rows[0], header, strict=True) if f is None and h.strip()]
    problems = [f"{path}:1: column {h!r}: unknown column (known: {', '.join(sorted(set(aliases.values())))})"
                for h in unknown]
    for needed in ("name", "url"):
        if needed not in header:
            problems.append(f"{path}:1: column {needed!r}: required column is missing")
    if problems:
        raise RegistryError(problems)
    sites: list[dict[str, Any]] = []
    line_of_site: dict[int, int] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        record = {f: cell.strip() for f, cell in zip(header, row, strict=False) if f and cell.strip()}
        site: dict[str, Any] = {
            "id": record.get("id") or slugify(record.get("name", "site")), "name": record.get("name", ""),
            "unit_type": _unit_type(record.get("unit_type", "other")), "url": record.get("url", ""),
        }
        for field in LIST_FIELDS:
            if field in record:
                site[field] = [v.strip() for v in record[field].replace(";", " ").split() if v.strip()]
        for field in INT_FIELDS:
            if field in record:
                site[field] = int(record[field]) if record[field].isdigit() else record[field]
        if "delay" in record:
            site["delay"] = float(record["delay"]) if record["delay"].replace(".", "", 1).isdigit() else record["delay"]
        if "render" in record:
            site["render"] = record["render"]
        webmaster = {k.removeprefix("webmaster_"): record[k] for k in
                     ("webmaster_name", "webmaster_email", "webmaster_phone") if k in record}
        if webmaster:
            site["webmaster"] = webmaster
        line_of_site[len(sites)] = line_no
        sites.append(site)
    return {"province": province or "Tỉnh (điền tên tỉnh)", "defaults": {}, "sites": sites}, line_of_site


def csv_to_registry_yaml(path: Path, province: str | None = None) -> str:
    data, line_of_site = csv_to_registry(path, province)

    def line_of(loc: tuple[Any, ...]) -> int:
        if len(loc) >= 2 and loc[0] == "sites" and isinstance(loc[1], int):
            return line_of_site.get(loc[1], 1)
        return 1

    validate(data, str(path), line_of)
    header = f"# Generated by `portal-audit registry import {path.name}`; edit freely, then run `registry check`.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
