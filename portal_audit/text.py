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


def unfold_span(text: str, start: int, end: int) -> str:
    """The part of ``text`` that ``fold(text)[start:end]`` came from, as the page wrote it (diacritics, case):
    matching runs on folded text, but evidence must quote the page. Whitespace runs show as one space."""
    positions: list[int] = []          # for each character of the folded text, where it came from in ``text``
    pending_space = False
    for index, char in enumerate(text):
        if char.isspace():
            pending_space = bool(positions)
            continue
        folded = unicodedata.normalize("NFD", "d" if char in "đĐ" else char).encode("ascii", "ignore")
        if not folded:
            continue
        if pending_space:
            positions.append(index - 1)
            pending_space = False
        positions.extend([index] * len(folded))
        if len(positions) > end:
            break
    if start >= len(positions):
        return ""
    last = positions[min(end, len(positions)) - 1]
    return " ".join(text[positions[start]:last + 1].split())


@lru_cache(maxsize=100_000)
def fold_short(text: str) -> str:
    """fold() for short strings that repeat on every page (menu links, headings): cached."""
    return fold(text)


def slugify(text: str, max_len: int = 60) -> str:
    """ASCII slug usable as a registry id: 'UBND xã Đông Sơn' -> 'ubnd-xa-dong-son'."""
    slug = _SLUG_JUNK.sub("-", fold(text)).strip("-")
    return slug[:max_len].rstrip("-") or "site"
