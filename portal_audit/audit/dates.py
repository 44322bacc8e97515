"""Vietnamese dates as portals print them, for freshness checks (Decree 43 Art. 17 and successors).

Forms seen on real portals: "Thứ Hai, 23/11/2026", "23-11-2026 08:30", "23.11.2026", "Ngày 23 tháng 11
năm 2026", "Đăng ngày 11 - 11 - 2023", ISO "2026-11-23", and dates inside URLs (/Pages/2023-11-11/...).
Matching happens on folded text (no diacritics), so "ngay 23 thang 11 nam 2026" is the spelled form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*((?:19|20)\d{2})(?!\d)")
_YMD = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?!\d)")
_SPELLED = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+((?:19|20)\d{2})")


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(folded_text: str) -> Iterator[date]:
    """Every plausible day-month-year date in folded text (Vietnamese order: day first)."""
    for d, m, y in _DMY.findall(folded_text):
        found = _valid(int(y), int(m), int(d))
        if found:
            yield found
    for y, m, d in _YMD.findall(folded_text):
        found = _valid(int(y), int(m), int(d))
        if found:
            yield found
    for d, m, y in _SPELLED.findall(folded_text):
        found = _valid(int(y), int(m), int(d))
        if found:
            yield found


def newest(dates: Iterable[date], not_after: date) -> date | None:
    """The newest date that is not in the future of the crawl (deadlines and events ahead don't count)."""
    candidates = [d for d in dates if d <= not_after]
    return max(candidates) if candidates else None


def working_days_between(start: date, end: date) -> int:
    """Monday–Friday days after ``start`` up to and including ``end`` (public holidays not modelled)."""
    if end <= start:
        return 0
    days = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days += 1
    return days
