"""portal-audit: crawl, audit and score Vietnamese government websites against the law and WCAG."""

__version__ = "0.1.0"
