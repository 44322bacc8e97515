"""Checklists are data (YAML); this file only lets the installed package ship them as `portal_audit.checklists`."""
