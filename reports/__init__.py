"""Report templates are data (Jinja2); this file only lets the package ship them as `portal_audit.reports`."""
