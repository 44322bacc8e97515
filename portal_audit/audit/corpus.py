"""A site's stored pages, parsed once and shaped for the detectors.

Audits are pure functions of the store: this module reads a site's pages of one run (raw HTML kept by
the crawl), decodes them with the encoding the crawl detected, and gives each page its folded text,
headings, main-content text and links with CSS selectors, so every detector can cite evidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any
from urllib.parse import urljoin

import lxml.html
import yaml

from portal_audit.crawl.encoding import decode_html
from portal_audit.crawl.pagefacts import anchor_text, parse_html
from portal_audit.store import Store, decompress_html
from portal_audit.text import fold, fold_short
from portal_audit.urls import Scope, safe_canonical_url

_SPACES = re.compile(r"\s+")
_CHROME = re.compile(r"(^|[-_\s])(menu|nav|navbar|navigation|header|footer|sidebar|breadcrumbs?|banner|topbar|"
                     r"mainmenu|main-menu|skip|search)([-_\s]|$)", re.I)
_CHROME_TAGS = {"nav", "header", "footer", "aside"}
_NEVER_CHROME = {"html", "body", "main", "article"}
_INVISIBLE = {"script", "style", "noscript", "template", "svg"}
_BLOCKS = ("p", "div", "td", "th", "tr", "li", "dt", "dd", "br", "h1", "h2", "h3", "h4", "h5", "h6", "section",
           "article", "header", "footer", "nav", "aside", "table", "ul", "ol", "dl", "form", "label", "option",
           "blockquote", "pre", "address", "caption", "figcaption", "hr", "button")


@cache
def empty_markers() -> tuple[str, ...]:
    raw = yaml.safe_load(resources.files("portal_audit").joinpath("data/empty_markers.yaml").read_text("utf-8"))
    return tuple(fold(m) for m in raw["markers"])


def css_path(el: lxml.html.HtmlElement) -> str:
    """A short CSS selector for ``el``: from its nearest ancestor with an id, with :nth-of-type steps."""
    steps: list[str] = []
    node = el
    while node is not None and isinstance(node.tag, str) and node.tag not in ("html", "body"):
        ident = node.get("id")
        if ident and re.fullmatch(r"[A-Za-z][\w-]*", ident):
            steps.append(f"#{ident}")
            break
        parent = node.getparent()
        if parent is None:
            steps.append(node.tag)
            break
        same = [c for c in parent if c.tag == node.tag]
        steps.append(node.tag if len(same) == 1 else f"{node.tag}:nth-of-type({same.index(node) + 1})")
        node = parent
    return " > ".join(reversed(steps)) or "html"


def _text(el: lxml.html.HtmlElement) -> str:
    return _SPACES.sub(" ", el.text_content() or "").strip()


@dataclass
class PageLink:
    url: str           # canonical absolute URL
    text: str          # visible text, or aria-label/title/img alt
    folded: str
    element: lxml.html.HtmlElement = field(repr=False)

    @cached_property
    def selector(self) -> str:
        """Computed only for links cited as evidence (most never are)."""
        return css_path(self.element)

    @cached_property
    def in_chrome(self) -> bool:
        """Inside navigation, header, footer or sidebar: a menu link."""
        return _in_chrome(self.element)


@dataclass
class Page:
    id: int
    url: str
    final_url: str
    status: int
    depth: int
    title: str
    headings: list[tuple[str, str, str, str]]  # (tag, text, selector, folded text)
    text: str                                 # all visible text, NFC
    folded: str                               # fold(text)
    main_folded: str                          # text outside navigation/header/footer, folded
    links: list[PageLink]
    forms: list[lxml.html.FormElement]
    root: lxml.html.HtmlElement | None
    encoding_issue: str | None
    detected_encoding: str | None = None
    is_home: bool = False
    _empty: bool | None = field(default=None, repr=False)

    @property
    def main_words(self) -> int:
        return len(self.main_folded.split())

    @property
    def is_empty(self) -> bool:
        """An empty section ("Đang cập nhật", a list with no items) is never evidence of presence."""
        if self._empty is None:
            markers = any(m in self.main_folded for m in empty_markers())
            self._empty = self.main_words < 12 or (markers and self.main_words < 120)
        return self._empty


def _is_chrome(el: lxml.html.HtmlElement) -> bool:
    """Navigation, header, footer, sidebar: page furniture repeated on every page.

    The document's own containers (body, main, article) never are, whatever their classes say: Drupal and
    WordPress put layout words such as "sidebar-first" on <body>.
    """
    if el.tag in _NEVER_CHROME or el.get("role") == "main":
        return False
    if el.tag in _CHROME_TAGS or el.get("role") in ("navigation", "banner", "contentinfo"):
        return True
    return bool(_CHROME.search(f"{el.get('id') or ''} {el.get('class') or ''}"))


def _in_chrome(el: lxml.html.HtmlElement) -> bool:
    node = el.getparent()
    while node is not None and isinstance(node.tag, str):
        if _is_chrome(node):
            return True
        node = node.getparent()
    return False


def _main_text(root: lxml.html.HtmlElement) -> str:
    parts: list[str] = []

    def walk(el: lxml.html.HtmlElement) -> None:
        if not isinstance(el.tag, str) or el.tag in _INVISIBLE:
            if el.tail:
                parts.append(el.tail)
            return
        if not _is_chrome(el):
            if el.text:
                parts.append(el.text)
            for child in el:
                walk(child)
        if el.tail:
            parts.append(el.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    return _SPACES.sub(" ", " ".join(parts)).strip()


def parse_stored_page(row: dict[str, object]) -> Page:
    body = decompress_html(row["html_zlib"])  # type: ignore[arg-type]
    decoded = decode_html(body, row.get("content_type"))  # type: ignore[arg-type]
    base = str(row["final_url"])
    root = parse_html(decoded.text)
    if root is None:
        return Page(id=int(row["id"]), url=str(row["url"]), final_url=base, status=int(row["status"]),  # type: ignore[arg-type]
                    depth=int(row["depth"] or 0), title="", headings=[], text="", folded="", main_folded="",  # type: ignore[arg-type]
                    links=[], forms=[], root=None, encoding_issue=row.get("encoding_issue"))  # type: ignore[arg-type]
    for el in root.iter(*_INVISIBLE):
        el.text = ""
    for el in root.iter(*_BLOCKS):  # "<td>Tên dự án</td><td>Mục tiêu</td>" must not read "Tên dự ánMục tiêu"
        el.tail = " " + (el.tail or "")
    title_el = root.find(".//title")
    headings = [(h.tag, text, css_path(h), fold_short(text)) for h in root.iter("h1", "h2", "h3")
                if (text := _text(h))]
    links: list[PageLink] = []
    for a in root.iter("a", "area"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = safe_canonical_url(urljoin(base, href))
        if url is None:
            continue
        text = anchor_text(a)
        links.append(PageLink(url=url, text=text, folded=fold_short(text), element=a))
    body = root.find("body")
    text = _text(body if body is not None else root)
    return Page(
        id=int(row["id"]), url=str(row["url"]), final_url=base, status=int(row["status"]),  # type: ignore[arg-type]
        depth=int(row["depth"] or 0),  # type: ignore[arg-type]
        title=_text(title_el) if title_el is not None else "", headings=headings, text=text, folded=fold(text),
        main_folded=fold(_main_text(root)), links=links, forms=list(root.forms), root=root,
        encoding_issue=row.get("encoding_issue"),  # type: ignore[arg-type]
        detected_encoding=decoded.detected,
    )


@dataclass
class SiteCorpus:
    run_id: str
    site: dict[str, object]
    pages: list[Page]
    by_url: dict[str, Page]
    scope: Scope
    detector_cache: dict[str, Any] = field(default_factory=dict)

    @property
    def home(self) -> Page | None:
        homes = [p for p in self.pages if p.is_home]
        return homes[0] if homes else None

    def page(self, url: str) -> Page | None:
        return self.by_url.get(url)

    def all_links(self) -> Iterator[tuple[Page, PageLink]]:
        for page in self.pages:
            for link in page.links:
                yield page, link

    @cached_property
    def links_by_text(self) -> dict[str, list[tuple[Page, PageLink]]]:
        """Links grouped by folded text: a menu repeated on 2,000 pages is matched once, not 2,000 times."""
        index: dict[str, list[tuple[Page, PageLink]]] = {}
        for page, link in self.all_links():
            if link.folded:
                index.setdefault(link.folded, []).append((page, link))
        return index


def load_corpus(store: Store, run_id: str, site: dict[str, object]) -> SiteCorpus:
    """Every stored HTML page of a site answering 200, in a stable order (so audits are deterministic)."""
    rows = store.query(
        "SELECT id, url, final_url, status, depth, content_type, encoding_issue, html_zlib FROM pages "
        "WHERE run_id = ? AND site_id = ? AND status = 200 AND html_zlib IS NOT NULL ORDER BY depth, url",
        [run_id, site["id"]])
    pages = [parse_stored_page(row) for row in rows]
    by_url: dict[str, Page] = {}
    for page in pages:
        by_url.setdefault(page.url, page)
        by_url.setdefault(page.final_url, page)
    home_url = safe_canonical_url(str(site["url"]))
    home = by_url.get(home_url or "") or (pages[0] if pages and pages[0].depth == 0 else None)
    if home is not None:
        home.is_home = True
    config = json.loads(str(site.get("config") or "{}"))
    scope = Scope.for_site(str(site["url"]), frozenset(config.get("hosts") or []), tuple(config.get("scope") or ()))
    return SiteCorpus(run_id=run_id, site=site, pages=pages, by_url=by_url, scope=scope)
