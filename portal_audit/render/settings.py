"""What the browser steps (axe renders, page speed) need of a site, read from the configuration frozen with
the run, not from today's registry: a re-render of an old run renders it as it was crawled."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from portal_audit.netsafety import Allowance
from portal_audit.registry import parse_networks


@dataclass(frozen=True)
class SiteSettings:
    id: str
    render: str          # sample | all | none (registry `render`); none: no browser step touches the site
    budget: int
    per_template: int
    best_practice: bool
    timeout: float
    allowance: Allowance

    @classmethod
    def from_row(cls, site: dict[str, Any]) -> SiteSettings:
        config = json.loads(site.get("config") or "{}")
        nets = config.get("allow_private_networks", False)
        return cls(id=site["id"], render=config.get("render") or "sample",
                   budget=int(config.get("render_budget") or 40),
                   per_template=int(config.get("render_per_template") or 2),
                   best_practice=bool(config.get("axe_best_practice")),
                   timeout=float(config.get("timeout") or 20),
                   allowance=nets if isinstance(nets, bool) else tuple(parse_networks(nets)))
