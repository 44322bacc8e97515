"""Item pipeline: every item the spider yields (crawl/items.py) goes to the store's batched writer."""

from __future__ import annotations

from scrapy.crawler import Crawler

from portal_audit.crawl.items import Item, write


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: Item) -> Item:
        write(self.crawler.spider.writer, item)
        return item

    def close_spider(self) -> None:
        self.crawler.spider.writer.flush()
