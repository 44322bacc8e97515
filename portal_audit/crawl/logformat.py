"""Scrapy's log lines without the items: a page item carries its compressed HTML and up to 3,000 links.

Scrapy's LogFormatter writes every scraped item in full at DEBUG (``run --log`` keeps DEBUG), so one hostile
page made a megabyte of log and a real 2,000-page site tens of megabytes. The item is named by its table and
URL instead; everything it held is in the store.
"""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult

from portal_audit.crawl.items import describe as _name


class ItemNamingLogFormatter(LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
        result = super().scraped(item, response, spider)
        result["args"]["item"] = _name(item)
        return result

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        result["args"]["item"] = _name(item)
        return result

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        result["args"]["item"] = _name(item)
        return result
