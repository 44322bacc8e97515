"""Passive technical and security checks of one host (TLS, response headers, DNS) for the technical checklist."""
