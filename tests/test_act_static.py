"""The static rules on W3C's ACT Rules test cases: every claimed ACT rule meets the goal.

Goal (portal_audit.a11y.act): no false positive on the rule's passed and inapplicable examples, and recall of at
least 0.90 on its failed examples. The test cases live in shared/act beside the repository; CI always has them, so
there a missing folder is a failure, not a skip. The harness itself is also tested on a tiny made-up suite, which
needs no shared folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import unavailable

from portal_audit.a11y.act import (
    RuleScore,
    format_table,
    load_index,
    score,
    score_static,
    static_claims,
    static_detector,
)

ACT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "act"
CLAIMED = sorted(static_claims())


@pytest.fixture(scope="module")
def act_scores() -> dict[str, RuleScore]:
    if not (ACT_DIR / "index.json").is_file():
        unavailable(f"ACT test cases not found at {ACT_DIR} (shared/act beside the repository)")
    return {s.act_rule: s for s in score_static(ACT_DIR)}


def test_the_static_rules_claim_the_static_act_rules() -> None:
    for act_rule in ("23a2a8", "2779a5", "59796f", "7d6734", "97a4e1", "a25f45", "b4f0c3", "b5c3f8", "bc659a",
                     "bf051a", "c487ae", "de46e4", "e086e5", "cae760", "d0f69e", "ffd0e9", "3ea0c8", "8fc3b6"):
        assert act_rule in CLAIMED


def test_every_claimed_act_rule_is_scored(act_scores: dict[str, RuleScore]) -> None:
    assert sorted(act_scores) == CLAIMED


@pytest.mark.parametrize("act_rule", CLAIMED)
def test_claimed_act_rule_meets_the_goal(act_scores: dict[str, RuleScore], act_rule: str) -> None:
    s = act_scores[act_rule]
    assert s.failed > 0 and s.tp > 0
    assert s.fp == 0, f"{act_rule} ({', '.join(s.static_rules)}) reported on {', '.join(s.false_positives)}"
    assert s.recall is not None and s.recall >= 0.90, f"{act_rule} missed {', '.join(s.missed)}"
    assert s.meets_goal


def test_html_lang_mismatch_on_the_act_examples_of_its_rule() -> None:
    """ucwvc8 (HTML page language subtag matches default language) is not claimed: its examples are a sentence
    or a title long, below the 200 letters html-lang-mismatch judges. On them it must never be wrong, and it
    finds the one failed example with a paragraph of text (English under lang="da")."""
    if not (ACT_DIR / "index.json").is_file():
        unavailable(f"ACT test cases not found at {ACT_DIR}")
    (s,) = score(ACT_DIR, static_detector, {"ucwvc8": {"html-lang-mismatch"}})
    assert s.fp == 0, s.false_positives
    assert s.missed and "Failed Example 1" not in s.missed and s.tp == 1


def test_untested_examples_are_the_non_html_documents(act_scores: dict[str, RuleScore]) -> None:
    cases = [c for c in load_index(ACT_DIR) if c.rule_id in act_scores]
    non_html = {rule: sum(1 for c in cases if c.rule_id == rule and c.path.suffix not in (".html", ".htm"))
                for rule in act_scores}
    assert {rule: s.untested for rule, s in act_scores.items()} == non_html


# --- the harness on a made-up suite -------------------------------------------------------------------------------


def _suite(tmp_path: Path) -> Path:
    cases = [
        ("r1", "failed", "a.html", True), ("r1", "failed", "b.html", True), ("r1", "failed", "c.svg", True),
        ("r1", "passed", "d.html", True), ("r1", "inapplicable", "e.html", True),
        ("r1", "failed", "old.html", False),          # an example of an older version only: not scored
        ("r2", "failed", "f.html", True),
    ]
    entries = []
    for rule, expected, name, latest in cases:
        path = tmp_path / "testcases" / rule / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<html><body>{expected}</body></html>", "utf-8")
        entries.append({"rule_id": rule, "rule_name": f"Rule {rule}", "expected": expected, "latest": latest,
                        "title": f"{expected} {name}", "path": f"testcases/{rule}/{name}"})
    (tmp_path / "index.json").write_text(json.dumps({"testcases": entries}), "utf-8")
    return tmp_path


def test_score_counts_tp_fp_misses_and_untested(tmp_path: Path) -> None:
    reports = {"a.html": {"x"}, "b.html": set(), "d.html": {"x", "y"}, "e.html": {"y"}, "f.html": {"x"}}

    def detector(path: Path) -> set[str] | None:
        return None if path.suffix == ".svg" else reports.get(path.name, {"x"})

    r1, r2 = score(_suite(tmp_path), detector, {"r1": {"x"}, "r2": {"z"}})
    assert (r1.passed, r1.failed, r1.inapplicable) == (1, 3, 1)
    assert (r1.tp, r1.fp, r1.misses, r1.untested) == (1, 1, 1, 1)
    assert r1.false_positives == ("passed d.html",) and r1.missed == ("failed b.html",)
    assert r1.precision == 0.5 and r1.recall == pytest.approx(1 / 3) and not r1.meets_goal
    assert (r2.tp, r2.fp, r2.misses) == (0, 0, 1) and r2.precision is None and r2.recall == 0.0


def test_a_perfect_detector_meets_the_goal_and_the_table_says_so(tmp_path: Path) -> None:
    def oracle(path: Path) -> set[str] | None:
        return {"x"} if "failed" in path.read_text("utf-8") else set()

    (r1,) = score(_suite(tmp_path), oracle, {"r1": {"x"}})
    assert (r1.tp, r1.fp, r1.misses, r1.untested) == (3, 0, 0, 0)
    assert r1.meets_goal
    table = format_table([r1])
    assert table.splitlines()[2] == "| r1 | Rule r1 | x | 1 | 3 | 1 | 3 | 0 | 0 | 0 | 1.000 | 1.000 | met |"


def test_claims_of_unknown_act_rules_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="zzzzzz"):
        score(_suite(tmp_path), lambda path: set(), {"zzzzzz": {"x"}})


def test_the_axe_path_runs_on_act_examples_in_a_browser() -> None:
    """The harness's axe column: the render stage's code on two ACT rules' examples, served on loopback."""
    from portal_audit.a11y.act_axe import axe_claims, axe_results
    from portal_audit.render.browser import BrowserUnavailable

    if not (ACT_DIR / "index.json").is_file():
        unavailable(f"ACT test cases not found at {ACT_DIR}")
    rules = {"23a2a8", "c487ae"}
    try:
        results = axe_results(ACT_DIR, rules)
    except BrowserUnavailable as exc:
        unavailable(f"no browser on this machine: {exc}")
    scores = score(ACT_DIR, results.get, axe_claims(ACT_DIR, rules))
    assert {s.act_rule for s in scores} == rules
    for s in scores:
        assert s.untested == 0 and s.fp == 0 and s.recall == 1.0, format_table([s])
