"""Maintainer tools for the demo province: rebuild binary assets, recompute the answer keys' crawl section."""
