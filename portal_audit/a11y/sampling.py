"""Which pages the browser audits: a few per template, plus the pages that always matter.

Accessibility defects that axe needs a browser for (contrast, focus, ARIA in scripts) mostly live in a
site's templates: a CMS prints the same header, menu and article layout on thousands of pages. So the
render stage groups pages by their layout fingerprint (``pages.template_fp``, computed at crawl time
from the DOM skeleton, not from article text) and renders ``render_per_template`` pages of each, largest
template first, plus the home page, the contact page, service pages and the main menu's targets, all
within ``render_budget`` pages per site. ``render: all`` renders every page; ``render: none`` none.
What changes page by page (an article's image without alt) is the static rules' job, on every page.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urljoin

import yaml

from portal_audit.html import is_navigation, parse_html
from portal_audit.text import fold
from portal_audit.urls import safe_canonical_url

_SEPARATORS = re.compile(r"[-_/.?=&+%]+")


@dataclass(frozen=True)
class Candidate:
    url: str                 # the page's final URL (what the browser loads)
    template_fp: str | None
    depth: int
    title: str | None


@dataclass(frozen=True)
class Choice:
    url: str
    reason: str              # home | template | contact | service | menu | all


@functools.cache
def _config() -> dict[str, Any]:
    text = resources.files("portal_audit.a11y").joinpath("data/sampling.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _folded(candidate: Candidate) -> str:
    return " " + _SEPARATORS.sub(" ", fold(f"{candidate.url} {candidate.title or ''}")) + " "


def _matches(candidate: Candidate, kind: str) -> bool:
    text = _folded(candidate)
    return any(f"{fold(p)}" in text for p in _config()["always"][kind])


def menu_targets(home_html: str, base_url: str) -> list[str]:
    """Canonical URLs linked from the home page's navigation containers, in page order."""
    root = parse_html(home_html)
    if root is None:
        return []
    found: list[str] = []
    for el in root.iter("nav", "ul", "div", "ol"):
        if not is_navigation(el):
            continue
        for a in el.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            try:
                url = safe_canonical_url(urljoin(base_url, href))
            except ValueError:
                continue
            if url and url not in found:
                found.append(url)
    return found


def choose_pages(candidates: list[Candidate], *, mode: str, budget: int, per_template: int,
                 menu: list[str] | None = None) -> list[Choice]:
    """Pick the pages to render, most telling first, at most ``budget`` (``all`` ignores the budget).

    Order: the home page; one page of every template, largest template first; contact pages; service pages
    and main-menu targets (at most ``per_template`` of them per template); then more pages per template
    up to ``per_template``.
    """
    if mode == "none" or not candidates:
        return []
    ordered = sorted(candidates, key=lambda c: (c.depth, len(c.url), c.url))
    if mode == "all":
        return [Choice(c.url, "all") for c in ordered]
    chosen: dict[str, str] = {}
    per_fp: dict[str | None, int] = defaultdict(int)
    extra_per_fp: dict[str | None, int] = defaultdict(int)

    def take(candidate: Candidate, reason: str) -> bool:
        if len(chosen) >= budget or candidate.url in chosen:
            return False
        if reason in ("service", "menu"):
            # Menu targets and service pages often share one template (ten category lists, forty
            # procedures): beyond per_template of them a template teaches axe nothing new.
            if extra_per_fp[candidate.template_fp] >= per_template:
                return False
            extra_per_fp[candidate.template_fp] += 1
        chosen[candidate.url] = reason
        per_fp[candidate.template_fp] += 1
        return True

    take(ordered[0], "home")
    groups: dict[str | None, list[Candidate]] = defaultdict(list)
    for candidate in ordered:
        groups[candidate.template_fp].append(candidate)
    by_size = sorted(groups.items(), key=lambda item: (-len(item[1]), item[1][0].url))
    # One page of every template first, so a tight budget still sees each layout once.
    for fp, members in by_size:
        if per_fp[fp] == 0:
            take(members[0], "template")
    config = _config()
    services = [c for c in ordered if _matches(c, "service")][: max(1, int(budget * config["service_share"]))]
    for candidate in [c for c in ordered if _matches(c, "contact")][:2]:
        take(candidate, "contact")
    for candidate in services:
        take(candidate, "service")
    by_url = {c.url: c for c in ordered}
    for url in (menu or [])[: config["max_menu_pages"]]:
        if url in by_url:
            take(by_url[url], "menu")
    for round_ in range(2, per_template + 1):
        for fp, members in by_size:
            for candidate in members:
                if per_fp[fp] >= round_:
                    break
                take(candidate, "template")
    return [Choice(url, reason) for url, reason in chosen.items()]
