"""Test helper: produce Vietnamese bytes the way legacy Windows software wrote them."""

from __future__ import annotations

import unicodedata

TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258_bytes(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters precomposed (ơ, ư, â...), tone marks as combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append(base + "".join(c for c in parts if c in TONES))
    return "".join(out).encode("cp1258")
