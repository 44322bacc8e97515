#!/usr/bin/env python3
"""Static accessibility rules scored against the W3C ACT Rules test cases.

Why: the static rules (portal_audit/a11y/static.py) run on every stored page of real sites nobody has checked by
hand, so each ACT rule they claim must be decided correctly on W3C's own examples: zero false positives and recall
of at least 0.90. This prints one row per claimed ACT rule (passed/failed/inapplicable examples, true and false
positives, misses, untested examples, precision, recall) and, as the very last line,
``act_static_rules_meeting_goal: <k>/<n>``.

Run it with the project's interpreter: ``.venv/bin/python benchmarks/act_rules.py [--act ../shared/act] [--axe]``;
``--axe`` adds the same table for the axe path (every example rendered in Chromium, about 30 s).
Exit code 0 when every claimed ACT rule meets the goal, 1 when one does not, 2 when the test cases are missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portal_audit.a11y.act import format_table, score, score_static, static_claims

DEFAULT_ACT = Path(__file__).resolve().parents[1].parent / "shared" / "act"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--act", type=Path, default=DEFAULT_ACT,
                        help=f"folder of the ACT test cases, with index.json (default: {DEFAULT_ACT})")
    parser.add_argument("--axe", action="store_true",
                        help="also score the axe path (Chromium) on the same ACT rules, for comparison")
    parser.add_argument("--details", action="store_true",
                        help="list the examples wrongly reported or missed under the table")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (args.act / "index.json").is_file():
        print(f"no ACT test cases at {args.act} (index.json missing); pass --act", file=sys.stderr)
        return 2
    scores = score_static(args.act)
    print(format_table(scores))
    if args.details:
        for s in scores:
            for title in s.false_positives:
                print(f"{s.act_rule}: false positive on {title}")
            for title in s.missed:
                print(f"{s.act_rule}: missed {title}")
    if args.axe:
        from portal_audit.a11y.act_axe import axe_claims, axe_results

        claimed = set(static_claims())
        results = axe_results(args.act, claimed)
        axe_scores = score(args.act, results.get, axe_claims(args.act, claimed))
        print("\naxe-core path (bundled axe, production tags + best-practice, rendered in Chromium):\n")
        print(format_table(axe_scores).replace("| static rules |", "| axe rules |"))
        print(f"\nact_axe_rules_meeting_goal: {sum(1 for s in axe_scores if s.meets_goal)}/{len(axe_scores)} "
              "(for comparison; the goal is the static rules')")
    met = sum(1 for s in scores if s.meets_goal)
    print()
    print(f"act_static_rules_meeting_goal: {met}/{len(scores)}")
    return 0 if met == len(scores) else 1


if __name__ == "__main__":
    sys.exit(main())
