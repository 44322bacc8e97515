"""Vietnamese text helpers shared by every stage.

Matching must work with and without diacritics because real sites mix both ("Lien he", "Liên hệ")
and legacy pages decompose tone marks; so everything is NFC-normalised first and "folded" for fuzzy
comparison by stripping marks (đ is a letter of its own in Unicode, so it is mapped by hand).
"""

from __future__ import annotations

import re
import unicodedata

_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case, diacritic-free form for fuzzy matching: 'Sở Y tế' -> 'so y te'."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def slugify(text: str, max_len: int = 60) -> str:
    """ASCII slug usable as a registry id: 'UBND xã Đông Sơn' -> 'ubnd-xa-dong-son'."""
    slug = _SLUG_JUNK.sub("-", fold(text)).strip("-")
    return slug[:max_len].rstrip("-") or "site"
