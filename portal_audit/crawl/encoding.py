"""Decode a page's bytes the way a careful reader would, and say when the page itself is wrong.

Vietnamese sites still carry every era of encodings: UTF-8 mis-declared as ISO-8859-1 by an old server
config, windows-1258 with combining tone marks, and pre-Unicode "font encodings" (TCVN3/ABC with .VnTime,
VNI) whose bytes are valid Latin-1 but whose text is gibberish without the font. We never store mojibake
silently: either the text decodes correctly, or the page carries an ``encoding_issue`` flag.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_.:-]+)", re.I)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")
# Latin-1 characters that TCVN3 (ABC) uses for the commonest Vietnamese letters: á à ả ã ạ ă â ê ô ơ đ.
_TCVN3_MARKERS = set("¸µ¶·¹¨©ª«¬®")
_LEGACY_FONTS = re.compile(rb"""font-family\s*:\s*["']?\.?vn|face\s*=\s*["']?\.vn|vni[- ]""", re.I)
_VIETNAMESE_LETTERS = re.compile("[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđơưăâêô]", re.I)
_LATIN1_FAMILY = {"iso8859-1", "cp1252", "latin-1", "iso-8859-1", "windows-1252", "ascii"}


@dataclass(frozen=True)
class Decoded:
    text: str
    declared: str | None   # charset as the server or page declared it
    detected: str          # codec actually used to decode
    issue: str | None      # declared_mismatch | undeclared_legacy | tcvn3_suspected | vni_suspected | undecodable


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_charset(content_type: str | None, body: bytes) -> tuple[str | None, str | None]:
    """(raw declared name, normalised codec name) from the HTTP header, else the first <meta charset>."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            return match.group(1).lower(), _codec(match.group(1))
    match = _META_CHARSET.search(body[:4096])
    if match:
        raw = match.group(1).decode("ascii", "replace").lower()
        return raw, _codec(raw)
    return None, None


def _valid_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(body: bytes) -> bool:
    """UTF-8 with a few stray bytes (a legacy-encoded snippet pasted into a UTF-8 page): a browser decodes it
    as UTF-8 and shows a replacement character for each stray byte, and so do we, rather than reading the
    whole page in a legacy codec."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return good >= 1 and good >= 4 * bad


def _legacy_font_issue(text: str, body: bytes) -> str | None:
    markers = sum(1 for ch in text if ch in _TCVN3_MARKERS)
    letters = sum(1 for ch in text if ch.isalpha()) or 1
    real_vietnamese = len(_VIETNAMESE_LETTERS.findall(text))
    font_hint = _LEGACY_FONTS.search(body[:200_000])
    if markers >= 5 and markers / letters > 0.01 and real_vietnamese < markers:
        return "tcvn3_suspected"
    if font_hint and real_vietnamese == 0 and re.search(rb"vni", font_hint.group(0), re.I):
        return "vni_suspected"
    if font_hint and real_vietnamese == 0 and markers >= 1:
        return "tcvn3_suspected"
    return None


def decode_html(body: bytes, content_type: str | None) -> Decoded:
    raw_declared, declared = declared_charset(content_type, body)
    issue: str | None = None
    if body.startswith(codecs.BOM_UTF8):
        codec, body = "utf-8", body[len(codecs.BOM_UTF8):]
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    elif _valid_utf8(body):
        codec = "utf-8"
        if declared and declared != "utf-8" and _UTF8_MULTIBYTE.search(body):
            issue = "declared_mismatch"  # e.g. ISO-8859-1 declared, UTF-8 sent: browsers show mojibake
    elif declared and declared != "utf-8":
        codec = declared
    elif _mostly_utf8(body):
        codec, issue = "utf-8", "undecodable"
    else:
        best = from_bytes(body[:200_000]).best()
        codec = _codec(best.encoding) if best else None
        codec = codec or "cp1258"
        issue = "declared_mismatch" if declared == "utf-8" else "undeclared_legacy"
    try:
        text = body.decode(codec, errors="replace" if issue == "undecodable" else "strict")
    except (UnicodeDecodeError, LookupError):
        text = body.decode(codec if _codec(codec) else "utf-8", errors="replace")
        issue = "undecodable"
    text = unicodedata.normalize("NFC", text)
    if issue is None and codec in _LATIN1_FAMILY | {"cp1258"}:
        issue = _legacy_font_issue(text, body)
    return Decoded(text=text, declared=raw_declared, detected=codec, issue=issue)
