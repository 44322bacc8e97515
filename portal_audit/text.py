"""Vietnamese text helpers shared by every stage.

Matching must work with and without diacritics because real sites mix both ("Lien he", "Liên hệ")
and legacy pages decompose tone marks; so everything is NFC-normalised first and "folded" for fuzzy
comparison by stripping marks (đ is a letter of its own in Unicode, so it is mapped by hand).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, diacritic-free ASCII form for fuzzy matching: 'Sở Y tế' -> 'so y te'.

    The audit's hot path (every page's text, every link), so it stays in C: NFD splits letters from their
    marks, and the ASCII encoding drops the marks (with any other non-Latin symbol, which matching ignores).
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join(decomposed.encode("ascii", "ignore").decode("ascii").lower().split())


@lru_cache(maxsize=100_000)
def fold_short(text: str) -> str:
    """fold() for short strings that repeat on every page (menu links, headings): cached."""
    return fold(text)


def slugify(text: str, max_len: int = 60) -> str:
    """ASCII slug usable as a registry id: 'UBND xã Đông Sơn' -> 'ubnd-xa-dong-son'."""
    slug = _SLUG_JUNK.sub("-", fold(text)).strip("-")
    return slug[:max_len].rstrip("-") or "site"
