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
    family_limit: int
    view_params: frozenset[str]
    calendar_params: frozenset[str]
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
        family_limit=int(raw["family_limit"]),
        view_params=frozenset(p.lower() for p in raw["view_params"]),
        calendar_params=frozenset(p.lower() for p in raw["calendar_params"]),
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
        return self.specificity(url) is not None

    def link_kind(self, url: str) -> str:
        """How the crawl treats a link to ``url``, for the spider and render discovery alike: ``document`` (a
        file on the site's host, probed, never parsed), ``internal`` (a page to crawl), ``out_of_scope`` (the
        same host, another site's path) or ``external``. A host the network rule refuses (``refused``) is the
        caller's to judge first: it needs the site's allowance."""
        if is_document(url) and self.same_host(url):
            return "document"
        if self.contains(url):
            return "internal"
        return "out_of_scope" if self.same_host(url) else "external"

    def specificity(self, url: str) -> int | None:
        """How closely this scope claims ``url``: None when it does not, 0 for a whole host, else the length of
        the longest prefix matching. Sites sharing a host (a portal and its departments under /web/...) own
        the URLs their most specific scope claims."""
        if not self.same_host(url):
            return None
        if not self.prefixes:
            return 0
        path = urlsplit(url).path or "/"
        lengths = [len(p) for p in self.prefixes if path.startswith(p) or path + "/" == p]
        return max(lengths) if lengths else None


# A date inside a URL: 2026-11-27, 2026/11, 20261127, 27-11-2026. Every part is bounded by non-digits,
# so slugs such as "giai-doan-2026-2030-100123" (a period and an article id) are not dates.
_DATE_IN_URL = re.compile(
    r"(?<!\d)(?P<y>(?:19|20|21)\d\d)[-/_.]?(?P<m>0[1-9]|1[0-2])(?:[-/_.]?(?P<d>0[1-9]|[12]\d|3[01]))?(?!\d)"
    r"|(?<!\d)(?P<d2>0?[1-9]|[12]\d|3[01])[-/_.](?P<m2>0?[1-9]|1[0-2])[-/_.](?P<y2>(?:19|20|21)\d\d)(?!\d)"
)
_DIGITS = re.compile(r"\d+")


@dataclass
class _Family:
    """What the guard knows of one URL family: its members accepted so far and how it grew."""

    members: set[str] = field(default_factory=set)
    produced: int = 0      # members first reached from a page of the same family


@dataclass
class TrapGuard:
    """Per-site crawler-trap defence; ``check`` returns a reason to skip a URL, or None.

    A trap is a URL family that keeps producing new URLs, so families are judged, never one URL's slug:

    - a *family* is the site's URLs identical but for their numbers (digit runs in the path and in query
      values; the values of view parameters such as ``sort``/``order`` do not count): one template's list,
      article series or calendar. A family may add at most ``family_limit`` members reached from its own
      pages (next week, next day, next sort order...); links from elsewhere (menus, listings, sitemaps) are
      content and always followed;
    - a *calendar* is the URLs identical but for a date (``?ngay=2026-12-05``, ``/events/2026/12/05/``,
      ``?thang=12&nam=2026``): at most ``family_limit`` of them in all, whoever links them;
    - a path whose query keeps growing from its own pages (each link adding a parameter) may do so
      ``family_limit`` times.

    Family-independent rules judge one URL: its length and number of path segments, a path segment repeated
    (relative-link loops such as ``/tin-tuc/tin-tuc/tin-tuc/``), pagination parameters beyond a bound, and a
    date-valued query parameter (calendar navigation, not a slug) far in the future or before ``oldest_year``.
    A date or year in a path, as in an anniversary article's slug, never refuses a URL by itself.
    """

    today: date = field(default_factory=date.today)
    rules: UrlRules = field(default_factory=load_rules)
    _families: dict[str, _Family] = field(default_factory=dict, repr=False)
    _calendars: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _growth: dict[str, int] = field(default_factory=dict, repr=False)

    def check(self, url: str, referrer: str | None = None) -> str | None:
        """Why ``url`` (canonical), linked from the page ``referrer``, is not crawled; None when it is.

        An accepted URL becomes a member of its family: ask once per URL to be crawled (asking again about
        an accepted URL answers None and changes nothing).
        """
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
        for name, value in params:
            year = self._date_year(name, value)
            if year is not None and not rules.oldest_year <= year <= self.today.year + rules.future_years:
                return f"{name}={value}: date with year {year} outside the plausible range (calendar trap)"

        key = self._family_key(parts.netloc, parts.path, params)
        family = self._families.setdefault(key, _Family())
        if url in family.members:
            return None
        limit = rules.family_limit
        calendar = self._calendar_key(parts.netloc, parts.path, params)
        if calendar is not None and len(self._calendars.get(calendar, ())) >= limit:
            return f"calendar family {_shown(calendar)}: more than {limit} addresses differing only in a date"
        from_family = grows = False
        path_key = parts.netloc + _masked(parts.path)
        if referrer is not None:
            ref = urlsplit(referrer)
            ref_params = parse_qsl(ref.query, keep_blank_values=True)
            from_family = self._family_key(ref.netloc, ref.path, ref_params) == key
            if from_family and family.produced >= limit:
                return (f"family {_shown(key)} keeps producing new addresses: more than {limit} reached from "
                        "its own pages")
            # The referrer's path, with a query of more parameters: /loc?a=1 -> /loc?a=1&b=2 -> ...
            grows = (not from_family and ref.netloc + _masked(ref.path) == path_key
                     and {n for n, _ in ref_params} < {n for n, _ in params})
            if grows and self._growth.get(path_key, 0) >= limit:
                return (f"family {_shown(path_key)}: query grown by its own pages more than {limit} times "
                        "(endless query growth)")
        family.members.add(url)
        family.produced += from_family
        self._growth[path_key] = self._growth.get(path_key, 0) + grows
        if calendar is not None:
            self._calendars.setdefault(calendar, set()).add(url)
        return None

    def _date_year(self, name: str, value: str) -> int | None:
        """The year of a query value that is a date: written with separators, or compact in a calendar
        parameter (``?ngay=20261205``). Bare numbers (``?ItemID=1998``, ``?nam=1998``) are not dates."""
        match = _DATE_IN_URL.fullmatch(value)
        if match is None:
            return None
        if name.lower() not in self.rules.calendar_params and not any(c in value for c in "-/_."):
            return None
        return int(match.group("y") or match.group("y2"))

    def _family_key(self, netloc: str, path: str, params: list[tuple[str, str]]) -> str:
        view = self.rules.view_params
        query = sorted(f"{n}=*" if n.lower() in view else f"{n}={_DIGITS.sub('#', v)}" for n, v in params)
        return netloc + _masked(path) + "?" + "&".join(query)

    def _calendar_key(self, netloc: str, path: str, params: list[tuple[str, str]]) -> str | None:
        """The URL with its dates masked (other numbers kept), or None when it holds no date."""
        masked = [False]

        def date_mark(match: re.Match[str]) -> str:
            masked[0] = True
            return "{date}"

        masked_path = _DATE_IN_URL.sub(date_mark, path)
        query = []
        for name, value in params:
            if self._date_year(name, value) is not None:
                value, masked[0] = "{date}", True
            elif name.lower() in self.rules.calendar_params and value.isdigit():
                value, masked[0] = "{n}", True
            query.append(f"{name}={value}")
        if not masked[0]:
            return None
        return netloc + masked_path + "?" + "&".join(sorted(query))


def _masked(path: str) -> str:
    return _DIGITS.sub("#", path)


def _shown(key: str) -> str:
    """A family key as a reason shows it: path and query, without the host and a dangling '?'."""
    shown = "/" + key.split("/", 1)[1] if "/" in key else key
    return shown.removesuffix("?")
