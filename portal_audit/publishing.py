"""Whether a weekly run may replace the published report, and where its report goes when it may not.

Why: when the auditing server itself loses its network (DNS down, a firewall change, an expired proxy), every
site fails the same way. Publishing that run would replace last week's good public summary with "not scored,
0 of N" and tell every webmaster their site is down. So a run in which all or nearly all sites are unreachable
for a network reason is *degraded*: its report is written beside the published one (``<out>.degraded``), the
run exits with its own code, and diffs and trends skip it, until an operator publishes it with
``--force-publish``. One site down, or sites refusing us with HTTP 403, is news and is published as usual.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from portal_audit.errorkind import NETWORK_KINDS
from portal_audit.store import Store, utcnow

# The share of a run's sites that must be unreachable for a network reason (DNS, connection, timeout, TLS: a
# wrong clock fails every certificate) before the run is degraded. docs/operations.md repeats it.
NETWORK_DOWN_SHARE = 0.8

# runs held back as degraded and never published since: left out of diffs and trends
DEGRADED_RUNS_SQL = ("SELECT run_id FROM publications WHERE state = 'degraded' "
                     "EXCEPT SELECT run_id FROM publications WHERE state != 'degraded'")


def network_failure(sites: Iterable[dict[str, Any]]) -> str | None:
    """Why the run looks like the auditing machine's own network failure, or None when it does not."""
    sites = list(sites)
    kinds = Counter(kind for site in sites if site["status"] == "unreachable"
                    and (kind := (site["status_reason"] or "").split(":", 1)[0]) in NETWORK_KINDS)
    failed = sum(kinds.values())
    if not sites or failed < max(1, math.ceil(NETWORK_DOWN_SHARE * len(sites))):
        return None
    return (f"{failed} of {len(sites)} sites unreachable for a network reason ("
            + ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()) + ")")


def degraded_folder(out: Path) -> Path:
    """Where a degraded run's report goes: beside the published one, never over it."""
    return out.with_name(out.name + ".degraded")


def record_publication(store: Store, run_id: str, out: Path, state: str, reason: str | None) -> None:
    with store.db.atomic():
        store.db["publications"].insert({"run_id": run_id, "out": str(out), "state": state, "reason": reason,
                                         "at": utcnow()})


def is_degraded(store: Store, run_id: str) -> bool:
    """True when ``run_id`` was held back as degraded and has not been published since."""
    return store.db.execute(f"SELECT 1 FROM ({DEGRADED_RUNS_SQL}) WHERE run_id = ?", (run_id,)).fetchone() is not None
