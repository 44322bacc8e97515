"""Item pipeline: every item the spider yields is a row for one store table."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        row = dict(item)
        table = row.pop("_table")
        self.crawler.spider.writer.add(table, row)
        return item

    def close_spider(self) -> None:
        self.crawler.spider.writer.flush()
