"""Stage 3, audit: deterministic functions of the stored crawl and the checklists."""
