"""Score accessibility detectors against the W3C ACT Rules test cases (``shared/act``).

Why: a rule that runs on pages nobody has looked at must be measured on cases with known answers. W3C's ACT
rules publish, for each rule, example pages that pass, fail, or are out of the rule's scope. A detector *claims*
ACT rules (its rule ids -> ACT rule ids); only the claimed ACT rule's own examples score it:

- reported on a failed example: true positive;
- reported on a passed or inapplicable example: false positive;
- not reported on a failed example: miss;
- an example the detector cannot run (an ``.svg`` or ``.xml`` document for an HTML parser): untested. It is
  never counted as passed: an untested failed example counts in the recall's denominator.

The goal of a claimed ACT rule is zero false positives and recall >= 0.90. A detector is any function from an
example file to the set of rule ids it reports (None: cannot run it), so axe-core in a browser can be scored by the
same code later, next to the static rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from portal_audit.a11y.static import STATIC_RULES, check_html

Detector = Callable[[Path], "set[str] | None"]

RECALL_GOAL = 0.90
HTML_SUFFIXES = (".html", ".htm")


@dataclass(frozen=True)
class ActCase:
    """One example page of one ACT rule, with its expected outcome in the rule's latest version."""

    rule_id: str
    rule_name: str
    expected: str   # passed | failed | inapplicable
    title: str      # "Failed Example 3"
    path: Path      # absolute


@dataclass(frozen=True)
class RuleScore:
    act_rule: str
    rule_name: str
    static_rules: tuple[str, ...]   # detector rule ids that claim this ACT rule
    passed: int                     # examples expected to pass (all, tested or not)
    failed: int
    inapplicable: int
    tp: int
    fp: int
    misses: int                     # failed examples tested and not reported
    untested: int
    false_positives: tuple[str, ...] = ()   # titles of the examples wrongly reported, for diagnosis
    missed: tuple[str, ...] = ()

    @property
    def precision(self) -> float | None:
        reported = self.tp + self.fp
        return self.tp / reported if reported else None

    @property
    def recall(self) -> float | None:
        """Over every failed example, untested ones included (they were not found)."""
        return self.tp / self.failed if self.failed else None

    @property
    def meets_goal(self) -> bool:
        return self.fp == 0 and self.recall is not None and self.recall >= RECALL_GOAL


def load_index(act_dir: Path) -> list[ActCase]:
    """The examples of ``index.json`` that belong to their rule's latest version.

    ``latest`` is false for files kept only from an older version of a rule (no longer one of its examples);
    ``expected`` is the outcome in the latest version.
    """
    data = json.loads((act_dir / "index.json").read_text("utf-8"))
    return [ActCase(rule_id=t["rule_id"], rule_name=t.get("rule_name", ""), expected=t["expected"],
                    title=t.get("title", ""), path=act_dir / t["path"])
            for t in data["testcases"] if t.get("latest", True)]


def static_detector(path: Path) -> set[str] | None:
    """The static rules reported on one example; None for documents that are not HTML (svg, xml)."""
    if path.suffix.lower() not in HTML_SUFFIXES:
        return None
    text = path.read_bytes().decode("utf-8", errors="replace")
    return {hit.rule for hit in check_html(text, f"file://{path}")}


def static_claims() -> dict[str, set[str]]:
    """ACT rule id -> the static rule ids that claim it (StaticRule.act_rules)."""
    claims: dict[str, set[str]] = {}
    for rule in STATIC_RULES.values():
        for act_rule in rule.act_rules:
            claims.setdefault(act_rule, set()).add(rule.id)
    return claims


def score(act_dir: Path, detector: Detector, claims: Mapping[str, Iterable[str]]) -> list[RuleScore]:
    """Score ``detector`` on the examples of each claimed ACT rule (sorted by ACT rule id)."""
    cases = load_index(act_dir)
    known = {case.rule_id for case in cases}
    missing = sorted(set(claims) - known)
    if missing:
        raise ValueError(f"claimed ACT rules not in {act_dir / 'index.json'}: {', '.join(missing)}")
    scores = []
    for act_rule in sorted(claims):
        rule_ids = set(claims[act_rule])
        own = [case for case in cases if case.rule_id == act_rule]
        scores.append(_score_rule(act_rule, own, rule_ids, detector))
    return scores


def _score_rule(act_rule: str, cases: list[ActCase], rule_ids: set[str], detector: Detector) -> RuleScore:
    counts = {"passed": 0, "failed": 0, "inapplicable": 0}
    tp = fp = misses = untested = 0
    false_positives: list[str] = []
    missed: list[str] = []
    for case in sorted(cases, key=lambda c: (c.expected, c.title)):
        counts[case.expected] = counts.get(case.expected, 0) + 1
        reported_ids = detector(case.path)
        if reported_ids is None:
            untested += 1
            continue
        reported = bool(reported_ids & rule_ids)
        if case.expected == "failed":
            if reported:
                tp += 1
            else:
                misses += 1
                missed.append(case.title)
        elif reported:
            fp += 1
            false_positives.append(case.title)
    return RuleScore(act_rule=act_rule, rule_name=cases[0].rule_name if cases else "",
                     static_rules=tuple(sorted(rule_ids)), passed=counts["passed"], failed=counts["failed"],
                     inapplicable=counts["inapplicable"], tp=tp, fp=fp, misses=misses, untested=untested,
                     false_positives=tuple(false_positives), missed=tuple(missed))


def score_static(act_dir: Path) -> list[RuleScore]:
    """The static rules scored on every ACT rule they claim."""
    return score(act_dir, static_detector, static_claims())


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def format_table(scores: Iterable[RuleScore]) -> str:
    """A markdown table, one row per ACT rule."""
    lines = ["| ACT rule | name | static rules | passed | failed | inapplicable | TP | FP | miss | untested "
             "| precision | recall | goal |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in scores:
        lines.append(f"| {s.act_rule} | {s.rule_name} | {', '.join(s.static_rules)} | {s.passed} | {s.failed} "
                     f"| {s.inapplicable} | {s.tp} | {s.fp} | {s.misses} | {s.untested} | {_ratio(s.precision)} "
                     f"| {_ratio(s.recall)} | {'met' if s.meets_goal else 'NOT met'} |")
    return "\n".join(lines)
