"""The Vietnamese rule texts a webmaster reads: a fix to make, written by portal-audit, never Lighthouse's description.

The scorecard shows each rule's ``help.vi`` under "Cần làm gì" (what to do) to a webmaster who reads only
Vietnamese. Lighthouse's Vietnamese audit descriptions explain why a rule matters ("Trình đọc màn hình có các
tính năng…") and do not say what to change, so no rule may show one: every rule's ``vi_source`` is
portal-audit, its help differs from Lighthouse's description of the same rule, and it does not open the way
those descriptions do. A rule that scripts/build-a11y-rules fills from Lighthouse (a new axe rule) fails here
until someone writes its text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml

A11Y = Path(__file__).resolve().parents[1] / "portal_audit" / "a11y"
RULES_YAML = A11Y / "data" / "rules.yaml"
LIGHTHOUSE_VI = A11Y / "vendor" / "lighthouse-vi.json"

# How Lighthouse's descriptions open (explanations of who is helped), never how an instruction does.
DESCRIPTION_OPENINGS = ("trình đọc màn hình", "các trình đọc màn hình", "công nghệ hỗ trợ", "các công nghệ hỗ trợ",
                        "khi ", "nếu ", "việc ", "bằng việc", "nhờ ", "người dùng", "nhiều người dùng", "một số ",
                        "bạn nên", "để các", "đảm bảo")
# Outside `code` spans (which may hold `aria-*`): links, emphasis, headings.
CODE_SPAN = re.compile(r"`[^`\n]*`")
MARKDOWN = re.compile(r"\]\(|https?://|[*_]|^#")


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(RULES_YAML.read_text(encoding="utf-8"))


def lighthouse_descriptions() -> dict[str, str]:
    """Lighthouse's Vietnamese description per audit (= axe rule id), reduced to plain text as the generator does."""
    messages = json.loads(LIGHTHOUSE_VI.read_text(encoding="utf-8"))
    found = {}
    for key, value in messages.items():
        file, _, name = key.partition(" | ")
        if file.startswith("core/audits/accessibility/") and name == "description":
            text = re.sub(r"\s*\[(?:Tìm hiểu|Learn)[^\]]*\]\([^)]*\)\.?\s*$", "", value["message"])
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
            found[file.removeprefix("core/audits/accessibility/").removesuffix(".js")] = (
                unicodedata.normalize("NFC", " ".join(text.split())))
    return found


def test_vietnamese_rule_texts_are_nfc_plain_and_not_empty(table: dict[str, dict[str, Any]]) -> None:
    for rule_id, entry in table.items():
        for field in ("title", "help"):
            text = entry[field]["vi"]
            where = f"{rule_id}.{field}.vi"
            assert isinstance(text, str) and text.strip(), where
            assert unicodedata.is_normalized("NFC", text), where
            assert not MARKDOWN.search(CODE_SPAN.sub("", text)), f"{where}: Markdown other than backticks: {text}"
            assert text.count("`") % 2 == 0, f"{where}: unpaired backtick: {text}"


def test_no_rule_shows_a_lighthouse_description_as_its_fix(table: dict[str, dict[str, Any]]) -> None:
    descriptions = lighthouse_descriptions()
    assert len(descriptions) >= 40  # the vendored strings are read, so the comparison below means something
    for rule_id, entry in table.items():
        help_vi = entry["help"]["vi"]
        assert entry["vi_source"] == "portal-audit", f"{rule_id}: vi_source {entry['vi_source']!r}"
        assert help_vi != descriptions.get(rule_id), f"{rule_id}: help.vi is Lighthouse's description"
        assert not help_vi.lower().startswith(DESCRIPTION_OPENINGS), (
            f"{rule_id}: help.vi reads as a description, not as what to do: {help_vi}")
