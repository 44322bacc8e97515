"""Vietnamese text: folding, and decoding every era of encodings without silent mojibake."""

from __future__ import annotations

import unicodedata

from vietnamese_bytes import cp1258_bytes

from portal_audit.crawl.encoding import decode_html
from portal_audit.text import fold, slugify

TITLE = "Sở Y tế tỉnh Trường Giang: Thông báo lịch tiếp công dân"


def page(text: str, head: str = "") -> str:
    return f"<html><head>{head}<title>{text}</title></head><body><p>{text}</p></body></html>"


def test_fold_and_slug() -> None:
    assert fold("Đường dây NÓNG") == "duong day nong"
    assert fold(unicodedata.normalize("NFD", "Lịch công tác")) == "lich cong tac"
    assert slugify("UBND xã Đông Sơn") == "ubnd-xa-dong-son"


def test_utf8_declared() -> None:
    d = decode_html(page(TITLE, '<meta charset="utf-8">').encode(), "text/html; charset=utf-8")
    assert TITLE in d.text and d.detected == "utf-8" and d.issue is None


def test_windows_1258_with_combining_marks_is_decoded_and_nfc() -> None:
    body = cp1258_bytes(page(TITLE))
    d = decode_html(body, "text/html; charset=windows-1258")
    assert d.declared == "windows-1258" and d.detected == "cp1258"
    assert TITLE in d.text and d.issue is None


def test_utf8_misdeclared_as_latin1_is_flagged_and_decoded() -> None:
    d = decode_html(page(TITLE).encode(), "text/html; charset=iso-8859-1")
    assert d.detected == "utf-8" and d.issue == "declared_mismatch"
    assert TITLE in d.text


def test_undeclared_utf8() -> None:
    d = decode_html(page(TITLE).encode(), "text/html")
    assert d.declared is None and d.detected == "utf-8" and TITLE in d.text


def test_tcvn3_font_encoding_is_flagged() -> None:
    # "Sở Y tế" etc. typed with the TCVN3 (ABC) keyboard and .VnTime font: Latin-1 bytes, gibberish text.
    tcvn3 = "Th«ng b¸o lÞch tiÕp c«ng d©n cña Së Tµi chÝnh tØnh. C¸c v¨n b¶n ®· ®­îc cËp nhËt."
    body = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head>'
            f'<body><font face=".VnTime">{tcvn3}</font></body></html>').encode("cp1252")
    d = decode_html(body, None)
    assert d.issue == "tcvn3_suspected"


def test_plain_english_latin1_page_is_not_flagged() -> None:
    body = page("Caf\u00e9 menu \u2013 contact").encode("cp1252")
    d = decode_html(body, "text/html; charset=windows-1252")
    assert d.issue is None and "Café" in d.text


def test_undecodable_bytes_are_flagged_not_hidden() -> None:
    d = decode_html(b"<html><title>\x81\x8d\x8f\x90\x9d</title></html>", "text/html; charset=utf-8")
    assert d.issue is not None


def test_a_few_stray_bytes_in_a_utf8_page_do_not_turn_it_into_a_legacy_codec() -> None:
    text = page("Sở Tài nguyên và Môi trường: địa chỉ, điện thoại, thư điện tử")
    body = text.encode().replace("địa".encode(), b"\xff\xfe\xe1")  # a pasted legacy snippet
    d = decode_html(body, "text/html; charset=utf-8")
    assert d.issue == "undecodable" and d.detected == "utf-8"
    assert "Sở Tài nguyên và Môi trường" in d.text and "\ufffd" in d.text
