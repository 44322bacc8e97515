"""Recompute the ``crawl`` part of the answer keys with a small, independent breadth-first crawl of the demo.

It follows the crawl rules the answer keys promise (see ``answers/README.md``), not the production spider's
code: start URL + robots.txt ``Sitemap:`` lines + ``/sitemap.xml``; ``<a>``/``<area>``/``<iframe>`` links within
host and scope; the project's URL canonicalisation and trap guard; robots.txt; private addresses and non-web
schemes refused without traffic; redirects followed by hand (loops named); documents probed with HEAD. If the
spider and this script disagree on a demo site, one of them has a bug worth a look.

Usage: ``python -m portal_audit.demo.tools.expected_crawl [--write] [SITE_ID ...]``: print the computed part,
or (``--write``) replace it in ``answers/<site>.yaml``, keeping the hand-written rest.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import sys
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import yaml
from protego import Protego
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from portal_audit.netsafety import address_allowed, literal_ip, scheme_allowed
from portal_audit.urls import Scope, TrapGuard, canonical_url, is_document

HTML_TYPES = ("text/html", "application/xhtml+xml")
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "sms:", "data:", "#")
USER_AGENT = "portal-audit-expected/1"


@dataclass
class Fetched:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None


@dataclass
class Outcome:
    pages_ok: set[str] = field(default_factory=set)
    errors: dict[str, list[Any]] = field(default_factory=dict)
    documents: dict[str, int | None] = field(default_factory=dict)
    trap_refused: list[str] = field(default_factory=list)

    def error(self, kind: str, value: Any) -> None:
        bucket = self.errors.setdefault(kind, [])
        if value not in bucket:
            bucket.append(value)


def _unverified() -> ssl.SSLContext:
    """Like the spider, the crawl does not judge certificates (the technical checks do): an expired one still serves."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def fetch(url: str, method: str, timeout: float, max_bytes: int) -> Fetched:
    """One request without following redirects; errors are named like the spider's fetch_errors kinds."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", parts.port or 443, timeout=timeout,
                                           context=_unverified())
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=timeout)
    try:
        conn.request(method, path, headers={"User-Agent": USER_AGENT})
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        length = headers.get("content-length")
        if method == "HEAD":
            return Fetched(resp.status, headers)
        if length is not None and int(length) > max_bytes:
            return Fetched(resp.status, headers, error="too_large")
        body = resp.read(max_bytes + 1)
        if len(body) > max_bytes:
            return Fetched(resp.status, headers, error="too_large")
        return Fetched(resp.status, headers, body)
    except TimeoutError:
        return Fetched(error="timeout")
    except socket.gaierror:
        return Fetched(error="dns")
    except ssl.SSLError:
        return Fetched(error="tls")
    except OSError:
        return Fetched(error="connection")
    finally:
        conn.close()


def links(body: bytes, base_url: str) -> tuple[list[str], list[str]]:
    """(http links, refused non-web links) of a page, as the spider's page-facts parser reads them."""
    try:
        root = lxml.html.document_fromstring(body)
    except (ValueError, lxml.etree.ParserError):  # an unparsable page has no links
        return [], []
    base_el = root.find(".//base[@href]")
    base = urljoin(base_url, base_el.get("href").strip()) if base_el is not None else base_url
    found, refused = [], []
    for el in root.iter("a", "area", "iframe", "frame"):
        href = (el.get("href") if el.tag in ("a", "area") else el.get("src")) or ""
        href = href.strip()
        if not href or href[:12].lower().startswith(SKIP_SCHEMES):
            continue
        url = urljoin(base, href)
        (found if url.split(":", 1)[0].lower() in ("http", "https") else refused).append(url)
    return found, refused


class ExpectedCrawl:
    def __init__(self, site: dict[str, Any], defaults: dict[str, Any], timeout: float | None = None,
                 today: date | None = None):
        self.site = site
        self.url = site["url"]
        cfg = {**defaults, **{k: v for k, v in site.items() if v is not None}}
        self.timeout = float(timeout if timeout is not None else cfg.get("timeout", 4))
        self.max_bytes = int(cfg.get("max_page_bytes", 2_000_000))
        self.max_depth = int(cfg.get("max_depth", 8))
        self.max_pages = int(cfg.get("max_pages", 300))
        raw_allow = cfg.get("allow_private_networks", False)
        if isinstance(raw_allow, list):
            import ipaddress

            self.allow: Any = tuple(ipaddress.ip_network(n, strict=False) for n in raw_allow)
        else:
            self.allow = bool(raw_allow)
        self.scope = Scope.for_site(self.url, set(site.get("aliases") or []), tuple(site.get("scope") or []))
        self.traps = TrapGuard(today=today or date.today())
        self.root = "{0.scheme}://{0.netloc}".format(urlsplit(self.url))
        self.robots: Protego | None = None
        self.seen: set[str] = set()
        self.refused: set[str] = set()
        self.probed: set[str] = set()
        self.queue: deque[tuple[str, int, list[str]]] = deque()
        self.out = Outcome()

    def show(self, url: str) -> str:
        """Paths for this host, absolute URLs for anything else."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == self.root:
            return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return url

    def allowed_by_robots(self, url: str) -> bool:
        return self.robots is None or self.robots.can_fetch(url, USER_AGENT)

    def schedule(self, url: str, depth: int, referrer: str | None = None) -> None:
        if url in self.seen or depth > self.max_depth:
            return
        if self.traps.check(url, referrer):
            self.out.trap_refused.append(self.show(url))
            return
        if len(self.seen) >= self.max_pages:
            return
        self.seen.add(url)
        self.queue.append((url, depth, []))

    def run(self) -> Outcome:
        self.schedule(canonical_url(self.url), 0)
        for extra in self.site.get("start_urls") or []:
            self.schedule(canonical_url(extra), 0)
        robots = fetch(self.root + "/robots.txt", "GET", self.timeout, self.max_bytes)
        sitemaps = [self.root + "/sitemap.xml"]
        if robots.status == 200 and robots.error is None:
            text = robots.body.decode("utf-8", "replace")
            self.robots = Protego.parse(text)
            for url in sitemap_urls_from_robots(robots.body, base_url=self.root + "/robots.txt"):
                url = canonical_url(url)
                if self.scope.same_host(url) and url not in sitemaps:
                    sitemaps.insert(0, url)
        for sitemap_url in sitemaps:
            got = fetch(sitemap_url, "GET", self.timeout, self.max_bytes)
            if got.status != 200 or got.error or not got.body.strip():
                continue
            for entry in Sitemap(got.body):
                loc = canonical_url(entry.get("loc", ""))
                if self.scope.contains(loc):
                    self.schedule(loc, 1, sitemap_url)
        while self.queue:
            url, depth, chain = self.queue.popleft()
            self.page(url, depth, chain)
        return self.out

    def page(self, url: str, depth: int, chain: list[str]) -> None:
        origin = chain[0] if chain else url
        if not self.allowed_by_robots(url):
            self.out.error("robots", self.show(origin))
            return
        got = fetch(url, "GET", self.timeout, self.max_bytes)
        if got.error:
            self.out.error(got.error, self.show(origin))
            return
        assert got.status is not None
        if 300 <= got.status < 400:
            target = canonical_url(urljoin(url, got.headers.get("location", "")))
            hops = [*chain, url] if chain else [url]
            if target in hops:
                self.out.error("redirect_loop", self.show(origin))
            elif not scheme_allowed(target):
                self.out.error("blocked_scheme", self.show(target))
            elif (ip := literal_ip(urlsplit(target).hostname or "")) and not address_allowed(ip, self.allow):
                self.out.error("blocked_private", self.show(target))
            elif self.scope.contains(target) and target not in self.seen:
                self.seen.add(target)
                self.page(target, depth, hops)
            return
        ctype = got.headers.get("content-type", "")
        if ctype.split(";")[0].strip().lower() not in HTML_TYPES:
            self.out.documents[self.show(origin)] = got.status
            return
        if got.status >= 400:
            self.out.error("http", {"url": self.show(origin), "status": got.status})
            return
        self.out.pages_ok.add(self.show(url))
        found, refused = links(got.body, url)
        for bad in refused:
            if bad not in self.refused:
                self.refused.add(bad)
                self.out.error("blocked_scheme", bad)
        for raw in found:
            link = canonical_url(raw)
            ip = literal_ip(urlsplit(link).hostname or "")
            if ip is not None and not address_allowed(ip, self.allow):
                if link not in self.refused:
                    self.refused.add(link)
                    self.out.error("blocked_private", self.show(link))
            elif is_document(link) and self.scope.same_host(link):
                self.document(link)
            elif self.scope.contains(link):
                self.schedule(link, depth + 1, url)

    def document(self, url: str) -> None:
        if url in self.probed:
            return
        self.probed.add(url)
        if not self.allowed_by_robots(url):
            self.out.error("robots", self.show(url))
            return
        current = url
        for _ in range(10):
            got = fetch(current, "HEAD", self.timeout, self.max_bytes)
            if got.status in (400, 403, 405, 501):
                got = fetch(current, "GET", self.timeout, self.max_bytes)
            if got.status is not None and 300 <= got.status < 400:
                current = canonical_url(urljoin(current, got.headers.get("location", "")))
                continue
            self.out.documents[self.show(url)] = got.status
            return


def expected(registry: dict[str, Any], site_id: str, timeout: float | None = None) -> Outcome:
    site = next(s for s in registry["sites"] if s["id"] == site_id)
    return ExpectedCrawl(site, registry.get("defaults") or {}, timeout=timeout).run()


def as_answer(outcome: Outcome, trap_prefixes: list[str]) -> dict[str, Any]:
    """The answer-key shape: pages outside trap prefixes, errors and documents sorted for stable diffs."""
    pages = sorted(p for p in outcome.pages_ok if not any(p.startswith(t) for t in trap_prefixes))
    errors: dict[str, Any] = {}
    for kind, values in sorted(outcome.errors.items()):
        errors[kind] = sorted(values, key=lambda v: v["url"] if isinstance(v, dict) else v)
    return {
        "pages_ok": len(pages),
        "pages_ok_paths": pages,
        "fetch_errors": errors,
        "documents": [{"url": u, "status": s} for u, s in sorted(outcome.documents.items())],
        "trap_pages": sorted(p for p in outcome.pages_ok if any(p.startswith(t) for t in trap_prefixes)),
    }


HEADER = """\
# Answer key of the demo site {site} (format: portal_audit/demo/answers/README.md).
# crawl.pages_ok, pages_ok_paths, fetch_errors and documents are computed by
# `python -m portal_audit.demo.tools.expected_crawl --write`; everything else is written by hand.
"""
COMPUTED = ("pages_ok", "pages_ok_paths", "fetch_errors", "documents")


def merge(key: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The answer key with its computed crawl fields replaced, in a stable key order."""
    crawl = dict(key.get("crawl") or {})
    ordered: dict[str, Any] = {"status": crawl.pop("status", None)}
    for name in COMPUTED:
        crawl.pop(name, None)
        ordered[name] = result[name]
    ordered.update(crawl)
    return {"site": key["site"], "unit_type": key["unit_type"], "host": key.get("host"), "crawl": ordered,
            **{k: v for k, v in key.items() if k not in ("site", "unit_type", "host", "crawl")}}


def main(argv: list[str]) -> None:
    from pathlib import Path

    from portal_audit.demo.server import DemoProvince

    write = "--write" in argv
    ids = [a for a in argv if not a.startswith("--")]
    answers = Path(__file__).resolve().parents[1] / "answers"
    with DemoProvince() as demo:
        registry = yaml.safe_load(demo.registry_text())
        for site_id in ids or [s["id"] for s in registry["sites"]]:
            key_file = answers / f"{site_id}.yaml"
            key = yaml.safe_load(key_file.read_text("utf-8")) if key_file.exists() else {}
            prefixes = [t["prefix"] for t in (key.get("crawl") or {}).get("traps") or []]
            result = as_answer(expected(registry, site_id), prefixes)
            if write and key:
                text = yaml.safe_dump(merge(key, result), allow_unicode=True, sort_keys=False, width=120)
                key_file.write_text(HEADER.format(site=site_id) + text, encoding="utf-8")
            else:
                sys.stdout.write(yaml.safe_dump({site_id: result}, allow_unicode=True, sort_keys=False, width=120))


if __name__ == "__main__":
    main(sys.argv[1:])
