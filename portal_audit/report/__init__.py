"""The published report (issue #5): static HTML pages, JSON and CSV built from the export document.

``render_report(document, out_dir)`` renders an export document (``portal_audit.export.build_export``);
``write_report(store, out_dir)`` builds the document from a store first.
"""

from portal_audit.report.render import render_report, write_report

__all__ = ["render_report", "write_report"]
