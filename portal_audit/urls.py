"""URL hygiene for the crawl: one canonical form per page, a site's scope, and crawler-trap defence.

Government CMSs (ASP.NET, Liferay, NukeViet) add session ids, tracking parameters and endless
calendars to their links; without this module a 300-page site looks like 30,000 pages.
The parameter lists are data: ``portal_audit/data/url_rules.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml
from w3lib.url import canonicalize_url, safe_url_string


@dataclass(frozen=True)
class UrlRules:
    drop_params: frozenset[str]
    drop_param_prefixes: tuple[str, ...]
    path_session_params: tuple[str, ...]
    pagination_params: frozenset[str]
    max_pagination: int
    document_extensions: frozenset[str]
    max_segment_repeats: int
    max_path_segments: int
    max_url_length: int
    date_pattern_cap: int
    future_years: int
    oldest_year: int


@cache
def load_rules() -> UrlRules:
    raw = yaml.safe_load(resources.files("portal_audit").joinpath("data/url_rules.yaml").read_text("utf-8"))
    return UrlRules(
        drop_params=frozenset(p.lower() for p in raw["drop_params"]),
        drop_param_prefixes=tuple(p.lower() for p in raw["drop_param_prefixes"]),
        path_session_params=tuple(p.lower() for p in raw["path_session_params"]),
        pagination_params=frozenset(p.lower() for p in raw["pagination_params"]),
        max_pagination=int(raw["max_pagination"]),
        document_extensions=frozenset(e.lower() for e in raw["document_extensions"]),
        max_segment_repeats=int(raw["max_segment_repeats"]),
        max_path_segments=int(raw["max_path_segments"]),
        max_url_length=int(raw["max_url_length"]),
        date_pattern_cap=int(raw["date_pattern_cap"]),
        future_years=int(raw["future_years"]),
        oldest_year=int(raw["oldest_year"]),
    )


def _keep_param(name: str, rules: UrlRules) -> bool:
    low = name.lower()
    return low not in rules.drop_params and not low.startswith(rules.drop_param_prefixes)


def canonical_url(url: str, rules: UrlRules | None = None) -> str:
    """Fragment-free, tracking- and session-free, query-sorted form of ``url`` (host lower-cased)."""
    return _canonical(url, rules or load_rules())


@lru_cache(maxsize=200_000)
def _canonical(url: str, rules: UrlRules) -> str:
    """Cached: menus repeat the same links on every page, so most calls are hits."""
    parts = urlsplit(safe_url_string(url.strip()))
    path = parts.path
    if ";" in path:
        kept = [seg for seg in path.split(";")[1:] if not seg.lower().startswith(rules.path_session_params)]
        path = ";".join([path.split(";")[0], *kept])
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if _keep_param(k, rules)])
    netloc = parts.netloc.lower()
    if (parts.scheme == "http" and netloc.endswith(":80")) or (parts.scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    rebuilt = urlunsplit((parts.scheme.lower(), netloc, path or "/", query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def safe_canonical_url(url: str) -> str | None:
    """canonical_url, or None for a URL too malformed to request (bad port, broken IPv6 literal...)."""
    try:
        canonical = canonical_url(url)
        urlsplit(canonical).port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    return canonical


def is_document(url: str, rules: UrlRules | None = None) -> bool:
    rules = rules or load_rules()
    path = urlsplit(url).path.lower()
    return "." in path.rsplit("/", 1)[-1] and path.rsplit(".", 1)[-1] in rules.document_extensions


@dataclass(frozen=True)
class Scope:
    """Which URLs belong to one registry site: its hosts (with port) and, optionally, path prefixes.

    http and https of the same host are the same site; an explicit different port is not.
    """

    netlocs: frozenset[tuple[str, int | None]]
    prefixes: tuple[str, ...] = ()

    @classmethod
    def for_site(cls, url: str, aliases: frozenset[str] | set[str], prefixes: tuple[str, ...]) -> Scope:
        parts = urlsplit(url)
        hosts = {(parts.hostname or "").lower(), *aliases}
        return cls(netlocs=frozenset((h, parts.port) for h in hosts), prefixes=prefixes)

    def with_host_of(self, url: str) -> Scope:
        """The same scope plus the host of ``url``: a start page that moved (non-www to www, new domain)."""
        parts = urlsplit(url)
        return Scope(self.netlocs | {((parts.hostname or "").lower(), parts.port)}, self.prefixes)

    def same_host(self, url: str) -> bool:
        parts = urlsplit(url)
        try:
            return ((parts.hostname or "").lower(), parts.port) in self.netlocs
        except ValueError:  # a malformed port
            return False

    def contains(self, url: str) -> bool:
        if not self.same_host(url):
            return False
        if not self.prefixes:
            return True
        path = urlsplit(url).path or "/"
        return any(path.startswith(p) or path + "/" == p for p in self.prefixes)


# A date inside a URL: 2026-11-27, 2026/11, 20261127, 27-11-2026. Every part is bounded by non-digits,
# so slugs such as "giai-doan-2026-2030-100123" (a period and an article id) are not dates.
_DATE_IN_URL = re.compile(
    r"(?<!\d)(?P<y>(?:19|20|21)\d\d)[-/_.]?(?P<m>0[1-9]|1[0-2])(?:[-/_.]?(?P<d>0[1-9]|[12]\d|3[01]))?(?!\d)"
    r"|(?<!\d)(?P<d2>0?[1-9]|[12]\d|3[01])[-/_.](?P<m2>0?[1-9]|1[0-2])[-/_.](?P<y2>(?:19|20|21)\d\d)(?!\d)"
)
_YEAR_PARAM = re.compile(r"^(?:19|20|21)\d\d$")


@dataclass
class TrapGuard:
    """Per-site crawler-trap defence; ``check`` returns a reason to skip a URL, or None.

    - pagination parameters (``?page=``, ``?trang=``...) beyond a bound;
    - a path segment repeated too often (relative-link loops such as ``/tin-tuc/tin-tuc/tin-tuc/``);
    - endless calendars: URLs that differ only in a date are capped per pattern, and dates far in the
      future or the distant past are skipped.
    """

    today: date = field(default_factory=date.today)
    rules: UrlRules = field(default_factory=load_rules)
    _date_patterns: dict[str, int] = field(default_factory=dict)

    def check(self, url: str) -> str | None:
        rules = self.rules
        if len(url) > rules.max_url_length:
            return f"URL longer than {rules.max_url_length} characters"
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) > rules.max_path_segments:
            return f"more than {rules.max_path_segments} path segments"
        counts: dict[str, int] = {}
        for seg in segments:
            counts[seg] = counts.get(seg, 0) + 1
            if counts[seg] >= rules.max_segment_repeats:
                return f"path segment {seg!r} repeated {counts[seg]} times"
        params = parse_qsl(parts.query, keep_blank_values=True)
        for name, value in params:
            if name.lower() in rules.pagination_params and value.isdigit() and int(value) > rules.max_pagination:
                return f"pagination {name}={value} beyond {rules.max_pagination}"
        return self._calendar(parts.path, params)

    def _calendar(self, path: str, params: list[tuple[str, str]]) -> str | None:
        years: list[int] = []

        def mask(match: re.Match[str]) -> str:
            years.append(int(match.group("y") or match.group("y2")))
            return "{date}"

        masked_path = _DATE_IN_URL.sub(mask, path)
        masked_params = []
        for name, value in params:
            if _YEAR_PARAM.match(value):
                years.append(int(value))
                value = "{year}"
            elif name.lower() in ("month", "thang", "m", "day", "ngay", "d", "week", "tuan") and value.isdigit():
                value = "{n}"
            else:
                value = _DATE_IN_URL.sub(mask, value)
            masked_params.append(f"{name}={value}")
        if not years:
            return None
        for year in years:
            if year > self.today.year + self.rules.future_years or year < self.rules.oldest_year:
                return f"date with year {year} outside the plausible range (calendar trap)"
        pattern = masked_path + "?" + "&".join(sorted(masked_params))
        seen = self._date_patterns.get(pattern, 0)
        if seen >= self.rules.date_pattern_cap:
            return f"more than {self.rules.date_pattern_cap} URLs differing only in a date (calendar trap)"
        self._date_patterns[pattern] = seen + 1
        return None
