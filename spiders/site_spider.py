"""The one spider: discovers a registry site's pages politely and records what it saw, judging nothing.

One instance per registry site, all in one process. It follows links within the site's hosts and path
scope, reads robots.txt and sitemaps, keeps its own page budget and trap guard, follows redirects itself
(so chains and loops are recorded, not silently dropped), and checks documents and external links with
HEAD. Everything it learns leaves as items for the store pipeline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import StopDownload
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from portal_audit.crawl.encoding import decode_html
from portal_audit.crawl.errors import classify
from portal_audit.crawl.items import Document, FetchError, Item, Link, LinkCheck, Page, PageItem, SiteFile, write
from portal_audit.crawl.pagefacts import PageFacts, parse_page
from portal_audit.crawl.resume import ResumeState
from portal_audit.crawl.robots import ROBOTS_MAX_BYTES
from portal_audit.errorkind import REFUSED_KINDS, ErrorKind
from portal_audit.netsafety import Refusal, host_refusal, literal_only, refusal
from portal_audit.registry import SiteConfig
from portal_audit.store import compress_html, dumps, headers_json, utcnow
from portal_audit.urls import Scope, TrapGuard, is_document, safe_canonical_url

MAX_REDIRECTS = 10
MAX_SITEMAPS = 50
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class SharedState:
    """State shared by all site spiders of one run: external URLs are checked once per run."""

    external_scheduled: set[str] = field(default_factory=set)


@dataclass
class SiteProgress:
    """Live counters for the progress display; the store stays the source of truth."""

    site_id: str
    scheduled: int = 0
    fetched: int = 0
    errors: int = 0
    checks: int = 0
    done: bool = False


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return content_type.split(";")[0].strip().lower() in HTML_TYPES
    return body[:512].lstrip().lower().startswith((b"<!doctype html", b"<html"))


def _headers_json(response: Response) -> str:
    return headers_json((k.decode("latin-1"), [v.decode("latin-1") for v in vs]) for k, vs in response.headers.items())


class SiteSpider(scrapy.Spider):
    name = "portal-audit-site"

    def __init__(self, site: SiteConfig, run_id: str, shared: SharedState, writer: Any,
                 resume: ResumeState | None = None, **kwargs: Any):
        super().__init__(name=f"site:{site.id}", **kwargs)
        self.site = site
        self.run_id = run_id
        self.shared = shared
        self.writer = writer
        self.allow_private_networks = site.allow_private_networks
        self.scope = Scope.for_site(site.url, site.hosts, site.scope)
        self.traps = TrapGuard()
        self.seen: set[str] = set()            # canonical page URLs requested or reached by a redirect
        self.probed: set[str] = set()          # documents and out-of-scope URLs already checked
        self.refused: set[str] = set()         # URLs refused (scheme, private address, trap) already recorded
        self.external_budget = site.max_external_checks if site.check_external_links else 0
        self.document_budget = site.max_documents
        self.sitemaps_seen: set[str] = set()
        self.budget_exhausted = False
        self.progress = SiteProgress(site.id)
        self.resume = resume                   # stored state of this site when resuming an interrupted run
        self.revalidated = 0                   # pages answered 304 and stored from the previous run's copy
        self.reused_facts = 0                  # of those, pages whose facts were reused instead of re-parsed
        self._refused_hosts: dict[str, Refusal | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_headers, signal=signals.headers_received)
        crawler.signals.connect(spider._on_bytes, signal=signals.bytes_received)
        return spider

    # --- requests --------------------------------------------------------------------------------------

    def _meta(self, kind: str, **extra: Any) -> dict[str, Any]:
        return {"pa_kind": kind, "handle_httpstatus_all": True, **extra}

    def _page_request(self, url: str, depth: int, referrer: str | None) -> Request | None:
        """Schedule a page once, within budget, depth and trap limits; None when it is not crawled."""
        if url in self.seen:
            return None
        if depth > self.site.max_depth:
            return None
        reason = self.traps.check(url, referrer)
        if reason:
            self._refuse(url, ErrorKind.TRAP, reason, referrer)
            return None
        if len(self.seen) >= self.site.max_pages:
            self.budget_exhausted = True
            return None
        self.seen.add(url)
        self.progress.scheduled += 1
        return Request(url, callback=self.parse_page, errback=self.page_failed, dont_filter=True,
                       priority=-depth,
                       meta=self._meta("page", pa_depth=depth, pa_referrer=referrer, pa_origin=url,
                                       pa_redirects=[]))

    def _probe_request(self, url: str, kind: str, referrer: str, method: str = "HEAD",
                       redirects: list[dict[str, Any]] | None = None, origin: str | None = None) -> Request:
        """HEAD (then GET, headers only) for a document or an external/out-of-scope link."""
        meta = self._meta(kind, pa_referrer=referrer, pa_origin=origin or url, pa_redirects=redirects or [],
                          pa_method=method)
        if kind == "external":
            meta["dont_obey_robotstxt"] = True  # one HEAD per URL is a link check, not crawling
        return Request(url, method=method, callback=self.parse_probe, errback=self.probe_failed,
                       dont_filter=True, priority=-100, meta=meta)

    async def start(self) -> AsyncIterator[Request]:
        if self.resume is not None:
            for request in self._resume_requests(self.resume):
                yield request
        for url in (self.site.url, *self.site.start_urls):
            request = self._page_request(safe_canonical_url(url) or url, 0, None)
            if request:
                yield request
        root = "{0.scheme}://{0.netloc}".format(urlsplit(self.site.url))
        stored = self.resume.site_files if self.resume is not None else {}
        if root + "/robots.txt" in stored:
            for request in self._replay_robots(stored[root + "/robots.txt"]):
                yield request
        else:
            yield Request(root + "/robots.txt", callback=self.parse_robots, errback=self.site_file_failed,
                          dont_filter=True, priority=10,
                          meta=self._meta("site_file", pa_file="robots", dont_obey_robotstxt=True))
        if root + "/sitemap.xml" not in self.sitemaps_seen:
            for request in self._sitemap_or_replay(root + "/sitemap.xml"):
                yield request

    # --- resume ----------------------------------------------------------------------------------------

    def _resume_requests(self, state: ResumeState) -> Iterator[Request]:
        """Seed what the interrupted attempt stored, then schedule what its stored pages linked to."""
        for page in state.pages:
            if page.depth == 0 and not self.site.scope:
                for url in (*page.hops[1:], page.final_url):
                    if not self.scope.same_host(url):
                        self.scope = self.scope.with_host_of(url)
            if page.url not in self.seen:
                self.traps.check(page.url, page.referrer)  # replays the trap families' counters
            self.seen.update((page.url, page.final_url, *page.hops))
        for url, kind in state.errors:
            if kind in (ErrorKind.TRAP, *REFUSED_KINDS):
                self.refused.add(url)
            if kind != ErrorKind.TRAP and self.scope.contains(url) and not is_document(url):
                self.seen.add(url)
        for url in state.documents:
            if is_document(url) and self.scope.same_host(url):
                self.probed.add(url)
                self.document_budget -= 1
            else:
                self.seen.add(url)
        checked = self.shared.external_scheduled
        self.external_budget -= len({t for _, t, k in state.links
                                     if k in ("external", "out_of_scope") and t in checked})
        self.progress.scheduled = self.progress.fetched = len(state.pages)
        depth_of = state.depth_of
        for from_url, to_url, kind in state.links:
            if kind == "internal":
                request = self._page_request(to_url, depth_of.get(from_url, 0) + 1, from_url)
            elif kind == "document":
                request = self._document_probe(to_url, from_url)
            elif kind in ("external", "out_of_scope"):
                request = self._external_probe(to_url, from_url)
            else:
                request = None
            if request is not None:
                yield request

    def _replay_robots(self, stored: tuple[str, int | None, bytes]) -> Iterator[Request]:
        _kind, status, body = stored
        if status is None or status >= 400:
            return
        root = "{0.scheme}://{0.netloc}".format(urlsplit(self.site.url))
        for raw in sitemap_urls_from_robots(body.decode("utf-8", "replace"), base_url=root + "/robots.txt"):
            url = safe_canonical_url(raw)
            if url and self._new_sitemap(url):
                yield from self._sitemap_or_replay(url)

    def _sitemap_or_replay(self, url: str) -> Iterator[Request]:
        """A sitemap request, or (resuming) the pages of the sitemap already stored, read from its stored body."""
        stored = self.resume.site_files.get(url) if self.resume is not None else None
        if stored is None:
            yield self._sitemap_request(url)
            return
        self.sitemaps_seen.add(url)
        _kind, status, body = stored
        if status is not None and status < 400:
            yield from self._sitemap_entries(url, body)

    def _sitemap_request(self, url: str) -> Request:
        self.sitemaps_seen.add(url)
        return Request(url, callback=self.parse_sitemap, errback=self.site_file_failed, dont_filter=True,
                       priority=5, meta=self._meta("site_file", pa_file="sitemap"))

    # --- signals ---------------------------------------------------------------------------------------

    def _on_headers(self, headers: Any, body_length: int, request: Request, spider: scrapy.Spider) -> None:
        """Stop downloading bodies we never read: probes, and non-HTML answers to page requests."""
        if spider is not self:
            return
        kind = request.meta.get("pa_kind")
        if kind in ("document", "external"):
            raise StopDownload(fail=False)
        if kind == "page":
            ctype = headers.get(b"Content-Type")
            if ctype and ctype.split(b";")[0].strip().lower().decode("latin-1") not in HTML_TYPES:
                raise StopDownload(fail=False)

    def _on_bytes(self, data: bytes, request: Request, spider: scrapy.Spider) -> None:
        """Cut a body past the size cap ourselves, so the failure is named too_large, whatever the transfer."""
        if spider is not self:
            return
        received = request.meta.get("pa_bytes", 0) + len(data)
        request.meta["pa_bytes"] = received
        if urlsplit(request.url).path == "/robots.txt":
            if received > ROBOTS_MAX_BYTES:  # Google reads the first 500 KiB and ignores the rest (crawl/robots.py)
                raise StopDownload(fail=False)
            return
        if received > self.site.max_page_bytes:
            request.meta["pa_too_large"] = True
            raise StopDownload(fail=True)

    # --- recording -------------------------------------------------------------------------------------

    def _error(self, url: str, kind: ErrorKind, detail: str, referrer: str | None,
               status: int | None = None) -> FetchError:
        self.progress.errors += 1
        return FetchError(self.run_id, self.site.id, url=url, kind=kind, status=status, detail=detail[:500],
                          referrer=referrer, at=utcnow())

    def _refuse(self, url: str, kind: ErrorKind, detail: str, referrer: str | None) -> None:
        """Record a refused URL once; written directly because it happens outside a callback's output."""
        if url in self.refused:
            return
        self.refused.add(url)
        write(self.writer, self._error(url, kind, detail, referrer))

    # --- pages -----------------------------------------------------------------------------------------

    def parse_page(self, response: Response) -> Iterator[Item | Request]:
        meta = response.meta
        self.progress.fetched += 1
        if 300 <= response.status < 400:
            yield from self._follow_redirect(response, meta, self._page_redirect_target)
            return
        ctype = _header(response, "Content-Type")
        elapsed = int(meta.get("download_latency", 0) * 1000)  # time to headers, set by Scrapy
        body = response.body
        if not _is_html(ctype, body):
            yield Document(self.run_id, self.site.id, url=meta["pa_origin"], found_on=meta["pa_referrer"],
                           method="GET", status=response.status, content_type=ctype,
                           bytes=_content_length(response), error=None, checked_at=utcnow())
            return
        previous = meta.get("pa_cached_page") if "cached" in response.flags else None
        if previous is not None:
            # 304: the body is the previous run's stored page, byte for byte; so are its facts (same parser).
            self.revalidated += 1
            declared, detected, issue = previous["declared_encoding"], previous["detected_encoding"], \
                previous["encoding_issue"]
            facts: PageFacts | None = previous.get("facts")
            canonical = facts is not None
            html_zlib = previous["html_zlib"]
            if facts is not None:
                self.reused_facts += 1
        else:
            facts, canonical, html_zlib = None, False, None
        if facts is None:
            decoded = decode_html(body, ctype)
            declared, detected, issue = decoded.declared, decoded.detected, decoded.issue
            facts = parse_page(decoded.text, response.url)
        page = Page(
            self.run_id, self.site.id, url=meta["pa_origin"], final_url=response.url, status=response.status,
            content_type=ctype, declared_encoding=declared, detected_encoding=detected, encoding_issue=issue,
            bytes=len(body), elapsed_ms=elapsed, depth=meta["pa_depth"],
            referrer=meta["pa_referrer"], fetched_at=utcnow(), title=facts.title, lang=facts.lang,
            template_fp=facts.template_fp, redirects=dumps(meta["pa_redirects"]) if meta["pa_redirects"] else None,
            headers=_headers_json(response), html_zlib=html_zlib or compress_html(body),
        )
        # The page row and what it implies (its error, its links) leave as ONE item, written in one batch: a
        # crash can never keep a page without its links, which a resumed crawl would then never follow.
        if response.status >= 400:
            yield PageItem(page, error=self._error(meta["pa_origin"], ErrorKind.HTTP, f"HTTP {response.status}",
                                                   meta["pa_referrer"], response.status))
            return
        requests, links = self._links(response.url, facts, meta["pa_depth"], canonical)
        yield PageItem(page, links=links)
        yield from requests

    def _links(self, page_url: str, facts: Any, depth: int,
               canonical: bool = False) -> tuple[list[Request], list[Link]]:
        """What the page links to: requests to schedule, and its link rows (stored with the page, in one item).

        ``canonical``: the link URLs are already canonical (facts reused from a stored page's link rows).
        """
        rows: list[Link] = []
        requests: list[Request] = []
        for link in facts.refused:
            rows.append(self._link_row(page_url, link.url[:2000], link, "refused"))
            self._refuse(link.url[:2000], ErrorKind.BLOCKED_SCHEME, "link to a non-web scheme", page_url)
        for link in facts.links:
            url = link.url if canonical else safe_canonical_url(link.url)
            if url is None:
                continue
            kind = self._link_kind(url)
            rows.append(self._link_row(page_url, url, link, kind))
            if kind == "internal":
                request = self._page_request(url, depth + 1, page_url)
            elif kind == "document":
                request = self._document_probe(url, page_url)
            elif kind == "refused":
                request = None
            else:
                request = self._external_probe(url, page_url)
            if request is not None:
                requests.append(request)
        return requests, rows

    def _link_row(self, page_url: str, url: str, link: Any, kind: str) -> Link:
        return Link(self.run_id, self.site.id, from_url=page_url, to_url=url, anchor=link.anchor, kind=kind,
                    rel=link.rel)

    def _refused_host(self, url: str) -> Refusal | None:
        """Why a link's host (a private address written as a literal or ``localhost``) may not be fetched, when
        the registry does not allow it; memoised per host. Names are judged by the downloader, after DNS."""
        host = urlsplit(url).hostname or ""
        try:
            return self._refused_hosts[host]
        except KeyError:
            refused = self._refused_hosts[host] = host_refusal(host, literal_only(host), self.allow_private_networks)
            return refused

    def _link_kind(self, url: str) -> str:
        refused = self._refused_host(url)
        if refused is not None:
            self._refuse(url, refused.kind, f"link: {refused.detail}", None)
            return "refused"
        return self.scope.link_kind(url)

    def _document_probe(self, url: str, referrer: str) -> Request | None:
        if url in self.probed or self.document_budget <= 0:
            return None
        self.probed.add(url)
        self.document_budget -= 1
        return self._probe_request(url, "document", referrer)

    def _external_probe(self, url: str, referrer: str) -> Request | None:
        if self.external_budget <= 0 or url in self.shared.external_scheduled:
            return None
        self.shared.external_scheduled.add(url)
        self.external_budget -= 1
        self.progress.checks += 1
        return self._probe_request(url, "external", referrer)

    def page_failed(self, failure: Failure) -> Iterator[Item | Request]:
        meta = failure.request.meta
        self.progress.fetched += 1
        kind, detail = classify(failure)
        yield self._error(meta.get("pa_origin", failure.request.url), kind, detail, meta.get("pa_referrer"))

    # --- redirects -------------------------------------------------------------------------------------

    def _follow_redirect(self, response: Response, meta: dict[str, Any],
                         next_request: Any) -> Iterator[Item | Request]:
        """Follow one hop ourselves, so every hop is recorded and loops are named, not dropped."""
        location = _header(response, "Location")
        chain = [*meta["pa_redirects"], {"url": response.url, "status": response.status}]
        origin, referrer = meta["pa_origin"], meta["pa_referrer"]
        if not location:
            yield self._error(origin, ErrorKind.HTTP, f"HTTP {response.status} without Location", referrer,
                              response.status)
            return
        target = safe_canonical_url(urljoin(response.url, location.strip()))
        if target is None:
            yield self._error(origin, ErrorKind.HTTP,
                              f"HTTP {response.status} to a malformed Location {location[:200]!r}", referrer,
                              response.status)
            return
        hops = [hop["url"] for hop in chain]
        if target in hops:
            yield self._error(origin, ErrorKind.REDIRECT_LOOP, " -> ".join([*hops, target])[:500], referrer,
                              response.status)
            return
        if len(chain) >= MAX_REDIRECTS:
            yield self._error(origin, ErrorKind.REDIRECT_LIMIT, f"more than {MAX_REDIRECTS} redirects", referrer,
                              response.status)
            return
        refused = refusal(target, self.allow_private_networks, literal_only)
        if refused is not None and refused.kind == ErrorKind.BLOCKED_SCHEME:
            yield self._error(origin, "blocked_scheme", f"redirect to {target[:200]}", referrer, response.status)
            return
        if refused is not None:
            yield self._error(target, refused.kind, f"redirect from {origin}: {refused.detail}", referrer,
                              response.status)
            return
        yield from next_request(response, meta, target, chain)

    def _page_redirect_target(self, response: Response, meta: dict[str, Any], target: str,
                              chain: list[dict[str, Any]]) -> Iterator[Item | Request]:
        if meta["pa_depth"] == 0 and not self.scope.same_host(target) and not self.site.scope:
            # The registered address moved (http -> https://www., a new domain): follow the site there.
            self.scope = self.scope.with_host_of(target)
        if self.scope.contains(target) and target not in self.seen:
            self.seen.add(target)
            request = response.request.replace(url=target, meta={**meta, "pa_redirects": chain})
            for name in (b"If-None-Match", b"If-Modified-Since"):  # validators belonged to the old URL
                request.headers.pop(name, None)
            yield request
            return
        # Left the site, or reached a page already crawled: record where the URL leads and stop.
        yield Page(self.run_id, self.site.id, url=meta["pa_origin"], final_url=target, status=response.status,
                   content_type=_header(response, "Content-Type"), bytes=len(response.body),
                   depth=meta["pa_depth"], referrer=meta["pa_referrer"], fetched_at=utcnow(),
                   redirects=dumps(chain), headers=_headers_json(response))

    # --- documents and external links -----------------------------------------------------------------

    def parse_probe(self, response: Response) -> Iterator[Item | Request]:
        meta = response.meta
        if 300 <= response.status < 400:
            yield from self._follow_redirect(response, meta, self._probe_redirect_target)
            return
        if response.status in (400, 403, 405, 501) and meta["pa_method"] == "HEAD":
            # Many servers refuse HEAD; ask again with GET (the body is never downloaded).
            yield self._probe_request(response.url, meta["pa_kind"], meta["pa_referrer"], "GET",
                                      meta["pa_redirects"], meta["pa_origin"])
            return
        yield self._probe_row(meta, status=response.status, final_url=response.url,
                              content_type=_header(response, "Content-Type"),
                              length=_content_length(response), error=None, detail=None)

    def _probe_redirect_target(self, response: Response, meta: dict[str, Any], target: str,
                               chain: list[dict[str, Any]]) -> Iterator[Item | Request]:
        yield self._probe_request(target, meta["pa_kind"], meta["pa_referrer"], meta["pa_method"], chain,
                                  meta["pa_origin"])

    def probe_failed(self, failure: Failure) -> Iterator[Item | Request]:
        meta = failure.request.meta
        kind, detail = classify(failure)
        if kind in ("blocked_private", "blocked_scheme"):
            yield self._error(failure.request.url, kind, detail, meta.get("pa_referrer"))
        yield self._probe_row(meta, status=None, final_url=None, content_type=None, length=None, error=kind,
                              detail=detail)

    def _probe_row(self, meta: dict[str, Any], *, status: int | None, final_url: str | None,
                   content_type: str | None, length: int | None, error: str | None,
                   detail: str | None) -> Document | LinkCheck:
        if meta["pa_kind"] == "document":
            return Document(self.run_id, self.site.id, url=meta["pa_origin"], found_on=meta["pa_referrer"],
                            method=meta["pa_method"], status=status, content_type=content_type, bytes=length,
                            error=error, checked_at=utcnow())
        return LinkCheck(self.run_id, url=meta["pa_origin"], method=meta["pa_method"], status=status, error=error,
                         detail=detail, final_url=final_url, checked_at=utcnow())

    # --- robots.txt and sitemaps ----------------------------------------------------------------------

    def _site_file_row(self, response: Response, kind: str, body: bytes) -> SiteFile:
        return SiteFile(self.run_id, self.site.id, url=response.url, kind=kind, status=response.status,
                        content_type=_header(response, "Content-Type"), bytes=len(response.body), error=None,
                        body_zlib=compress_html(body) if response.status < 400 else None, fetched_at=utcnow())

    def _new_sitemap(self, url: str) -> bool:
        return self.scope.same_host(url) and url not in self.sitemaps_seen and len(self.sitemaps_seen) < MAX_SITEMAPS

    def parse_robots(self, response: Response) -> Iterator[Item | Request]:
        yield self._site_file_row(response, "robots", response.body)
        if response.status >= 400:
            return
        text = response.body.decode("utf-8", "replace")
        for raw in sitemap_urls_from_robots(text, base_url=response.url):
            url = safe_canonical_url(raw)
            if url and self._new_sitemap(url):
                yield from self._sitemap_or_replay(url)

    def parse_sitemap(self, response: Response) -> Iterator[Item | Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.site.max_page_bytes)
            except Exception:
                body = b""
        yield self._site_file_row(response, "sitemap", body)
        if response.status >= 400:
            return
        yield from self._sitemap_entries(response.url, body)

    def _sitemap_entries(self, sitemap_url: str, body: bytes) -> Iterator[Request]:
        if not body.strip():
            return
        try:
            sitemap = Sitemap(body)
        except Exception:
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            url = safe_canonical_url(loc)
            if url is None:
                continue
            if sitemap.type == "sitemapindex":
                if self._new_sitemap(url):
                    yield from self._sitemap_or_replay(url)
            elif self.scope.contains(url):
                request = self._page_request(url, 1, sitemap_url)
                if request is not None:
                    yield request

    def site_file_failed(self, failure: Failure) -> Iterator[Item | Request]:
        kind, detail = classify(failure)
        meta = failure.request.meta
        yield SiteFile(self.run_id, self.site.id, url=failure.request.url, kind=meta.get("pa_file"), status=None,
                       content_type=None, bytes=None, error=kind, body_zlib=None, fetched_at=utcnow())
        if kind in ("blocked_private", "blocked_scheme"):
            yield self._error(failure.request.url, kind, detail, None)


def _content_length(response: Response) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value else (len(response.body) or None)
    except ValueError:
        return None
