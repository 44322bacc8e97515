"""Legacy Vietnamese encodings used by the planted pages: windows-1258 and TCVN3 (ABC, ``.VnTime`` fonts).

windows-1258 has no precomposed letters with tone marks: a tone is a combining mark after the base letter
(``ế`` = ``ê`` + U+0301), so text is encoded letter by letter from a tone-split form. TCVN3 is a *font*
encoding: its bytes are declared as windows-1252 and only look right with a ``.Vn*`` font. The table below
is TCVN 5712:1993 VN3 (lower case plus the seven toneless capitals); it was checked against glibc's
TCVN5712-1, whose upper half agrees for these letters.
"""

from __future__ import annotations

import unicodedata

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below

_TCVN3_ROWS = {
    # base: (no tone, grave, hook, tilde, acute, dot below)
    "a": "a\xb5\xb6\xb7\xb8\xb9",
    "ă": "\xa8\xbb\xbc\xbd\xbe\xc6",
    "â": "\xa9\xc7\xc8\xc9\xca\xcb",
    "e": "e\xcc\xce\xcf\xd0\xd1",
    "ê": "\xaa\xd2\xd3\xd4\xd5\xd6",
    "i": "i\xd7\xd8\xdc\xdd\xde",
    "o": "o\xdf\xe1\xe2\xe3\xe4",
    "ô": "\xab\xe5\xe6\xe7\xe8\xe9",
    "ơ": "\xac\xea\xeb\xec\xed\xee",
    "u": "u\xef\xf1\xf2\xf3\xf4",
    "ư": "\xad\xf5\xf6\xf7\xf8\xf9",
    "y": "y\xfa\xfb\xfc\xfd\xfe",
}
_TONE_ORDER = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_TCVN3_EXTRA = {"đ": "\xae", "Ă": "\xa1", "Â": "\xa2", "Ê": "\xa3", "Ô": "\xa4", "Ơ": "\xa5", "Ư": "\xa6",
                "Đ": "\xa7"}


def _build_tcvn3() -> dict[str, int]:
    table = {ch: ord(code) for ch, code in _TCVN3_EXTRA.items()}
    for base, codes in _TCVN3_ROWS.items():
        for tone, code in zip(_TONE_ORDER, codes, strict=True):
            letter = unicodedata.normalize("NFC", base + tone)
            if len(code) == 1 and ord(code) >= 0x80:
                table[letter] = ord(code)
    return table


TCVN3_ENCODE = _build_tcvn3()
TCVN3_DECODE = {code: ch for ch, code in TCVN3_ENCODE.items()}


def encode_tcvn3(text: str) -> bytes:
    """TCVN3 bytes of ``text``; capitals with tone marks have no code in VN3 (they need ``.VnTimeH``)."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ord(ch) < 0x80:
            out.append(ord(ch))
        elif ch in TCVN3_ENCODE:
            out.append(TCVN3_ENCODE[ch])
        else:
            raise ValueError(f"{ch!r} (U+{ord(ch):04X}) has no TCVN3 code")
    return bytes(out)


def decode_tcvn3(data: bytes) -> str:
    return "".join(TCVN3_DECODE.get(b, chr(b)) if b >= 0x80 else chr(b) for b in data)


def encode_cp1258(text: str) -> bytes:
    """windows-1258 bytes: each letter as itself if the code page has it, else base letter + tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = [c for c in parts if c in TONE_MARKS]
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out += (base + "".join(tones)).encode("cp1258")
    return bytes(out)


def decode_cp1258(data: bytes) -> str:
    """The text a careful reader sees: cp1258 decoded, then composed (NFC)."""
    return unicodedata.normalize("NFC", data.decode("cp1258"))
