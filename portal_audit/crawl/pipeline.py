"""Item pipeline: every item the spider yields is one or more rows for one store table."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from portal_audit.store import add_together


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """An item is one row (``_table`` + columns) or many rows of one table (``_table`` + ``_rows``)."""
        writer = self.crawler.spider.writer
        if "_rows" in item:
            writer.add_many(item["_table"], item["_rows"])
        elif "_with" in item:
            # A row and the rows it implies (a page and its links): buffered together, so one flush holds all.
            row = dict(item)
            table, together = row.pop("_table"), row.pop("_with")
            add_together(writer, [(table, [row]), *together])
        else:
            row = dict(item)
            writer.add(row.pop("_table"), row)
        return item

    def close_spider(self) -> None:
        self.crawler.spider.writer.flush()
