"""Message catalogues of the report, read from the .po files at run time (no compiled .mo in the repository).

msgids are English; ``reports/locale/<lang>/LC_MESSAGES/messages.po`` holds each language. The .po is read with
Babel, written to an in-memory .mo and loaded as ``babel.support.Translations``, so editing a .po needs no build step.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGS = ("vi", "en")
PACKAGE = "portal_audit.reports"


def po_text(lang: str) -> bytes:
    return resources.files(PACKAGE).joinpath(f"locale/{lang}/LC_MESSAGES/messages.po").read_bytes()


@cache
def translations(lang: str) -> Translations:
    """The catalogue of ``lang`` ("vi" or "en"); ValueError for any other language."""
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r} (known: {', '.join(LANGS)})")
    catalog = read_po(io.BytesIO(po_text(lang)), locale=lang, domain="messages")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")
