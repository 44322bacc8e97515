"""Scrapy settings: one base for the process, one overlay per site from its registry entry."""

from __future__ import annotations

from typing import Any

from scrapy.settings import Settings

from portal_audit.registry import SiteConfig

BASE_SETTINGS: dict[str, Any] = {
    "BOT_NAME": "portal-audit",
    "ROBOTSTXT_OBEY": True,
    "ROBOTSTXT_PARSER": "portal_audit.crawl.robots.CappedRobotParser",
    # Scrapy 2.19 opens a code-executing remote console and a telnet console by default: never on an auditor.
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
    # The spider follows redirects itself so that every hop is recorded and loops are named.
    "REDIRECT_ENABLED": False,
    "METAREFRESH_ENABLED": False,
    "HTTPERROR_ALLOW_ALL": True,
    # The guard (50) and robots (100) refuse a request before the re-crawl cache (585, crawl/httpcache.py) is
    # asked; the cache sits above decompression (590), so it sees bodies and headers as the spider stores them;
    # robots.txt's read limit (595) puts the size cap back before decompression reads the body.
    "DOWNLOADER_MIDDLEWARES": {"portal_audit.crawl.safety.PrivateNetworkGuard": 50,
                               "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                               "portal_audit.crawl.robots.RobotsTxtGuard": 100,
                               "portal_audit.crawl.httpcache.RevalidatingCache": 585,
                               "portal_audit.crawl.robots.RobotsTxtReadLimit": 595,
                               "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None},
    "HTTPCACHE_ENABLED": False,
    "HTTPCACHE_POLICY": "portal_audit.crawl.httpcache.AlwaysRevalidatePolicy",
    "HTTPCACHE_STORAGE": "portal_audit.crawl.httpcache.StoreCacheStorage",
    "ITEM_PIPELINES": {"portal_audit.crawl.pipeline.StorePipeline": 100},
    # Depth is the spider's (``pa_depth``): DepthMiddleware would add one for each redirect hop the spider
    # follows and for each sitemap level, and would drop a page past DEPTH_LIMIT only after the spider had
    # counted it against the page budget (tests/test_spider_depth.py). Off, so the crawl has one depth, not two.
    "SPIDER_MIDDLEWARES": {"scrapy.spidermiddlewares.depth.DepthMiddleware": None},
    # The spider de-duplicates canonical URLs itself; Scrapy's fingerprinting would only cost CPU.
    "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    "DNS_TIMEOUT": 10,
    "FEED_EXPORT_ENCODING": "utf-8",
    "LOG_LEVEL": "ERROR",
    "LOG_FORMATTER": "portal_audit.crawl.logformat.ItemNamingLogFormatter",
    "EXTENSIONS": {"scrapy.extensions.logstats.LogStats": None},
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
    # Scrapy starts CONCURRENT_ITEMS (default 100) asyncio tasks for EACH callback's output; the store pipeline
    # is synchronous, so they only cost: ~200k tasks for 2,000 pages, a quarter of a re-crawl's time.
    "CONCURRENT_ITEMS": 1,
}


def base_settings(log_level: str = "ERROR", http_cache: bool = True) -> Settings:
    """``http_cache``: revalidate pages the previous run stored (If-None-Match/If-Modified-Since, 304)."""
    settings = Settings()
    settings.setdict({**BASE_SETTINGS, "LOG_LEVEL": log_level, "HTTPCACHE_ENABLED": http_cache,
                      "LOG_INSTALL_ROOT_HANDLER": log_level not in ("ERROR", "CRITICAL")}, priority="project")
    return settings


def site_settings(base: Settings, site: SiteConfig, user_agent: str) -> Settings:
    """Per-site politeness: the registry's delay, concurrency, timeout, retries and size cap."""
    settings = base.copy()
    settings.setdict({
        "USER_AGENT": user_agent,
        "CONCURRENT_REQUESTS": site.concurrency + 4,  # room for HEAD checks of other hosts
        "CONCURRENT_REQUESTS_PER_DOMAIN": site.concurrency,
        "DOWNLOAD_DELAY": site.delay,
        "AUTOTHROTTLE_ENABLED": site.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(site.delay, 0.5),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": max(1.0, site.concurrency / 2),
        "DOWNLOAD_TIMEOUT": site.timeout,
        "RETRY_TIMES": site.retries,
        "RETRY_ENABLED": site.retries > 0,
        "DOWNLOAD_MAXSIZE": site.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
    }, priority="cmdline")
    return settings
