"""Online public services: find each procedure page, read its declared level, evidence its real level.

Declared = what the label says ("Mức độ 4", "DVC trực tuyến toàn trình", "Một phần", badges' alt/title).
Evidenced = what the page offers (Decree 43 Art. 3(4); Circular 32/2017 Art. 5): information only → 1,
a downloadable form → 2, online submission → 3, online submission and payment → 4. Decree 42/Law 148
"toàn trình" maps to 4 and "một phần" to 3 (legal.md §8.5). Decree 224's "mức độ" of *proactive* services
("dịch vụ công trực tuyến chủ động") is a different scale and is never read as the old levels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from portal_audit.audit.corpus import Page, SiteCorpus
from portal_audit.audit.detectors import Evidence
from portal_audit.text import fold
from portal_audit.urls import is_document

# Level-1 information fields of a procedure (Circular 32/2017 Art. 5(1); national DVC portal labels).
_FIELDS = [re.compile(p) for p in (
    r"ten thu tuc", r"linh vuc", r"co quan (thuc hien|giai quyet|co tham quyen)", r"trinh tu thuc hien",
    r"thanh phan(,)? (so luong )?ho so", r"thoi han giai quyet", r"(phi|le phi)", r"can cu phap ly",
    r"doi tuong thuc hien", r"cach thuc thuc hien", r"ket qua thuc hien", r"yeu cau(,)? dieu kien")]
MIN_FIELDS = 4

_PROACTIVE = re.compile(r"chu dong")
_PROCEDURE_HINT = re.compile(r"thu tuc|thu-tuc|thutuc|tthc|dich vu cong|dichvucong|dich-vu-cong|procedure")
_LEVEL = re.compile(r"(?:muc do|muc|level)\s*:?\s*([1-4])(?![0-9])")
_FULL = re.compile(r"toan trinh")
_PARTIAL = re.compile(r"mot phan")
_NEGATED = re.compile(r"(khong|chua)\s+(ap dung|ho tro|cung cap|co|thuc hien|tiep nhan)?\s*(nop|thanh toan)")
_SUBMIT_TEXT = re.compile(r"nop (ho so )?(truc tuyen|online|qua mang)|nop ho so|dang ky truc tuyen|"
                          r"gui ho so|khai bao truc tuyen|nop ngay")
_PAY_TEXT = re.compile(r"thanh toan (truc tuyen|online|le phi|phi|ngay)|nop (phi|le phi) truc tuyen")
_PAY_URL = re.compile(r"pay\.gov\.vn|keypay|vnpay|momo|napas|payoo|thanh-?toan|payment|/pay(/|\b)")


@dataclass
class Service:
    name: str
    url: str
    declared_level: int | None
    declared_label: str | None
    evidenced_level: int
    evidence: list[Evidence] = field(default_factory=list)
    note: str | None = None

    @property
    def mismatch(self) -> bool:
        return self.declared_level is not None and self.declared_level > self.evidenced_level

    def as_export(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "declared_level": self.declared_level,
                "evidenced_level": self.evidenced_level, "evidence": [e.as_dict() for e in self.evidence]}


def _attribute_text(page: Page) -> str:
    """Badges and icons carry the level in alt/title attributes, which text extraction misses."""
    if page.root is None:
        return ""
    values = [el.get(attr) for el in page.root.iter() if isinstance(el.tag, str)
              for attr in ("alt", "title", "aria-label", "data-level", "data-muc-do") if el.get(attr)]
    return fold(" ".join(values))


def is_procedure_page(page: Page) -> bool:
    # The labels must appear in the raw page first (a cheap superset test: no HTML parse for most pages).
    if sum(1 for f in _FIELDS if f.search(page.raw_folded)) < MIN_FIELDS:
        return False
    return sum(1 for f in _FIELDS if f.search(page.main_folded)) >= MIN_FIELDS and not page.is_empty


def _name(page: Page) -> str:
    match = re.search(r"T[êe]n th[ủu] t[ụu]c\s*:?\s*([^\n]{5,200}?)(?:\s{2,}|$|L[ĩi]nh v[ựu]c)", page.text)
    if match:
        return match.group(1).split("|")[0].strip(" :.-")
    for tag, text, *_ in page.headings:
        if tag == "h1":
            return text
    return page.title or page.final_url


def declared_level(page: Page) -> tuple[int | None, str | None, str | None]:
    """(level, label as found, note) from the page's text and badge attributes."""
    haystack = page.main_folded + " | " + _attribute_text(page)
    for match in _LEVEL.finditer(haystack):
        window = haystack[max(match.start() - 60, 0): match.end() + 60]
        if _PROACTIVE.search(window):
            return None, match.group(0), "proactive-service level (Decree 224/2026 Art. 16), not a Decree 43 level"
        return int(match.group(1)), match.group(0), None
    if _FULL.search(haystack):
        return 4, "toàn trình", None
    if _PARTIAL.search(haystack):
        return 3, "một phần", None
    return None, None, None


def evidenced_level(page: Page) -> tuple[int, list[Evidence]]:
    evidence: list[Evidence] = []
    negated = {m.group(3) for m in _NEGATED.finditer(page.main_folded)}
    can_submit = False
    can_pay = False
    has_form = False
    for link in page.links:
        if link.in_chrome:
            continue  # the site's menu offers payment or submission for all services, not for this one
        pays = _PAY_TEXT.search(link.folded) or _PAY_URL.search(link.url.lower())
        if not can_pay and "thanh toan" not in negated and pays:
            can_pay = True
            evidence.append(Evidence(page.final_url, link.selector, f"payment: {link.text or link.url}"))
        elif not can_submit and "nop" not in negated and _SUBMIT_TEXT.search(link.folded):
            can_submit = True
            evidence.append(Evidence(page.final_url, link.selector, f"online submission: {link.text}"))
        elif not has_form and is_document(link.url):
            has_form = True
            evidence.append(Evidence(page.final_url, link.selector, f"downloadable form: {link.text or link.url}"))
    for form in page.forms:
        file_input = form.find(".//input[@type='file']")
        if file_input is not None and not can_submit:
            can_submit = True
            evidence.append(Evidence(page.final_url, page.selector(form), "online submission form with file upload"))
        buttons = " ".join(fold(b.text_content() or b.get("value") or "") for b in form.iter("button", "input"))
        if not can_pay and _PAY_TEXT.search(buttons) and "thanh toan" not in negated:
            can_pay = True
            evidence.append(Evidence(page.final_url, page.selector(form), "online payment form"))
        if not can_submit and _SUBMIT_TEXT.search(buttons) and "nop" not in negated:
            can_submit = True
            evidence.append(Evidence(page.final_url, page.selector(form), "online submission form"))
    if can_submit and can_pay:
        return 4, evidence
    if can_submit:
        return 3, [e for e in evidence if not e.snippet.startswith("payment")]
    if has_form:
        return 2, [e for e in evidence if e.snippet.startswith("downloadable")]
    return 1, [Evidence(page.final_url, None, "information only")]


def find_services(corpus: SiteCorpus) -> list[Service]:
    """One Service per procedure detail page; catalogue pages (linking several procedures) are not one."""
    # An online-service portal is read page by page (every procedure counts); elsewhere procedures are
    # looked for on the template sample and on pages whose address or title names a procedure.
    if corpus.site.get("unit_type") == "dvc":
        candidates = corpus.pages
    else:
        sampled = {id(p) for p in corpus.sample}
        candidates = [p for p in corpus.pages if id(p) in sampled or _PROCEDURE_HINT.search(
            fold(p.title) + " " + p.final_url.lower())]
    procedure_urls = {page.final_url for page in candidates if is_procedure_page(page)}
    services = []
    for page in candidates:
        if page.final_url not in procedure_urls:
            continue
        linked = {link.url for link in page.links if not link.in_chrome} & (procedure_urls - {page.final_url})
        if len(linked) >= 3:
            continue
        level, label, note = declared_level(page)
        evidenced, evidence = evidenced_level(page)
        services.append(Service(name=_name(page), url=page.final_url, declared_level=level, declared_label=label,
                                evidenced_level=evidenced, evidence=evidence, note=note))
    return sorted(services, key=lambda s: s.url)
