"""Accessibility audit: static rules on every stored page, axe-core in a browser on template samples."""
