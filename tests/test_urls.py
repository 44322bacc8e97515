"""Canonical URLs, scope and trap defence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal_audit.urls import Scope, TrapGuard, canonical_url, is_document


@pytest.mark.parametrize(("raw", "expected"), [
    ("http://A.gov.vn/x#top", "http://a.gov.vn/x"),
    ("http://a.gov.vn/x?utm_source=fb&b=2&a=1", "http://a.gov.vn/x?a=1&b=2"),
    ("http://a.gov.vn/x?fbclid=1&gclid=2", "http://a.gov.vn/x"),
    ("http://a.gov.vn/page.jsp;jsessionid=ABC123?id=5", "http://a.gov.vn/page.jsp?id=5"),
    ("http://a.gov.vn/x?ASPSESSIONIDQA=1&PHPSESSID=2&id=3", "http://a.gov.vn/x?id=3"),
    ("http://a.gov.vn:80/", "http://a.gov.vn/"),
    ("https://a.gov.vn", "https://a.gov.vn/"),
    ("http://a.gov.vn/tin tức/Sở Y tế", "http://a.gov.vn/tin%20t%E1%BB%A9c/S%E1%BB%9F%20Y%20t%E1%BA%BF"),
])
def test_canonical(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_documents_by_extension() -> None:
    assert is_document("http://a.vn/upload/ke-hoach.PDF")
    assert is_document("http://a.vn/f.docx?v=2")
    assert not is_document("http://a.vn/tin-tuc/pdf")
    assert not is_document("http://a.vn/index.php?file=x.pdf")


def test_scope_hosts_ports_and_prefixes() -> None:
    scope = Scope.for_site("http://127.0.0.1:8080/web/so-y-te/", frozenset({"127.0.0.1"}), ("/web/so-y-te/",))
    assert scope.contains("http://127.0.0.1:8080/web/so-y-te/tin-tuc")
    assert scope.contains("http://127.0.0.1:8080/web/so-y-te")
    assert not scope.contains("http://127.0.0.1:8080/web/guest/")
    assert scope.same_host("http://127.0.0.1:8080/web/guest/")
    assert not scope.same_host("http://127.0.0.1:8081/web/so-y-te/")
    www = Scope.for_site("https://a.gov.vn/", frozenset({"a.gov.vn", "www.a.gov.vn"}), ())
    assert www.contains("http://www.a.gov.vn/x") and not www.contains("https://b.gov.vn/")
    moved = www.with_host_of("https://new.gov.vn/home")
    assert moved.contains("https://new.gov.vn/x") and moved.contains("https://a.gov.vn/")
    assert not www.same_host("http://a.gov.vn:99999/")


def test_trap_pagination_and_repeats() -> None:
    guard = TrapGuard(today=date(2026, 11, 26))
    assert guard.check("http://a.vn/tin?page=50") is None
    assert "pagination" in (guard.check("http://a.vn/tin?page=51") or "")
    assert "repeated" in (guard.check("http://a.vn/tin-tuc/tin-tuc/tin-tuc/x") or "")
    assert guard.check("http://a.vn/tin-tuc/2026/tin-tuc/x") is None


def test_trap_calendar_is_capped_per_pattern() -> None:
    guard = TrapGuard(today=date(2026, 11, 26))
    assert "year 2031" in (guard.check("http://a.vn/lich?ngay=2031-01-01") or "")
    assert "1995" in (guard.check("http://a.vn/lich?ngay=1995-01-01") or "")
    limit = guard.rules.family_limit
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(limit + 1)]
    assert all(guard.check(f"http://a.vn/lich?ngay={day.isoformat()}") is None for day in days[:limit])
    assert "calendar" in (guard.check(f"http://a.vn/lich?ngay={days[limit].isoformat()}") or "")
    # A planning period followed by an article id is not a date.
    assert guard.check("http://a.vn/tin-tuc/ke-hoach-giai-doan-2026-2030-100123.html") is None
    assert guard.check("http://a.vn/quy-hoach-2021-2030-tam-nhin-2050.html") is None
    # Articles whose URLs carry a date but differ in their slug are not a calendar.
    assert all(guard.check(f"http://a.vn/portal/Pages/2026-11-{d:02d}/bai-{d}.aspx") is None for d in range(1, 29))
