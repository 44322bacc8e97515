"""A broken checklist is refused with one line per problem (file, line, item, field); nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal_audit.audit.checklist import ChecklistError, available, load_checklist

HEADER = """\
checklist:
  id: test
  regime: nd43_2011
  doc: "43/2011/NĐ-CP"
  title_vi: "Thử"
  title_en: "Test"
  in_force_from: 2011-10-01
  in_force_until: 2022-08-14
items:
  - id: t.1
    area: content
    ref: {doc: "43/2011/NĐ-CP", article: 10, clause: 1, point: b}
    applies_to: [so_ban_nganh]
    name_vi: "Tin tức"
    name_en: "News"
    weight: 2
    fix_vi: "Đăng tin."
    fix_en: "Publish news."
    elements:
      - id: tin
        name_vi: "Tin"
        name_en: "News"
        detect:
"""


def write(tmp_path: Path, detect: str) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(HEADER + detect, encoding="utf-8")
    return path


def test_valid_minimal_checklist_loads(tmp_path: Path) -> None:
    checklist = load_checklist(str(write(tmp_path, "          - {type: nav_link, keywords: [Tin tức]}\n")))
    assert checklist.items[0]["id"] == "t.1"


@pytest.mark.parametrize(("detect", "words"), [
    ("          - {type: crystal_ball, keywords: [x]}\n", "unknown detector 'crystal_ball'"),
    ("          - {type: text, patterns: ['tin (tuc']}\n", "regex does not compile"),
    ("          - {type: nav_link}\n", "'keywords' is a required property"),
])
def test_broken_checklists_name_file_line_item_and_field(tmp_path: Path, detect: str, words: str) -> None:
    path = write(tmp_path, detect)
    with pytest.raises(ChecklistError) as info:
        load_checklist(str(path))
    problem = info.value.problems[0]
    assert problem.startswith(f"{path}:")
    assert "items[0](t.1).elements[0](tin).detect[0]" in problem
    assert words in problem


def test_unknown_checklist_name_lists_the_available_ones() -> None:
    with pytest.raises(ChecklistError, match="no such checklist"):
        load_checklist("decree-99-2099")


def test_every_shipped_checklist_loads() -> None:
    names = available()
    assert "decree-43-2011" in names
    for name in names:
        assert load_checklist(name).items
