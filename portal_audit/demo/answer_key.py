"""The demo's answer keys read as Art. 10 points (what each site's point should come out as) and the audit's
results read the same way, so the demo test and benchmarks/demo_accuracy.py compare them one way."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import yaml

ANSWERS = Path(__file__).parent / "answers"
AS_OF = "2026-11-26"  # the day the demo's dated content was written for (freshness is judged as of it)
POINT_CODES = {"dd": "đ"}


def expected_points(site: str, answers: Path = ANSWERS) -> dict[str, str]:
    """Point → outcome the key states for the site's Decree 43 Art. 10(1) points."""
    planted = yaml.safe_load((answers / f"{site}.yaml").read_text(encoding="utf-8"))["planted"]
    expected: dict[str, str] = {}
    # Content only a browser shows counts as present: the render stage finds JavaScript-built menus.
    order = [("content_missing", "failed"), ("content_only_after_rendering", "passed"),
             ("content_present", "passed"), ("content_partial", "partial")]
    for kind, default in order:  # a later, more specific statement about a point wins
        for entry in planted.get(kind) or []:
            outcome = entry.get("outcome", default)
            match = re.match(r"nd43\.a10\.k1\.([a-z]+)\.", entry["item"])
            if match:
                point = POINT_CODES.get(match.group(1), match.group(1))
                if not (expected.get(point) == "partial" or (expected.get(point) == "passed" and outcome == "failed")):
                    expected[point] = outcome
    return expected


def audited_points(con: sqlite3.Connection, site: str) -> dict[str, tuple[str, str | None]]:
    """Point → (outcome, reason) of the audit's Decree 43 Art. 10(1) findings for the site."""
    got: dict[str, tuple[str, str | None]] = {}
    for outcome, reason, raw_ref in con.execute(
            "SELECT outcome, reason, ref FROM findings WHERE site_id = ? AND checklist = ?", (site, "decree-43-2011")):
        ref = json.loads(raw_ref)
        applicable = outcome != "not_applicable"
        if ref["article"] == 10 and ref.get("point") and (applicable or ref["point"] not in got):
            got[ref["point"]] = (outcome, reason)
    return got


def sites_with_points(answers: Path = ANSWERS) -> list[str]:
    """The demo sites whose key states Art. 10 points."""
    return [p.stem for p in sorted(answers.glob("*.yaml")) if expected_points(p.stem, answers)]
