"""Security headers, cookie flags, version disclosure and mixed content, judged from a stored response.

Everything here reads what the crawler already received (the ``pages.headers`` JSON and the stored HTML):
no request is made, so the audit stays a pure function of the store. The crawler stores headers as
``{lower-case name: ", ".join(values)}``; this module also accepts lists of values, bytes, and names in
any case, so a Scrapy ``Headers`` object or a hand-written test dict work the same.

Each rule follows what current browsers enforce, so a finding describes a real effect and not a scanner's
opinion: a ``<meta http-equiv>`` counts only where browsers honour it (Content-Security-Policy without
frame-ancestors, and ``<meta name="referrer">``), never for X-Frame-Options or HSTS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from http.cookiejar import http2time
from importlib.resources import files
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml
from lxml.html import HtmlElement

from portal_audit.html import parse_html
from portal_audit.reasons import Reason, reason

MAX_EVIDENCE = 200
HSTS_MIN_AGE = 15552000  # 180 days, the common floor (Mozilla Observatory, SSL Labs)
CHECKS = ("csp", "x_content_type_options", "frame_protection", "referrer_policy", "hsts", "cookie_flags",
          "version_disclosure")
REFERRER_POLICIES = frozenset({
    "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "same-origin",
    "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
})
DISPLAY_NAMES = {
    "content-security-policy": "Content-Security-Policy",
    "content-security-policy-report-only": "Content-Security-Policy-Report-Only",
    "x-content-type-options": "X-Content-Type-Options",
    "x-frame-options": "X-Frame-Options",
    "referrer-policy": "Referrer-Policy",
    "strict-transport-security": "Strict-Transport-Security",
    "set-cookie": "Set-Cookie",
}
# Set-Cookie lines joined with ", " by the crawler: split before "name=" but not inside "Expires=Wed, 21 Oct".
_COOKIE_JOIN = re.compile(r",\s*(?=[^;,=\s]+=)")
_Y2K = 946684800  # a deletion cookie's Expires is in the past; without a Date header, "before 2000" is safe


@dataclass(frozen=True)
class HeaderFinding:
    """One check's outcome on one response, worded for the site's webmaster."""

    check: str      # one of CHECKS
    outcome: str    # "passed" | "failed" | "not_applicable"
    reason: Reason  # translatable (portal_audit/reasons.py); the audit uses it as the finding's reason
    evidence: str | None  # the header line as received, e.g. "Server: Microsoft-IIS/8.5" (≤ 200 chars)


@dataclass(frozen=True)
class _Response:
    """Headers as lists of values by lower-case name, plus the <meta> tags that stand in for headers."""

    headers: dict[str, list[str]]
    names: dict[str, str]           # lower-case → as received (for evidence)
    meta_equiv: dict[str, str]      # <meta http-equiv> by lower-case name
    meta_named: dict[str, str]      # <meta name> by lower-case name

    def get(self, name: str) -> list[str]:
        return self.headers.get(name, [])

    def line(self, name: str) -> str:
        shown = DISPLAY_NAMES.get(name) or self.names.get(name, name)
        return _cut(f"{shown}: {', '.join(self.get(name))}")


def analyse_headers(headers: Mapping[str, Any], *, https: bool, html_head: str | None = None) -> list[HeaderFinding]:
    """All seven checks (CHECKS order) for one response; ``https`` is the scheme the page was served on."""
    response = _response(headers, html_head)
    return [
        _csp(response),
        _content_type_options(response),
        _frame_protection(response),
        _referrer_policy(response),
        _hsts(response, https),
        _cookie_flags(response, https),
        _version_disclosure(response),
    ]


# --- the checks --------------------------------------------------------------------------------------------------

def _csp(r: _Response) -> HeaderFinding:
    if any(v.strip() for v in r.get("content-security-policy")):
        return HeaderFinding("csp", "passed", reason("Content-Security-Policy is set"),
                             r.line("content-security-policy"))
    meta = r.meta_equiv.get("content-security-policy", "").strip()
    if meta:
        return HeaderFinding("csp", "passed", reason("Content-Security-Policy is set in a <meta> tag"),
                             _cut(f'<meta http-equiv="Content-Security-Policy" content="{meta}">'))
    if r.get("content-security-policy-report-only"):
        return HeaderFinding("csp", "failed", reason("only Content-Security-Policy-Report-Only: it reports, but "
                                                     "blocks nothing"), r.line("content-security-policy-report-only"))
    return HeaderFinding("csp", "failed", reason("no Content-Security-Policy header: nothing limits which scripts "
                                                 "the page may run"), None)


def _content_type_options(r: _Response) -> HeaderFinding:
    values = r.get("x-content-type-options")
    if not values:
        return HeaderFinding("x_content_type_options", "failed", reason("no X-Content-Type-Options: nosniff header"),
                             None)
    first = values[0].split(",")[0].strip().lower()  # browsers read the first value only
    if first == "nosniff":
        return HeaderFinding("x_content_type_options", "passed", reason("X-Content-Type-Options: nosniff is set"),
                             r.line("x-content-type-options"))
    return HeaderFinding("x_content_type_options", "failed",
                         reason("X-Content-Type-Options is '{value}', not 'nosniff'", value=first),
                         r.line("x-content-type-options"))


def _frame_protection(r: _Response) -> HeaderFinding:
    """CSP frame-ancestors wins over X-Frame-Options in browsers, so it is judged first."""
    ancestors = _frame_ancestors(r.get("content-security-policy"))
    if ancestors is not None:
        if "*" in ancestors.split():
            return HeaderFinding("frame_protection", "failed",
                                 reason("CSP frame-ancestors * lets any site frame the pages"),
                                 r.line("content-security-policy"))
        return HeaderFinding("frame_protection", "passed",
                             reason("CSP frame-ancestors limits who may frame the pages"),
                             r.line("content-security-policy"))
    values = r.get("x-frame-options")
    if values:
        tokens = {t.strip().lower() for v in values for t in v.split(",") if t.strip()}
        if tokens and tokens <= {"deny", "sameorigin"}:
            return HeaderFinding("frame_protection", "passed",
                                 reason("X-Frame-Options forbids framing by other sites"),
                                 r.line("x-frame-options"))
        if any(t.startswith("allow-from") for t in tokens):
            why = reason("X-Frame-Options ALLOW-FROM is ignored by current browsers: use CSP frame-ancestors")
        else:
            why = reason("X-Frame-Options has a value browsers do not understand (use DENY or SAMEORIGIN)")
        return HeaderFinding("frame_protection", "failed", why, r.line("x-frame-options"))
    if "x-frame-options" in r.meta_equiv:
        return HeaderFinding("frame_protection", "failed", reason("X-Frame-Options in a <meta> tag is ignored by "
                                                                  "browsers: send it as an HTTP header"), None)
    return HeaderFinding("frame_protection", "failed", reason("neither X-Frame-Options nor CSP frame-ancestors: "
                                                              "any site can frame these pages (clickjacking)"), None)


def _referrer_policy(r: _Response) -> HeaderFinding:
    values = r.get("referrer-policy")
    evidence = r.line("referrer-policy") if values else None
    if not values and "referrer" in r.meta_named:
        values = [r.meta_named["referrer"]]
        evidence = _cut(f'<meta name="referrer" content="{values[0]}">')
    if not values:
        return HeaderFinding("referrer_policy", "failed", reason("no Referrer-Policy header"), None)
    # Browsers apply the last value they recognise, so a fallback list "no-referrer, strict-origin" works.
    known = [t for v in values for t in (s.strip().lower() for s in v.split(",")) if t in REFERRER_POLICIES]
    if not known:
        return HeaderFinding("referrer_policy", "failed", reason("Referrer-Policy has no value browsers recognise"),
                             evidence)
    if known[-1] == "unsafe-url":
        return HeaderFinding("referrer_policy", "failed", reason("Referrer-Policy unsafe-url sends full addresses, "
                                                                 "query strings included, to every other site"),
                             evidence)
    return HeaderFinding("referrer_policy", "passed", reason("Referrer-Policy is {policy}", policy=known[-1]),
                         evidence)


def _hsts(r: _Response, https: bool) -> HeaderFinding:
    if not https:
        return HeaderFinding("hsts", "not_applicable", reason("HSTS only applies to pages served over HTTPS"),
                             None)
    values = r.get("strict-transport-security")
    if not values:
        return HeaderFinding("hsts", "failed", reason("no Strict-Transport-Security header: browsers may still "
                                                      "try http:// first"), None)
    evidence = r.line("strict-transport-security")
    age = _max_age(values[0].split(",")[0])  # only the first header counts (RFC 6797 §8.1)
    if age is None:
        return HeaderFinding("hsts", "failed", reason("Strict-Transport-Security has no valid max-age"), evidence)
    if age < HSTS_MIN_AGE:
        return HeaderFinding("hsts", "failed", reason("HSTS max-age is {days} day(s), less than 180",
                                                      days=str(age // 86400)), evidence)
    return HeaderFinding("hsts", "passed", reason("HSTS max-age is {days} days", days=str(age // 86400)),
                         evidence)


def _cookie_flags(r: _Response, https: bool) -> HeaderFinding:
    lines = [c for v in r.get("set-cookie") for c in _COOKIE_JOIN.split(v) if c.strip()]
    date = http2time(r.get("date")[0]) if r.get("date") else None
    cookies = [c for c in (_cookie(line) for line in lines) if c is not None and not _is_deletion(c, date)]
    if not cookies:
        return HeaderFinding("cookie_flags", "not_applicable", reason("no cookies set"), None)
    if not https:
        return HeaderFinding("cookie_flags", "not_applicable", reason("cookies sent over plain http:// cannot be "
                                                                      "protected: see the HTTPS check"),
                             _cookie_evidence(cookies[0]))
    lacking = [(c, missing) for c in cookies if (missing := _missing_flags(c))]
    if not lacking:
        return HeaderFinding("cookie_flags", "passed", reason("all {n} cookie(s) have Secure, HttpOnly and SameSite",
                                                              n=str(len(cookies))), _cookie_evidence(cookies[0]))
    listed = "; ".join(f"{c.name} ({', '.join(missing)})" for c, missing in lacking)
    return HeaderFinding("cookie_flags", "failed", _lacking_flags(len(lacking), len(cookies), listed),
                         _cookie_evidence(lacking[0][0]))


def _version_disclosure(r: _Response) -> HeaderFinding:
    rules = _disclosure_rules()
    shown: list[str] = []
    for name in rules.headers:
        shown += [f"{rules.headers[name]}: {v}" for v in r.get(name) if _has_version(v, rules)]
    for name in rules.meta_names:
        value = r.meta_named.get(name)
        if value and _has_version(value, rules):
            shown.append(f'<meta name="{name}" content="{value}">')
    if not shown:
        return HeaderFinding("version_disclosure", "passed", reason("no software version disclosed"), None)
    what = sorted({s.split(":")[0] if not s.startswith("<") else "meta generator" for s in shown})
    return HeaderFinding("version_disclosure", "failed", reason("software version disclosed by {what}",
                                                                what=", ".join(what)),
                         _cut(" | ".join(shown)))


# --- helpers ------------------------------------------------------------------------------------------------------

def _response(headers: Mapping[str, Any], html_head: str | None) -> _Response:
    values: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for key, value in headers.items():
        name = _text(key).strip()
        names.setdefault(name.lower(), name)
        values.setdefault(name.lower(), []).extend(_text(v) for v in _as_list(value))
    equiv, named = _metas(html_head)
    return _Response(values, names, equiv, named)


def _as_list(value: Any) -> Iterable[Any]:
    if isinstance(value, list | tuple):
        return value
    return [] if value is None else [value]


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)


def _metas(html: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """<meta http-equiv> and <meta name> contents; the first of each name wins, as in browsers."""
    equiv: dict[str, str] = {}
    named: dict[str, str] = {}
    root = parse_html(html) if html else None
    if root is None:
        return equiv, named
    for meta in root.iter("meta"):
        content = (meta.get("content") or "").strip()
        if meta.get("http-equiv"):
            equiv.setdefault(meta.get("http-equiv").strip().lower(), content)
        elif meta.get("name"):
            named.setdefault(meta.get("name").strip().lower(), content)
    return equiv, named


def _directives(policy_values: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(directive name, value) of every policy: several CSP headers, or one joined by commas."""
    for value in policy_values:
        for policy in value.split(","):
            for directive in policy.split(";"):
                name, _, rest = directive.strip().partition(" ")
                if name:
                    yield name.lower(), rest.strip()


def _frame_ancestors(csp_values: list[str]) -> str | None:
    for name, value in _directives(csp_values):
        if name == "frame-ancestors":
            return value
    return None


def _max_age(value: str) -> int | None:
    for directive in value.split(";"):
        name, _, raw = directive.strip().partition("=")
        if name.strip().lower() == "max-age":
            raw = raw.strip().strip('"')
            return int(raw) if raw.isdigit() else None
    return None


@dataclass(frozen=True)
class _Cookie:
    name: str
    line: str
    attributes: dict[str, str]


def _cookie(line: str) -> _Cookie | None:
    pair, *attrs = line.split(";")
    name, eq, _ = pair.partition("=")
    if not eq or not name.strip():
        return None
    attributes = {}
    for attr in attrs:
        key, _, value = attr.strip().partition("=")
        attributes.setdefault(key.strip().lower(), value.strip())
    return _Cookie(name.strip(), line.strip(), attributes)


def _is_deletion(cookie: _Cookie, date: float | None) -> bool:
    """A cookie being removed (Max-Age ≤ 0, or Expires in the past) carries nothing to protect."""
    max_age = cookie.attributes.get("max-age", "")
    if max_age.lstrip("-").isdigit():
        return int(max_age) <= 0
    expires = http2time(cookie.attributes["expires"]) if "expires" in cookie.attributes else None
    return expires is not None and expires < (date if date is not None else _Y2K)


def _missing_flags(cookie: _Cookie) -> list[str]:
    missing = [flag for flag, key in (("Secure", "secure"), ("HttpOnly", "httponly")) if key not in cookie.attributes]
    if cookie.attributes.get("samesite", "").lower() not in ("strict", "lax", "none"):
        missing.append("SameSite")
    return missing


def _cookie_evidence(cookie: _Cookie) -> str:
    """The Set-Cookie line with its value hidden: evidence goes into public reports, session ids do not."""
    name, _, rest = cookie.line.partition("=")
    value, sep, attrs = rest.partition(";")
    return _cut(f"Set-Cookie: {name}={'…' if value else ''}{sep}{attrs}")


@dataclass(frozen=True)
class _DisclosureRules:
    headers: dict[str, str]  # lower-case → display name
    meta_names: tuple[str, ...]
    version: re.Pattern[str]
    not_a_version: tuple[re.Pattern[str], ...]


@cache
def _disclosure_rules() -> _DisclosureRules:
    data = yaml.safe_load(files("portal_audit.technical").joinpath("data/disclosure.yaml").read_text("utf-8"))
    return _DisclosureRules(
        headers={h.lower(): h for h in data["headers"]},
        meta_names=tuple(n.lower() for n in data.get("meta_names", [])),
        version=re.compile(data["version"], re.IGNORECASE),
        not_a_version=tuple(re.compile(p, re.IGNORECASE) for p in data.get("not_a_version", [])),
    )


def _has_version(value: str, rules: _DisclosureRules) -> bool:
    value = value.strip()
    if any(p.fullmatch(value) for p in rules.not_a_version):
        return False
    return rules.version.search(value) is not None


def _lacking_flags(n: int, total: int, listed: str) -> Reason:
    """The cookie reason, cut at MAX_EVIDENCE like evidence: the cookie list is shortened, so the English text
    is the cut sentence and the words around the list stay translatable."""
    why = reason("{n} of {total} cookie(s) lack flags: {cookies}", n=str(n), total=str(total), cookies=listed)
    over = len(why) - MAX_EVIDENCE
    if over <= 0:
        return why
    return reason("{n} of {total} cookie(s) lack flags: {cookies}", n=str(n), total=str(total),
                  cookies=listed[: len(listed) - over - 1] + "…")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_EVIDENCE else text[: MAX_EVIDENCE - 1] + "…"


# --- mixed content -------------------------------------------------------------------------------------------------

# (tag, attribute, kind) of subresources a browser fetches with the page; <a href> is navigation, not mixed content.
_SUBRESOURCES = (
    ("script", "src", "script"), ("img", "src", "img"), ("img", "srcset", "img"), ("iframe", "src", "iframe"),
    ("frame", "src", "iframe"), ("audio", "src", "audio"), ("video", "src", "video"), ("video", "poster", "img"),
    ("source", "src", "source"), ("source", "srcset", "source"), ("track", "src", "track"),
    ("embed", "src", "embed"), ("object", "data", "object"), ("input", "src", "img"), ("form", "action", "form"),
)


def mixed_content(html: str | HtmlElement, page_url: str, *,
                  headers: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """http:// subresources of an https page, as (kind, absolute URL), in document order, each once.

    ``html``: the page's text, or its lxml root when the caller has parsed it already (the audit corpus
    has). Relative URLs are resolved against ``<base href>``: a ``<base href="http://...">`` left over from
    the site's http days makes every relative script mixed. A page whose CSP (header, given in ``headers``,
    or ``<meta>``) says ``upgrade-insecure-requests`` has none: the browser fetches those URLs over https.
    """
    if urlsplit(page_url).scheme.lower() != "https":
        return []
    root = parse_html(html) if isinstance(html, str) else html
    if root is None or _upgrades(root, headers):
        return []
    base_el = root.find(".//base[@href]")
    base = urljoin(page_url, base_el.get("href").strip()) if base_el is not None else page_url
    found: list[tuple[str, str]] = []
    for kind, raw in _subresource_urls(root):
        url = urljoin(base, raw)
        if urlsplit(url).scheme.lower() == "http" and (kind, url) not in found:
            found.append((kind, url))
    return found


def _subresource_urls(root: HtmlElement) -> Iterator[tuple[str, str]]:
    wanted: dict[str, list[tuple[str, str]]] = {}
    for tag, attr, kind in _SUBRESOURCES:
        wanted.setdefault(tag, []).append((attr, kind))
    for el in root.iter("link", *wanted):
        if el.tag == "link":
            if "stylesheet" in (el.get("rel") or "").lower().split() and el.get("href"):
                yield "stylesheet", el.get("href").strip()
            continue
        if el.tag == "input" and (el.get("type") or "").lower() != "image":
            continue
        for attr, kind in wanted[el.tag]:
            value = (el.get(attr) or "").strip()
            if value:
                yield from ((kind, u) for u in (_srcset(value) if attr == "srcset" else [value]))


def _srcset(value: str) -> list[str]:
    """URLs of a srcset ("a.jpg 1x, b.jpg 2x"); a URL may itself contain commas, as the HTML parser allows."""
    urls: list[str] = []
    for match in re.finditer(r"\s*,*\s*(\S+)(?:\s+[^,]*)?", value):
        url = match.group(1)
        if url.endswith(","):
            url = url.rstrip(",")
        if url:
            urls.append(url)
    return urls


def _upgrades(root: HtmlElement, headers: Mapping[str, Any] | None) -> bool:
    policies = [v for k, v in (headers or {}).items() if _text(k).strip().lower() == "content-security-policy"]
    values = [_text(x) for v in policies for x in _as_list(v)]
    values += [meta.get("content") or "" for meta in root.iter("meta")
               if (meta.get("http-equiv") or "").strip().lower() == "content-security-policy"]
    return any(name == "upgrade-insecure-requests" for name, _ in _directives(values))
