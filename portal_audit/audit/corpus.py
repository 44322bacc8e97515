"""A site's stored pages, parsed once and shaped for the detectors.

Audits are pure functions of the store: this module reads a site's pages of one run (raw HTML kept by
the crawl), decodes them with the encoding the crawl detected, and gives each page its folded text,
headings, main-content text and links with CSS selectors, so every detector can cite evidence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any
from urllib.parse import urljoin

import lxml.html
import yaml

from portal_audit.crawl.encoding import decode_html
from portal_audit.html import Selectors, anchor_text, in_chrome, is_chrome, link_targets, parse_html, skipped_scheme
from portal_audit.reasons import english, error_kind
from portal_audit.store import Store, decompress_html
from portal_audit.text import fold, fold_short
from portal_audit.urls import Scope, safe_canonical_url

SAMPLE_PER_TEMPLATE = 10
MAX_NAV_WORDS = 9  # a menu item is a few words; a longer link text is a headline
_SPACES = re.compile(r"\s+")
_INVISIBLE = {"script", "style", "noscript", "template", "svg"}
_BLOCKS = ("p", "div", "td", "th", "tr", "li", "dt", "dd", "br", "h1", "h2", "h3", "h4", "h5", "h6", "section",
           "article", "header", "footer", "nav", "aside", "table", "ul", "ol", "dl", "form", "label", "option",
           "blockquote", "pre", "address", "caption", "figcaption", "hr", "button")


@cache
def empty_markers() -> tuple[str, ...]:
    raw = yaml.safe_load(resources.files("portal_audit").joinpath("data/empty_markers.yaml").read_text("utf-8"))
    return tuple(fold(m) for m in raw["markers"])


def _text(el: lxml.html.HtmlElement) -> str:
    return _SPACES.sub(" ", el.text_content() or "").strip()


@dataclass
class PageLink:
    url: str           # canonical absolute URL
    text: str          # visible text, or aria-label/title/img alt
    folded: str
    element: lxml.html.HtmlElement = field(repr=False)
    selectors: Selectors = field(repr=False, compare=False)

    @cached_property
    def selector(self) -> str:
        """Computed only for links cited as evidence (most never are)."""
        return self.selectors(self.element)

    @cached_property
    def in_chrome(self) -> bool:
        """Inside navigation, header, footer or sidebar: a menu link."""
        return in_chrome(self.element)


class Page:
    """A stored page: its row now, its parsed HTML on first use (most pages of a big site are never parsed)."""

    def __init__(self, row: dict[str, Any]):
        self.id = int(row["id"])
        self.url = str(row["url"])
        self.final_url = str(row["final_url"])
        self.status = int(row["status"])
        self.depth = int(row["depth"] or 0)
        self.title = str(row["title"] or "")
        self.template = row.get("template_fp")
        self.content_type = row.get("content_type")
        self.encoding_issue: str | None = row.get("encoding_issue")
        self.detected_encoding: str | None = row.get("detected_encoding")
        self.is_home = False
        self._blob = row["html_zlib"]
        self._headers = row.get("headers")
        self._redirects = row.get("redirects")

    def __repr__(self) -> str:
        return f"Page({self.final_url!r})"

    @cached_property
    def headers(self) -> dict[str, Any] | None:
        """Response headers as received (stored JSON), for the technical checks; None when not readable
        (the crawl caps what it stores, and a capped JSON text no longer parses)."""
        try:
            return json.loads(self._headers) if self._headers else None
        except ValueError:
            return None

    @cached_property
    def redirects(self) -> list[Any]:
        """The redirect hops that led to this page (stored JSON), empty when it answered directly."""
        return json.loads(self._redirects) if self._redirects else []

    @cached_property
    def raw(self) -> bytes:
        return decompress_html(self._blob)

    @cached_property
    def decoded(self) -> str:
        return decode_html(self.raw, self.content_type).text

    @cached_property
    def raw_folded(self) -> str:
        """The whole HTML, tags included, folded: a fast superset test before parsing."""
        return fold(self.decoded)

    # Each view of the page is computed on first use only: a text pattern needs the text, not the links.
    @cached_property
    def root(self) -> lxml.html.HtmlElement | None:
        return _tree(self.decoded)

    @cached_property
    def selectors(self) -> Selectors:
        """The page's CSS selector generator (html.Selectors, the one the accessibility rules cite with)."""
        return Selectors(root=self.root)

    def selector(self, el: lxml.html.HtmlElement) -> str:
        """A CSS selector that finds exactly ``el`` in this page, for evidence."""
        return self.selectors(el)

    @cached_property
    def text(self) -> str:
        """All visible text, NFC."""
        if self.root is None:
            return ""
        body = self.root.find("body")
        return _text(body if body is not None else self.root)

    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @cached_property
    def main_text(self) -> str:
        """Text outside navigation, header, footer and sidebars, as the page wrote it (evidence quotes it)."""
        return _main_text(self.root) if self.root is not None else ""

    @cached_property
    def main_folded(self) -> str:
        """``main_text`` folded, for matching."""
        return fold(self.main_text)

    @cached_property
    def headings(self) -> list[tuple[str, str, str, str]]:
        """(tag, text, selector, folded text) of h1–h3 and table captions (a caption is its table's heading:
        "Danh bạ điện thoại của lãnh đạo" over a directory is how many portals title a section)."""
        if self.root is None:
            return []
        return [(h.tag, text, self.selector(h), fold_short(text)) for h in self.root.iter("h1", "h2", "h3", "caption")
                if (text := _text(h))]

    @cached_property
    def links(self) -> list[PageLink]:
        return _links(self.root, self.final_url, self.selectors) if self.root is not None else []

    @cached_property
    def forms(self) -> list[lxml.html.FormElement]:
        return list(self.root.forms) if self.root is not None else []

    @property
    def main_words(self) -> int:
        return sum(1 for word in self.main_folded.split() if word != "|")

    @cached_property
    def is_empty(self) -> bool:
        """An empty section ("Đang cập nhật", a list with no items) is never evidence of presence."""
        markers = any(m in self.main_folded for m in empty_markers())
        return self.main_words < 12 or (markers and self.main_words < 120)

    def link_for(self, url: str, folded: str) -> PageLink | None:
        """The parsed link behind a stored links-table row (for its selector and whether it is a menu link)."""
        for link in self.links:
            if link.url == url and link.folded == folded:
                return link
        return None


def _main_text(root: lxml.html.HtmlElement) -> str:
    parts: list[str] = []

    def walk(el: lxml.html.HtmlElement) -> None:
        if not isinstance(el.tag, str) or el.tag in _INVISIBLE:
            if el.tail:
                parts.append(el.tail)
            return
        if not is_chrome(el):
            if el.text:
                parts.append(el.text)
            for child in el:
                walk(child)
        if el.tail:
            parts.append(el.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    return _SPACES.sub(" ", " ".join(parts)).strip()


def _tree(text: str) -> lxml.html.HtmlElement | None:
    root = parse_html(text)
    if root is None:
        return None
    for el in root.iter(*_INVISIBLE):
        el.text = ""
    # Block and cell boundaries become " | ": "<td>Tên dự án</td><td>Mục tiêu</td>" must not read "Tên dự ánMục
    # tiêu", and a phrase or a negation ("Lệ phí: không" | "Nộp hồ sơ") must not run across two cells.
    for el in root.iter(*_BLOCKS):
        el.tail = " | " + (el.tail or "")
    return root


def _links(root: lxml.html.HtmlElement, base: str, selectors: Selectors) -> list[PageLink]:
    links: list[PageLink] = []
    for a, href in link_targets(root):  # the crawl's own link list, so stored rows find their element
        if a.tag in ("iframe", "frame") or skipped_scheme(href):
            continue
        url = safe_canonical_url(urljoin(base, href))
        if url is None:
            continue
        text = anchor_text(a)
        links.append(PageLink(url=url, text=text, folded=fold_short(text), element=a, selectors=selectors))
    return links


@dataclass
class LinkRef:
    """A link as the crawl stored it (links table): matched without parsing its page."""

    page: Page
    url: str
    text: str
    folded: str

    @cached_property
    def parsed(self) -> PageLink | None:
        return self.page.link_for(self.url, self.folded)

    @property
    def selector(self) -> str | None:
        return self.parsed.selector if self.parsed else None



@dataclass
class SiteCorpus:
    store: Store
    run_id: str
    site: dict[str, Any]
    pages: list[Page]
    by_url: dict[str, Page]
    scope: Scope
    others: tuple[Scope, ...] = ()  # the other registry sites' scopes: who owns a same-host URL
    detector_cache: dict[str, Any] = field(default_factory=dict)
    _menu_cache: dict[tuple[object, str], bool] = field(default_factory=dict)

    @property
    def home(self) -> Page | None:
        homes = [p for p in self.pages if p.is_home]
        return homes[0] if homes else None

    def page(self, url: str) -> Page | None:
        return self.by_url.get(url)

    @cached_property
    def stored_links(self) -> list[LinkRef]:
        """The crawl's links of this site, in page order: no parsing needed to search link texts."""
        refs: list[LinkRef] = []
        for row in self.store.query("SELECT from_url, to_url, anchor FROM links WHERE run_id = ? AND site_id = ? "
                                    "ORDER BY rowid", [self.run_id, self.site["id"]]):
            page = self.by_url.get(row["from_url"])
            if page is not None and row["anchor"]:
                refs.append(LinkRef(page, row["to_url"], row["anchor"], fold_short(row["anchor"])))
        order = {id(page): i for i, page in enumerate(self.pages)}
        return sorted(refs, key=lambda r: order[id(r.page)])

    def is_own(self, url: str) -> bool:
        """The agency's own address: on its host, and no other registry site claims it more closely (a
        department under /web/so-x/ on the portal's host; the portal's calendar is not the department's). A
        same-host address outside the scope that nobody else claims is still the agency's (#12 class 3)."""
        mine = self.scope.specificity(url)
        if mine is None and not self.scope.same_host(url):
            return False
        theirs = [s for s in (o.specificity(url) for o in self.others) if s is not None]
        if not theirs:
            return True
        return mine is not None and mine >= max(theirs)

    @cached_property
    def unreadable(self) -> dict[str, Any]:
        """Addresses of this site the crawl asked for and could not read, with why ("HTTP 404", an error
        kind; documents whose download check failed): a link there shows a category is meant, not that it
        is published."""
        why: dict[str, Any] = {}
        params = [self.run_id, self.site["id"]]
        for row in self.store.query("SELECT url, final_url, status FROM pages WHERE run_id = ? AND site_id = ? "
                                    "AND status >= 400", params):
            why.setdefault(row["url"], f"HTTP {row['status']}")
            why.setdefault(row["final_url"], f"HTTP {row['status']}")
        for row in self.store.query("SELECT url, kind, status FROM fetch_errors WHERE run_id = ? AND site_id = ?",
                                    params):
            why.setdefault(row["url"], f"HTTP {row['status']}" if row["status"] else error_kind(row["kind"]))
        for row in self.store.query("SELECT url, status, error FROM documents WHERE run_id = ? AND site_id = ? "
                                    "AND (status >= 400 OR error IS NOT NULL)", params):
            why.setdefault(row["url"], f"HTTP {row['status']}" if row["status"] else english(str(row["error"])[:80]))
        return why

    @cached_property
    def _template_first(self) -> dict[object, Page]:
        first: dict[object, Page] = {}
        for page in self.pages:
            first.setdefault(page.template or page.final_url, page)
        return first

    def is_menu_text(self, page: Page, folded: str) -> bool:
        """Whether a link text is part of the page's template navigation (menu, header, footer, sidebar).

        Template furniture is on every page of the template, so it is decided once, on the template's first
        page: a link there with this text, inside navigation. A link not there (an article's related links)
        is content, not a menu; 2,000 article pages cost one parse, not 2,000.
        """
        key = (page.template or page.final_url, folded)
        if key not in self._menu_cache:
            first = self._template_first[key[0]]
            self._menu_cache[key] = any(link.folded == folded and link.in_chrome for link in first.links)
        return self._menu_cache[key]

    @cached_property
    def title_index(self) -> tuple[str, list[int]]:
        """All folded titles in one string (one per line) and where each starts: one regex scan finds every
        page whose title names a category, instead of one search per page."""
        starts, parts, offset = [], [], 0
        for page in self.pages:
            folded = fold_short(page.title)
            starts.append(offset)
            parts.append(folded)
            offset += len(folded) + 1
        return "\n".join(parts), starts

    @cached_property
    def nav_text_index(self) -> str:
        """The distinct short (menu-like) link texts in one string, one per line: a menu repeated on 2,000
        pages is matched once, in one regex scan, not 2,000 times."""
        texts = dict.fromkeys(ref.folded for ref in self.stored_links if len(ref.folded.split()) <= MAX_NAV_WORDS)
        return "\n".join(texts)

    @cached_property
    def sample(self) -> list[Page]:
        """Pages to read in full: every page of a small template, the first SAMPLE_PER_TEMPLATE of a big one.

        Cost grows with templates, not pages (design.md): 2,000 news articles share one template, and a
        sample of them shows whether articles have, say, a print function.
        """
        seen: dict[object, int] = {}
        chosen = []
        for page in self.pages:
            key = page.template or page.final_url
            seen[key] = seen.get(key, 0) + 1
            if page.is_home or seen[key] <= SAMPLE_PER_TEMPLATE:
                chosen.append(page)
        return chosen


def site_scope(site: dict[str, Any]) -> Scope:
    config = json.loads(str(site.get("config") or "{}"))
    return Scope.for_site(str(site["url"]), frozenset(config.get("hosts") or []), tuple(config.get("scope") or ()))


def load_corpus(store: Store, run_id: str, site: dict[str, Any],
                others: tuple[Scope, ...] = ()) -> SiteCorpus:
    """Every stored HTML page of a site answering 200, in a stable order (so audits are deterministic).
    ``others`` are the other registry sites' scopes (SiteCorpus.is_own)."""
    rows = store.query(
        "SELECT id, url, final_url, status, depth, title, template_fp, content_type, encoding_issue, "
        "detected_encoding, headers, redirects, html_zlib FROM pages WHERE run_id = ? AND site_id = ? AND status = 200 "
        "AND html_zlib IS NOT NULL ORDER BY depth, url", [run_id, site["id"]])
    pages = [Page(row) for row in rows]
    by_url: dict[str, Page] = {}
    for page in pages:
        by_url.setdefault(page.url, page)
        by_url.setdefault(page.final_url, page)
    home_url = safe_canonical_url(str(site["url"]))
    home = by_url.get(home_url or "") or (pages[0] if pages and pages[0].depth == 0 else None)
    if home is not None:
        home.is_home = True
    return SiteCorpus(store=store, run_id=run_id, site=site, pages=pages, by_url=by_url, scope=site_scope(site),
                      others=others)
