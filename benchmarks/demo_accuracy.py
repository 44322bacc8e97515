"""How often the audit agrees with the demo's hand-written answer keys, by Decree 43 Art. 10(1) point.

Runs `portal-audit demo` (or reads `--db` of an earlier demo run), audits it as of the day the demo's dated
content was written for, and compares each site's point with its answer key (portal_audit/demo/answer_key.py,
the same reading as tests/test_audit_demo.py). Disagreements the team keeps on purpose count as misses here:
the number is the audit's agreement with the keys, not the test's pass rate. For a before/after figure, run it
on two checkouts (`git worktree add`) against the same keys (`--answers`).

Usage: python benchmarks/demo_accuracy.py [--db DEMO_DB] [--answers DIR]
Last line: `demo_art10_accuracy: <percent>`.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from portal_audit.demo.answer_key import ANSWERS, AS_OF, audited_points, expected_points, sites_with_points


def _cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "portal_audit", *args], check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="audit.db of a demo run (default: run the demo now)")
    parser.add_argument("--answers", type=Path, default=ANSWERS, help="directory of answer keys")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="demo-accuracy-"))
    try:
        if args.db is None:
            _cli("demo", "--out", str(work / "out"), "--quiet")
            db = work / "out" / "audit.db"
        else:
            db = work / "audit.db"
            shutil.copy(args.db, db)  # the re-audit below must not change the caller's database
        _cli("audit", "--db", str(db), "--checklist", "decree-43-2011", "--checklist", "decree-224-2026",
             "--as-of", AS_OF)
        con = sqlite3.connect(db)
        by_point: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        misses: list[str] = []
        for site in sites_with_points(args.answers):
            got = audited_points(con, site)
            for point, outcome in expected_points(site, args.answers).items():
                actual = got.get(point, ("absent", None))[0]
                by_point[point][1] += 1
                if actual == outcome:
                    by_point[point][0] += 1
                else:
                    misses.append(f"  {site} {point}: key {outcome}, audit {actual}")
        con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    order = ["a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l"]
    print(f"{'point':<6}{'agree':>6}{'of':>4}")
    for point in sorted(by_point, key=lambda p: order.index(p) if p in order else 99):
        agree, total = by_point[point]
        print(f"{point:<6}{agree:>6}{total:>4}")
    agree = sum(a for a, _ in by_point.values())
    total = sum(t for _, t in by_point.values())
    print(f"all   {agree:>6}{total:>4}")
    if misses:
        print("disagreements:")
        print("\n".join(misses))
    print(f"demo_art10_accuracy: {100 * agree / total:.1f}")


if __name__ == "__main__":
    main()
