"""Vietnamese contact details in page text: phone and fax numbers, e-mail addresses, people with positions.

One job: say where a page's text gives a contact detail, in the shapes real portals write them. Matching runs
on folded text (``portal_audit.text.fold``: lower-case, no diacritics, one space between words, ``" | "`` where
the page had a block or cell boundary); every finder returns the span of the folded text it matched, so the
caller can quote the page's own words with ``unfold_span``. People are read from the page's own text, since
a name is told from other words by its capitals.

Phone numbers follow the national numbering plan (MIC, in force since 2017-2018): a landline is 0 + an area
code 2x or 2xx + the subscriber number, 11 digits in all (024 3825 1234, 0237 3852 123); a mobile is 03x, 05x,
07x, 08x or 09x + 7 digits; 1800/1900 numbers have 4 or 6 digits after the prefix; the government's special
network writes 080 + 5 digits (080 43162). +84 / 84 replaces the leading 0 ("(0)" is sometimes kept). Groups
are separated by a space, a dot or a dash, and the area code may be in parentheses. A number written in the
pre-2017 plan (037 3852 123, (04) 3825 1234, 01xx mobiles) is still a published number, so it counts where a
label says it is a phone; an unlabelled number (a footer line) must fit today's plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from portal_audit.text import fold

Span = tuple[int, int]

# --- phone and fax numbers ------------------------------------------------------------------------------------

# A run of digit groups: one separator (space, dot, dash) between groups, or a parenthesis closing or opening an
# area code ("(0237) 3.852.123", "+84 (0) 237 3852123"). Atomic, so a run is never read shorter than written.
# Not inside a word or a number, not after a date's or a document number's digits ("12/2026", "số 15/2026").
_RUN = re.compile(r"(?<![\w+/@])(?<!\d[.,/\-])(?>(?:\(\s?)?\+?\s?\d+(?:(?:[ .\-]|\)[ .\-]?|[ .\-]?\()\d+)*\)?)"
                  r"(?![\w/@]|[.,]\d)")
_GROUP = re.compile(r"\d+")
# Shapes that are never a phone whatever their digits: an IPv4 address, an amount with thousands separators
# (1.800.000.000 đồng), a date (08.02.2026, 08-02-2026), a range of years (1945-2025, 1900 - 2000).
_NOT_A_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}|\d{1,3}(?:[.,]\d{3})+|\d{1,2}[.\-]\d{1,2}[.\-](?:19|20)?\d{2}"
                           r"|(?:1[6-9]|20)\d{2}\s?-\s?(?:1[6-9]|20)\d{2}")
_STARTS_WITH_DATE = re.compile(r"\d{1,2}[.\-]\d{1,2}[.\-](?:19|20)\d{2}(?!\d)")
_SPECIAL_NETWORK = re.compile(r"\(?080\)?[ .\-]?\d{5}")  # 080 43162, 080.48924, (080) 43162

# Current plan (an unlabelled number must be one of these) and the pre-2017 plan (only where labelled).
CURRENT_PLAN = ("landline", "mobile", "hotline", "special")


def classify_number(run: str) -> str | None:
    """What a written number is under the numbering plan: landline, mobile, hotline (1800/1900), special
    (080 network), old (pre-2017 plan: 10 or 11 digits from 0), or None when it is no phone number."""
    run = run.strip()
    if _NOT_A_NUMBER.fullmatch(run) or _STARTS_WITH_DATE.match(run):
        return None
    digits = "".join(_GROUP.findall(run))
    bare = run.lstrip("( ")
    international = bare.startswith("+") or (digits.startswith("84") and re.match(r"84(?:\s?\)|[ .\-(])", bare))
    if international:
        national = "0" + digits[2:].removeprefix("0")
    else:
        national = digits
        if re.fullmatch(r"1[89]00(?:\d{4}|\d{6})", digits):
            return "hotline"
        if re.fullmatch(r"080\d{5}", digits):
            return "special" if _SPECIAL_NETWORK.fullmatch(run) else None
    if re.fullmatch(r"02\d{9}", national):
        return "landline"
    if re.fullmatch(r"0[35789]\d{8}", national):
        return "mobile"
    if re.fullmatch(r"0[1-9]\d{8,9}", national):
        return "old"
    return None


def number_at(folded: str, pos: int, *, current_only: bool = False) -> Span | None:
    """The phone number written at ``pos`` (the whole run of digit groups, or its longest leading part that is
    a number: "0237 3852 123 2026" reads 0237 3852 123), or None."""
    m = _RUN.match(folded, pos)
    if m is None:
        return None
    ends = [g.end() for g in _GROUP.finditer(folded, m.start(), m.end())]
    for end in reversed(ends):
        run = folded[m.start():end]
        if run.count("(") > run.count(")") and folded[end:end + 1] == ")":
            end += 1
            run += ")"
        kind = classify_number(run)
        if kind and (kind in CURRENT_PLAN or not current_only):
            return m.start(), end
    return None


def phone_numbers(folded: str, *, current_only: bool = False) -> Iterator[Span]:
    """Every phone number written in the text, in order."""
    pos = 0
    while (m := _RUN.search(folded, pos)) is not None:
        span = number_at(folded, m.start(), current_only=current_only)
        if span:
            yield span
        pos = m.end()


_PHONE_LABEL = (r"(?<![a-z])(?:so dien thoai|dien thoai|so dt|sdt|dt|d\.t|tel|telephone|phone|hotline|"
                r"duong day nong|tong dai|di dong|mobile|t(?=\s?[:.]))(?![a-z])")
_FAX_LABEL = r"(?<![a-z])(?:so fax|fax|f(?=\s?[:.]))(?![a-z])"
# Between a label and its number: a colon, a unit's name ("Điện thoại: Văn phòng: …", "ĐT (VP):"), never another
# field's label, an address or an e-mail; "ĐT/Fax:" labels one number as both.
_GAP_LIMIT = 30
_BAD_GAP = re.compile(r"fax|e-?mail|thu dien tu|dia chi|@")
_BOTH = re.compile(r"\s?/\s?(?:fax|dien thoai|dt|tel)(?![a-z])")
_PHONE_LABELLED = re.compile(_PHONE_LABEL)
_FAX_LABELLED = re.compile(_FAX_LABEL)
# A label alone in a cell ("| Điện thoại |", a directory's column): its numbers follow in the rows below.
_COLUMN_WINDOW = 400
# Words that make an unlabelled number something else: a fax, a tax code, an account, a licence, an ID card.
_OTHER_NUMBER = re.compile(r"fax|(?<![a-z])f\s?[:.]|thue|(?<![a-z])mst(?![a-z])|tai khoan|(?<![a-z])stk(?![a-z])|"
                           r"giay phep|cmnd|cccd|can cuoc|ma so|so hieu|buu chinh|zip|so:|so van ban")


def _after_label(folded: str, end: int) -> Span | None:
    """The number a label at ``end`` introduces: the first digits after it, within a short gap."""
    both = _BOTH.match(folded, end)
    gap_start = both.end() if both else end
    for pos in range(gap_start, min(gap_start + _GAP_LIMIT + 1, len(folded))):
        char = folded[pos]
        if char.isdigit() or char in "(+":
            if _BAD_GAP.search(folded, gap_start, pos):
                return None
            span = number_at(folded, pos)
            if span or char.isdigit():
                return span
    return None


def _labelled(folded: str, label: re.Pattern[str], column: str) -> Span | None:
    for m in label.finditer(folded):
        span = _after_label(folded, m.end())
        if span:
            return span
    for m in re.finditer(r"\|\s?(?:" + column + r")\s?:?\s?\|", folded):
        for start, end in phone_numbers(folded[m.end():m.end() + _COLUMN_WINDOW], current_only=True):
            return m.end() + start, m.end() + end
    return None


def find_phone(folded: str) -> Span | None:
    """A number a label calls a phone ("Điện thoại:", "ĐT", "Tel", "SĐT", "Hotline", "Đường dây nóng",
    "Điện thoại: Văn phòng: …", a directory column "Điện thoại")."""
    return _labelled(folded, _PHONE_LABELLED, _PHONE_LABEL)


def find_fax(folded: str) -> Span | None:
    """A number a label calls a fax ("Fax:", "Số fax", "FAX", "ĐT/Fax", "F:", a directory column "Fax")."""
    return _labelled(folded, _FAX_LABELLED, _FAX_LABEL)


def find_unlabelled_phone(folded: str) -> Span | None:
    """A number of today's plan with no label, as footers write the agency's line ("UBND xã Đông Sơn - 0200 3861
    020"); one that another label claims (fax, tax code, account, licence) is not a phone."""
    labelled = find_phone(folded)
    if labelled:
        return labelled
    for start, end in phone_numbers(folded, current_only=True):
        before = folded[max(start - 30, 0):start]
        before = before[before.rfind("|") + 1:]
        if not _OTHER_NUMBER.search(before):
            return start, end
    return None


# What may stand between the groups of a written number (_RUN: a space, a dot, a dash, parentheses; any whitespace).
_GROUP_SEPARATORS = re.compile(r"[\s().-]")
# What a phone dials (ITU-T E.164: at most 15 digits, "+" for the international prefix); 6 digits at least.
_DIALLABLE = re.compile(r"\+?\d{6,15}")


def tel_href(value: Any) -> str | None:
    """``tel:`` target of a registry phone number ("0200 3 852 100" → "tel:02003852100"), None when it holds no
    number a phone can dial (words, an extension: then the report shows the text as the registry wrote it).

    Not held to the numbering plan (classify_number): the registry's number is dialled as its owner wrote it,
    and a switchboard or a number abroad is still a number to call."""
    if not isinstance(value, str):
        return None
    digits = _GROUP_SEPARATORS.sub("", value.strip())
    return f"tel:{digits}" if _DIALLABLE.fullmatch(digits) else None


# --- e-mail addresses -------------------------------------------------------------------------------------------

# name@host.tld, also as portals hide them from harvesters: "sotc[at]hanoi.gov.vn", "sotc(at)hanoi.gov.vn",
# "sotc @ hanoi.gov.vn", "sotc[a]hanoi[dot]gov[dot]vn".
_AT = r"(?:\s?@\s?|\s?[\[({]\s?(?:at|a|@)\s?[\])}]\s?)"
_DOT = r"(?:\.|\s?[\[({]\s?(?:dot|\.)\s?[\])}]\s?)"
_EMAIL = re.compile(r"(?<![a-z0-9._%+-])[a-z0-9](?:[a-z0-9._%+-]*[a-z0-9_])?" + _AT
                    + r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:" + _DOT + r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
                    + _DOT + r"[a-z]{2,}(?![a-z0-9-])")
_GOV_VN = re.compile(_DOT + r"gov" + _DOT + r"vn$")


def find_email(folded: str, *, official: bool = False) -> Span | None:
    """An e-mail address (with ``official``, one on gov.vn or a subdomain: vanphong@snv.thanhhoa.gov.vn)."""
    for m in _EMAIL.finditer(folded):
        if not official or _GOV_VN.search(m.group()):
            return m.span()
    return None


def is_email(value: str, *, official: bool = False) -> bool:
    m = _EMAIL.fullmatch(fold(value))
    return m is not None and (not official or bool(_GOV_VN.search(m.group())))


# --- people with positions --------------------------------------------------------------------------------------

# Posts of an agency's leaders and competent officials, folded; "phó" (deputy) may precede any of them.
POSITIONS = ("tong giam doc", "giam doc", "chu tich", "chanh van phong", "chanh thanh tra", "truong ban",
             "truong phong", "bo truong", "thu truong", "cuc truong", "tong cuc truong", "vu truong",
             "chi cuc truong", "bi thu", "nguoi phat ngon", "can bo dau moi")
_ADDRESS_LABEL = re.compile(r"(?<![a-z])(?:dia chi|tru so)(?![a-z])")
_POSITION = re.compile(r"(?<![a-z])(?:pho )?(?:" + "|".join(sorted(POSITIONS, key=len, reverse=True)) + r")(?![a-z])")


def find_name_title(folded: str) -> Span | None:
    """An official's position with a phone number or an e-mail address close after it (a directory row, a
    spokesperson's line): "Chánh Văn phòng | Văn phòng UBND tỉnh | (0200) 3 852 102"."""
    for m in _POSITION.finditer(folded):
        window = folded[m.end():m.end() + 150]
        window = window[:m2.start()] if (m2 := _ADDRESS_LABEL.search(window)) else window  # the agency's, not theirs
        ends = [end for _, end in islice(phone_numbers(window), 1)]
        if (email := _EMAIL.search(window)) is not None:
            ends.append(email.end())
        if ends:
            return m.start(), m.end() + min(ends)
    return None


# Vietnamese surnames (folded): the common Kinh ones and those of the larger minorities. A person's name starts
# with one, so "SỞ TÀI CHÍNH" in capitals is not read as a name. Left out: surnames that fold to everyday words
# of headings in capitals (Văn, Ban, Tô/Tổ, Tống/Tổng, Điêu/Điều, Khổng/Không, Tôn...), which would read
# "VĂN PHÒNG UBND" or "TỔ CHỨC CÁN BỘ" as a person.
SURNAMES = frozenset(("nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do",
    "ho", "ngo", "duong", "ly", "dinh", "lo", "mai", "trinh", "phi", "cao", "ta", "luong", "doan", "vuong", "truong",
    "lam", "ha", "chu", "dao", "lai", "kieu", "thai", "tang", "quach", "trieu", "luu", "chau", "khuc", "nong", "hua",
    "lu", "giang", "sung", "vang", "thao", "hau", "lau", "luc", "be", "loc", "mac", "than", "kha", "au", "diep",
    "nghiem", "phung", "khuat", "bach", "banh", "giap", "mong", "tuong", "ksor", "siu", "nie", "rmah"))
# Provinces and cities whose names start like a person's ("Sở Y tế Hà Nội"), and the words that announce a place.
_PLACES = frozenset(("ha noi", "ha tinh", "ha giang", "ha nam", "ha long", "ha dong", "cao bang", "lam dong",
                     "thai binh", "thai nguyen", "lai chau", "ho chi minh", "phan thiet", "phan rang", "mai chau"))
_PLACE_BEFORE = re.compile(r"(?:tinh|thanh pho|tp\.?|huyen|quan|xa|phuong|thi xa|thi tran|song|nui|duong|pho)\s$")
_WORD = re.compile(r"[^\W\d_]+")
_POSITION_FIRST_WORDS = frozenset(p.split()[0] for p in POSITIONS) | {"pho"}


@dataclass(frozen=True)
class Person:
    name: str       # as the page wrote it ("Trần Đức Khiêm", "NGUYỄN VĂN A")
    position: str   # as the page wrote it ("Chủ tịch UBND tỉnh" is read as "Chủ tịch")
    span: Span      # where the pair is in the text (name and position, whichever comes first)


def _capitalised(word: str) -> bool:
    return word[0].isupper() and (word[1:].islower() or word.isupper() or len(word) == 1)


def _names(text: str) -> list[tuple[int, int]]:
    """Spans of person names: a capitalised surname and one to four more capitalised words of one syllable
    each, with one space between them (title case or capitals, with or without diacritics)."""
    words = list(_WORD.finditer(text))
    names: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        w = words[i]
        if not (_capitalised(w.group()) and fold(w.group()) in SURNAMES):
            i += 1
            continue
        j = i
        while (j + 1 < len(words) and j - i < 4 and text[words[j].end():words[j + 1].start()] == " "
               and _capitalised(words[j + 1].group()) and len(fold(words[j + 1].group())) <= 7
               and _position_at(text, words[j + 1]) is None):
            j += 1
        # after "tỉnh", "xã", "phường"... two words are a place ("xã Lê Lợi", "phường Trường Xuân"); a person's
        # full name there has three or more ("UBND xã Mai Văn Thuận")
        after_place = _PLACE_BEFORE.search(fold(text[max(w.start() - 12, 0):w.start()]) + " ")
        if j > i + (1 if after_place else 0) and fold(text[w.start():words[j].end()]) not in _PLACES:
            names.append((w.start(), words[j].end()))
        i = j + 1
    return names


def _position_at(text: str, word: re.Match[str]) -> int | None:
    """Where a position named from ``word`` on ends in ``text`` ("Phó Chủ tịch UBND" → after "tịch"), or None."""
    if fold(word.group()) not in _POSITION_FIRST_WORDS:
        return None
    m = _POSITION.match(fold(text[word.start():word.start() + 40]))
    if m is None:
        return None
    words = list(islice(_WORD.finditer(text, word.start()), len(m.group().split())))
    return words[-1].end()


# Name then position: separators only, or other posts before it ("Đỗ Minh Tuấn, Ủy viên Ban Thường vụ Tỉnh ủy,
# Chủ tịch UBND tỉnh"). Position then name: the unit's name in the same cell ("Chủ tịch UBND xã Mai Văn Thuận").
_BETWEEN_NAME_AND_POSITION = re.compile(r"\s*(?:[-–—:,|(]\s*)*(?:(?:là|la)\s+)?(?:[^|.;:\d()]{1,60}?,\s*)?")
_BETWEEN_POSITION_AND_NAME = re.compile(r"[^.;|\d]{0,45}")
_MAX_GAP = 80


def people_with_positions(text: str) -> list[Person]:
    """People listed with their posts, as leaders' pages and directories write them: "Ông Trần Đức Khiêm - Chủ
    tịch UBND tỉnh", "BS.CKII Vũ Minh Chánh - Giám đốc Sở", "Lê Minh Khoa | Chánh Văn phòng", "NGUYỄN VĂN A,
    GIÁM ĐỐC", "Giám đốc: Ông Nguyễn Văn A", "Chủ tịch UBND xã Mai Văn Thuận". Each name once; a name between
    two posts takes the one in its own cell, then the nearer."""
    positions: list[tuple[int, int]] = []
    for w in _WORD.finditer(text):
        if positions and w.start() < positions[-1][1]:
            continue  # a word of the position just read ("Giám" of "Phó Giám đốc")
        end = _position_at(text, w)
        if end is not None:
            positions.append((w.start(), end))
    people: list[Person] = []
    seen: set[str] = set()
    for start, end in _names(text):
        candidates = []  # (crosses a cell boundary, gap length, position span, pair span)
        for p_start, p_end in positions:
            if p_start - end > _MAX_GAP or start - p_end > _MAX_GAP:
                continue  # too far apart to be one entry (and a long page is not sliced for every pair)
            if p_start >= end and _BETWEEN_NAME_AND_POSITION.fullmatch(gap := text[end:p_start]):
                candidates.append(("|" in gap, len(gap), (p_start, p_end), (start, p_end)))
            elif p_end <= start and _BETWEEN_POSITION_AND_NAME.fullmatch(gap := text[p_end:start]):
                candidates.append((False, len(gap), (p_start, p_end), (p_start, end)))
        name = text[start:end]
        if candidates and fold(name) not in seen:
            _, _, (p_start, p_end), span = min(candidates)
            seen.add(fold(name))
            people.append(Person(name, text[p_start:p_end], span))
    return people


# --- addresses --------------------------------------------------------------------------------------------------

# "Địa chỉ: …", "Địa chỉ liên hệ: …", "Trụ sở: …", "Trụ sở chính: …": a label and a colon (in prose, "tại trụ sở
# UBND xã" names no address); "Địa chỉ thư điện tử", "Địa chỉ website", "Địa chỉ IP" are other fields. The address
# runs to the end of its cell or to the next field ("… tỉnh Trường Giang - Điện thoại: …").
_ADDRESS = re.compile(r"(?<![a-z])(?:dia chi|tru so)(?: (?:chinh|lien he|co quan|giao dich|tru so|lien lac))?"
                      r"\s?[:\-]\s?(?!(?:thu dien tu|e-?mail|website|trang web|ip)(?![a-z]))([^\s|][^|]{5,150})")
_NEXT_FIELD = re.compile(r"[\s.,;\-]*(?<![a-z])(?:dien thoai|dt|tel|fax|e-?mail|thu dien tu|website|hotline|"
                         r"duong day nong|tong dai)(?![a-z])")


def find_address(folded: str) -> Span | None:
    """The agency's address after its label ("Địa chỉ: Số 1 đường …", "Trụ sở: …")."""
    for m in _ADDRESS.finditer(folded):
        end = m.end()
        if (field := _NEXT_FIELD.search(folded, m.start(1), end)) is not None:
            end = field.start()
        end = len(folded[:end].rstrip(" .,;-"))
        if end - m.start(1) >= 6:
            return m.start(), end
    return None
