"""Stage 1, crawl: Scrapy settings, middlewares, pipeline and the runner that crawls a whole registry."""
