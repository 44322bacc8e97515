"""Trap guard vs real slugs (issue 12, class 6): a trap is a URL family that keeps producing new URLs.

Anniversary and event articles carry years and dates in their slugs ('27-7-1947-27-7-2022', '1945-2025'):
they are content and are crawled. What is cut is a family (URLs identical but for their numbers, or for a
date) that keeps growing from its own pages, at ``family_limit`` members (60 in url_rules.yaml).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from portal_audit.registry import load_registry
from portal_audit.urls import TrapGuard, canonical_url, load_rules
from spiders.site_spider import SharedState, SiteSpider

TODAY = date(2026, 12, 1)
SITE = "https://tinh.gov.vn"
HOME = SITE + "/"
LIMIT = load_rules().family_limit

REAL_SLUGS = [
    "/tin-tuc/ky-niem-75-nam-ngay-thuong-binh-liet-si-27-7-1947-27-7-2022.html",
    "/vi/news/ky-niem-80-nam-cach-mang-thang-tam-1945-2025-123.html",
    "/Pages/le-ky-niem-2-9-1945-2-9-2025.aspx",
    "/tin/hoi-nghi-tong-ket-nam-2025-trien-khai-nhiem-vu-2026",
    "/van-ban/12-2026-qd-ubnd",
    "/tin?ItemID=2024",
    "/tin?ItemID=1998",
    "/lich-cong-tac/tuan-49-2026",
    "/tin-tuc/ky-niem-95-nam-ngay-thanh-lap-dang-3-2-1930-3-2-2025.html",
    "/tin-tuc/ky-niem-135-nam-ngay-sinh-chu-tich-ho-chi-minh-19-5-1890-19-5-2025.html",
    "/tin-tuc/2026/12/05/le-khanh-thanh-cau-moi.html",
    "/su-kien/2099/01/01/ke-hoach-tam-nhin-2099",   # a year far ahead, in a path: a slug, not a calendar
    "/tin-tuc/quy-hoach-tinh-thoi-ky-2021-2030-tam-nhin-den-nam-2050.html",
]


def guard() -> TrapGuard:
    return TrapGuard(today=TODAY)


def chain(urls: list[str], trap: TrapGuard, first_referrer: str | None = HOME) -> list[str | None]:
    """Each URL linked from the page before it (next/previous navigation): the family feeding itself."""
    referrer, reasons = first_referrer, []
    for url in urls:
        reason = trap.check(url, referrer)
        reasons.append(reason)
        if reason is None:
            referrer = url
    return reasons


def days(start: date, n: int) -> Iterator[date]:
    return (start + timedelta(days=i) for i in range(n))


def test_the_limit_fits_a_year_of_weekly_pages_and_leaves_pagination_to_its_own_rule() -> None:
    rules = load_rules()
    assert rules.family_limit >= 53                 # an ISO year has at most 53 weeks
    assert rules.family_limit > rules.max_pagination
    assert rules.family_limit * 8 <= 500            # at most an eighth of the default page budget


@pytest.mark.parametrize("path", REAL_SLUGS)
def test_anniversary_and_event_slugs_are_crawled(path: str) -> None:
    url = canonical_url(SITE + path)
    assert guard().check(url, HOME) is None
    assert guard().check(url) is None


def test_anniversary_slugs_linking_each_other_are_all_crawled() -> None:
    trap = guard()
    urls = [canonical_url(SITE + p) for p in REAL_SLUGS]
    assert chain(urls, trap) == [None] * len(urls)
    # 200 anniversary articles each linking the next ("tin khác"): their dates vary, and so do their words.
    units = ["thanh-lap-dang-bo-tinh", "ngay-giai-phong-que-huong", "thanh-lap-huyen", "ngay-sinh-dong-chi-le-hoan",
             "chien-thang-lich-su", "thanh-lap-cong-an-xa", "ngay-truyen-thong-nganh-y-te", "thanh-lap-mat-tran",
             "khoi-nghia-gianh-chinh-quyen", "ngay-thanh-lap-hoi-nong-dan"]
    places = ["thanh-hoa", "nghe-an", "ha-tinh", "quang-binh", "quang-tri", "hue", "da-nang", "quang-nam",
              "quang-ngai", "binh-dinh", "phu-yen", "khanh-hoa", "ninh-thuan", "binh-thuan", "kon-tum", "gia-lai",
              "dak-lak", "dak-nong", "lam-dong", "binh-phuoc"]
    events = [f"{SITE}/tin-tuc/ky-niem-{n}-nam-{unit}-{place}-{d.day}-{d.month}-{d.year - n}-{d.day}-{d.month}-"
              f"{d.year}.html"
              for n, (unit, place), d in zip(range(1, 201), ((u, p) for u in units for p in places),
                                             days(date(2025, 1, 1), 200), strict=True)]
    assert chain(events, trap) == [None] * len(events)


def test_asking_again_about_an_accepted_url_changes_nothing() -> None:
    trap = guard()
    url = SITE + "/lich?ngay=2026-12-05"
    for _ in range(3 * LIMIT):
        assert trap.check(url, url) is None


def test_a_calendar_of_500_day_pages_is_cut_at_the_limit() -> None:
    trap = guard()
    urls = [f"{SITE}/events/{d:%Y/%m/%d}/" for d in days(date(2020, 1, 1), 500)]
    reasons = chain(urls, trap)
    assert reasons[:LIMIT] == [None] * LIMIT
    refused = reasons[LIMIT:]
    assert all(r and "calendar family /events/{date}/" in r for r in refused)
    # A calendar is capped whoever links it: a month grid on another page does not reopen it.
    assert "calendar" in (trap.check(f"{SITE}/events/2030/01/01/", HOME) or "")


def test_a_day_view_calendar_in_the_query_is_cut_at_the_limit() -> None:
    trap = guard()
    urls = [f"{SITE}/lich?date={d.isoformat()}&view=day" for d in days(date(2025, 6, 1), 500)]
    reasons = chain(urls, trap)
    assert reasons.count(None) == LIMIT and reasons[:LIMIT] == [None] * LIMIT
    assert "calendar family /lich?date={date}&view=day" in (reasons[LIMIT] or "")


def test_month_navigation_for_ever_stops_beyond_next_year() -> None:
    trap = guard()
    months = [f"{SITE}/lich?month={2026 + (11 + i) // 12}-{(11 + i) % 12 + 1:02d}" for i in range(500)]
    reasons = chain(months, trap)
    assert reasons[:13] == [None] * 13               # 2026-12 .. 2027-12
    assert "month=2028-01" in (reasons[13] or "") and "plausible range" in (reasons[13] or "")
    # Dates long past in a calendar parameter are navigation too, not content.
    assert "1999" in (trap.check(SITE + "/lich?ngay=1999-01-04", HOME) or "")


def test_a_weekly_schedule_of_52_pages_is_crawled_whole() -> None:
    trap = guard()
    weeks = [f"{SITE}/lich-cong-tac/tuan-{w}-2026" for w in range(1, 53)]
    assert chain(weeks, trap) == [None] * 52
    query_weeks = [f"{SITE}/lich-cong-tac?nam=2026&tuan={w}" for w in range(1, 53)]
    assert chain(query_weeks, trap) == [None] * 52
    dated_weeks = [f"{SITE}/web/guest/lich-cong-tac?ngay={d.isoformat()}"
                   for d in (date(2026, 1, 5) + timedelta(weeks=w) for w in range(52))]
    assert chain(dated_weeks, trap) == [None] * 52


def test_weekly_pages_linked_for_ever_are_cut_once_the_family_outgrows_the_limit() -> None:
    trap = guard()
    weeks = [f"{SITE}/lich-cong-tac/tuan-{w}-{y}" for y in range(2017, 2027) for w in range(1, 53)]
    reasons = chain(weeks, trap)
    assert reasons[:LIMIT + 1] == [None] * (LIMIT + 1)   # the page linked from the menu, then LIMIT more
    assert all(r and "family /lich-cong-tac/tuan-#-# keeps producing new addresses" in r
               for r in reasons[LIMIT + 1:])
    # Linked from outside the family (a menu, an archive list), a week is still content.
    assert trap.check(f"{SITE}/lich-cong-tac/tuan-1-2015", HOME) is None


def test_articles_linked_from_listings_are_never_a_family_trap() -> None:
    trap = guard()
    for n in range(1, 401):
        listing = f"{SITE}/tin-tuc?page={(n - 1) // 10 + 1}"
        assert trap.check(f"{SITE}/node/{n}", listing) is None
    # Previous/next links between articles feed the family itself: followed up to the limit.
    reasons = chain([f"{SITE}/node/{n}" for n in range(1000, 1200)], trap, first_referrer=f"{SITE}/node/400")
    assert reasons.count(None) == LIMIT


def test_sort_and_order_permutations_are_one_family() -> None:
    trap = guard()
    a = canonical_url(SITE + "/tin-tuc?sort=ngay&order=desc&page=2")
    b = canonical_url(SITE + "/tin-tuc?page=2&order=desc&sort=ngay")
    assert a == b
    urls = [f"{SITE}/tin-tuc?order={o}&page={p}&sort={s}"
            for p in range(1, 51) for s in ("ngay", "tieu-de", "luot-xem") for o in ("asc", "desc")]
    reasons = chain(urls, trap, first_referrer=SITE + "/tin-tuc")
    assert reasons.count(None) == LIMIT + 1              # the first linked from /tin-tuc, then LIMIT more
    assert "family /tin-tuc?order=*&page=#&sort=* keeps producing" in (reasons[-1] or "")


def test_session_ids_do_not_make_new_urls() -> None:
    variants = [SITE + "/trang.jsp;jsessionid=A1B2C3", SITE + "/trang.jsp;jsessionid=ZZ99",
                SITE + "/trang.jsp?PHPSESSID=abc", SITE + "/trang.jsp?sid=1&utm_source=zalo"]
    assert {canonical_url(v) for v in variants} == {SITE + "/trang.jsp"}


def test_repeated_segments_and_very_long_urls_are_refused_whatever_the_family() -> None:
    trap = guard()
    assert "repeated" in (trap.check(SITE + "/a/b/a/b/a/b", HOME) or "")
    assert "longer" in (trap.check(SITE + "/tim-kiem?q=" + "x" * 2100, HOME) or "")


def test_an_ever_growing_query_is_cut() -> None:
    trap = guard()
    urls, query = [SITE + "/loc"], ""
    for i in range(300):
        query += f"{'&' if query else '?'}loc{i}=1"
        urls.append(SITE + "/loc" + query)
    reasons = chain(urls, trap)
    assert reasons[:LIMIT + 1] == [None] * (LIMIT + 1)
    assert "endless query growth" in (reasons[LIMIT + 1] or "")


class _Writer:
    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, Any]]] = []

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows.append((table, row))


def test_the_spider_records_a_cut_family_as_trap_and_crawls_real_slugs(tmp_path: Path) -> None:
    registry = tmp_path / "sites.yaml"
    registry.write_text("province: Tỉnh Thử nghiệm\nsites:\n  - id: tinh\n    name: Cổng tỉnh\n"
                        f"    unit_type: ubnd_tinh\n    url: {HOME}\n    max_pages: 1000\n    max_depth: 100\n",
                        encoding="utf-8")
    writer = _Writer()
    spider = SiteSpider(load_registry(registry).sites[0], "run", SharedState(), writer)
    for path in REAL_SLUGS:
        assert spider._page_request(canonical_url(SITE + path), 1, HOME) is not None
    referrer = HOME
    for d in days(date(2026, 1, 1), 100):
        url = f"{SITE}/lich?ngay={d.isoformat()}"
        if spider._page_request(url, 1, referrer) is not None:
            referrer = url
    traps = [row for table, row in writer.rows if table == "fetch_errors" and row["kind"] == "trap"]
    assert len(traps) == 100 - LIMIT
    assert all("calendar family /lich?ngay={date}" in row["detail"] and row["referrer"] for row in traps)
