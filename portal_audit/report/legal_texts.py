"""Whether a cited legal text is in force on the run's day, and where its official text is (legal-texts.yaml).

The status belongs to the text, not to the checklist that cites it: every citation of Decree 43/2011 on a scorecard
says "no longer in force since 15/08/2022", whichever checklist the item comes from. A text the file does not know,
or marks ``status: unverified``, gets no status at all rather than a guess.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def legal_texts() -> dict[str, dict[str, Any]]:
    text = resources.files("portal_audit.checklists").joinpath("legal-texts.yaml").read_text("utf-8")
    return {entry["doc"]: entry for entry in yaml.safe_load(text)["texts"]}


def run_day(document: dict[str, Any]) -> date | None:
    """The day the run started (the day whose law applies), or None when the export does not say."""
    started = (document.get("run") or {}).get("started_at")
    try:
        return datetime.fromisoformat(str(started)).date()
    except ValueError:
        return None


def text_status(doc: str | None, day: date | None) -> dict[str, Any]:
    """``{"status": "in_force" | "repealed" | "not_yet" | None, "since": date | None, "url": str | None}`` for the
    first text a reference names ("32/2017/TT-BTTTT; 224/2026/NĐ-CP" cites the first)."""
    first = str(doc or "").split(";")[0].strip()
    entry = legal_texts().get(first)
    if entry is None:
        return {"status": None, "since": None, "url": None}
    url = entry.get("url")
    if entry.get("status") == "unverified" or day is None:
        return {"status": None, "since": None, "url": url}
    start, until = entry["in_force_from"], entry.get("in_force_until")
    if day < start:
        return {"status": "not_yet", "since": start, "url": url}
    if until is not None and day > until:
        return {"status": "repealed", "since": until + timedelta(days=1), "url": url}
    return {"status": "in_force", "since": start, "url": url}
