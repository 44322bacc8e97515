"""Scrapy spiders: discovery and politeness only, no judging. Installed as `portal_audit.spiders`."""
