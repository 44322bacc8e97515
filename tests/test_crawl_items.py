"""The crawl's items (crawl/items.py): each is a row of one store table, with the table's own column names, and
``write`` is the one path from an item to the store's batched writer (a page with its links in one batch)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from itemadapter import ItemAdapter

from portal_audit.crawl.items import (
    Document,
    FetchError,
    Link,
    LinkCheck,
    Page,
    PageItem,
    Row,
    SiteFile,
    describe,
    write,
)
from portal_audit.store import BufferedWriter, Store

ROWS: list[type[Row]] = [Page, Link, Document, LinkCheck, SiteFile, FetchError]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "audit.db")
    store.create_run(province="T", registry_path="", tool_version="t", engine="e", user_agent="ua",
                     sites=[{"id": "s", "name": "S", "unit_type": "other", "url": "https://s.gov.vn/", "config": "{}"}])
    return store


@pytest.mark.parametrize("cls", ROWS, ids=lambda c: c.TABLE)
def test_each_item_is_its_tables_columns_in_order_and_what_it_leaves_out_has_a_default(store: Store,
                                                                                       cls: type[Row]) -> None:
    table = store.db[cls.TABLE]
    columns = [c.name for c in table.columns]
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    assert [c for c in columns if c in names] == names, "a field that is no column of the table, or out of order"
    for column in table.columns:
        if column.name not in names and column.name != "id":
            assert column.default_value is not None, f"{cls.TABLE}.{column.name}: left out but has no default"


def test_scrapy_sees_dataclass_items() -> None:
    error = FetchError("r", "s", url="https://s.gov.vn/x", kind="http", status=404, detail="HTTP 404",
                       referrer=None, at="t")
    assert ItemAdapter.is_item(error) and ItemAdapter(error)["kind"] == "http"
    assert ItemAdapter.is_item(PageItem(Page("r", "s", url="u", final_url="u", status=200)))


def test_a_page_and_its_links_are_written_together_as_the_columns_they_name(store: Store) -> None:
    run_id = store.db.execute("SELECT id FROM runs").fetchone()[0]
    writer = BufferedWriter(store, batch_rows=2, max_seconds=3600)  # a flush would fall inside the item
    page = Page(run_id, "s", url="https://s.gov.vn/", final_url="https://s.gov.vn/", status=200, title="Trang chủ",
                depth=0, html_zlib=b"x")
    links = [Link(run_id, "s", from_url=page.url, to_url=f"https://s.gov.vn/{i}", anchor=f"tin {i}",
                  kind="internal", rel=None) for i in range(3)]
    write(writer, PageItem(page, links=links))
    assert store.db.execute("SELECT count(*) FROM pages").fetchone()[0] == 1
    assert store.db.execute("SELECT count(*) FROM links").fetchone()[0] == 3
    stored = store.db.execute("SELECT title, depth, via, lang FROM pages").fetchone()
    assert stored == ("Trang chủ", 0, "crawl", None)     # via: the store's default, not NULL
    write(writer, LinkCheck(run_id, url="https://x.vn/", method="HEAD", status=200, error=None, detail=None,
                            final_url="https://x.vn/", checked_at="t"))
    writer.flush()
    assert store.db.execute("SELECT url, status FROM link_checks").fetchall() == [("https://x.vn/", 200)]


def test_log_lines_name_an_item_by_table_and_url_not_its_html() -> None:
    page = Page("r", "s", url="https://s.gov.vn/a", final_url="https://s.gov.vn/a", status=200, html_zlib=b"x" * 9999)
    assert describe(PageItem(page)) == "pages https://s.gov.vn/a"
    assert describe(page) == "pages https://s.gov.vn/a"
    assert describe(object()) == "object"
