"""The crawl tables' rows: one dataclass per table, and the one function that hands them to the writer.

Both writers of the crawl tables build these: the spider (Scrapy accepts dataclass instances as items, through
itemadapter) and render discovery (render/discover.py). Typed rows let a misspelt column fail where the row is
built instead of as an unknown column at the next flush. Each class's fields are the table's columns in the
table's order; a field left ``None`` is stored as NULL, which every crawl column defaults to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from portal_audit.errorkind import ErrorKind
from portal_audit.store import BufferedWriter, add_together


class Row:
    """A row of ``TABLE``. ``as_row`` is the dict the store writes: a dataclass instance's ``__dict__`` holds
    exactly its fields (a class variable is not one), and a shallow copy is enough, since a row holds no rows."""

    TABLE: ClassVar[str]

    def as_row(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Page(Row):
    """A page the crawl reached, or (``final_url`` elsewhere, no body) where a redirect left the site."""

    TABLE: ClassVar[str] = "pages"
    run_id: str
    site_id: str
    url: str
    final_url: str
    status: int | None
    content_type: str | None = None
    declared_encoding: str | None = None
    detected_encoding: str | None = None
    encoding_issue: str | None = None
    bytes: int | None = None
    elapsed_ms: int | None = None
    depth: int | None = None
    referrer: str | None = None
    fetched_at: str | None = None
    title: str | None = None
    lang: str | None = None
    template_fp: str | None = None
    redirects: str | None = None
    headers: str | None = None
    html_zlib: bytes | None = None
    via: str = "crawl"              # crawl | render (a page only render discovery found)


@dataclass
class Link(Row):
    TABLE: ClassVar[str] = "links"
    run_id: str
    site_id: str
    from_url: str
    to_url: str
    anchor: str | None
    kind: str                       # internal | out_of_scope | external | document | refused
    rel: str | None


@dataclass
class Document(Row):
    TABLE: ClassVar[str] = "documents"
    run_id: str
    site_id: str
    url: str
    found_on: str | None
    method: str
    status: int | None
    content_type: str | None
    bytes: int | None
    error: str | None
    checked_at: str


@dataclass
class LinkCheck(Row):
    """An external or out-of-scope URL's check, once per run across sites (so no site_id)."""

    TABLE: ClassVar[str] = "link_checks"
    run_id: str
    url: str
    method: str
    status: int | None
    error: str | None
    detail: str | None
    final_url: str | None
    checked_at: str


@dataclass
class SiteFile(Row):
    TABLE: ClassVar[str] = "site_files"
    run_id: str
    site_id: str
    url: str
    kind: str                       # robots | sitemap
    status: int | None
    content_type: str | None
    bytes: int | None
    error: str | None
    body_zlib: bytes | None
    fetched_at: str


@dataclass
class FetchError(Row):
    TABLE: ClassVar[str] = "fetch_errors"
    run_id: str
    site_id: str
    url: str
    kind: ErrorKind
    status: int | None
    detail: str
    referrer: str | None
    at: str


@dataclass
class PageItem:
    """A page and the rows it implies (its links, or its error): one item, so one writer batch holds them all
    and a crash can never keep a page without the links a resumed crawl follows."""

    page: Page
    links: list[Link] = field(default_factory=list)
    error: FetchError | None = None


Item = Row | PageItem


def write(writer: BufferedWriter, item: Item) -> None:
    """The crawl tables' one write path: the store pipeline for every yielded item, the spider for refusals it
    records outside a callback's output, render discovery for what a site's rendered walk found."""
    if isinstance(item, PageItem):
        groups = [(Page.TABLE, [item.page.as_row()])]
        if item.error is not None:
            groups.append((FetchError.TABLE, [item.error.as_row()]))
        if item.links:
            groups.append((Link.TABLE, [link.as_row() for link in item.links]))
        add_together(writer, groups)
    else:
        writer.add(item.TABLE, item.as_row())


def describe(item: Any) -> str:
    """An item named by its table and URL, for log lines (a page item holds its HTML and up to 3,000 links)."""
    row = item.page if isinstance(item, PageItem) else item
    if isinstance(row, Row):
        return f"{row.TABLE} {str(getattr(row, 'url', '') or '')[:200]}"
    return type(item).__name__
