"""Generic detectors: each finds evidence for one checklist element in a site's corpus.

Checklists compose these (design.md: "code holds a small set of generic detectors; checklists compose
them"). A detector returns Evidence items; an item whose page is an empty section is kept but marked
``empty``, so the report can say "the section exists but is empty" instead of "present".
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import islice
from typing import Any
from urllib.parse import unquote

import yaml

from portal_audit.audit.contacts import (
    Span,
    classify_number,
    find_address,
    find_email,
    find_fax,
    find_name_title,
    find_phone,
    find_unlabelled_phone,
    is_email,
    people_with_positions,
)
from portal_audit.audit.corpus import MAX_NAV_WORDS, Page, SiteCorpus
from portal_audit.html import footer_regions
from portal_audit.reasons import Reason, join_reasons, reason, reason_label, split_reason
from portal_audit.text import fold, fold_short, unfold_span
from portal_audit.urls import is_document

MAX_EVIDENCE = 5


@dataclass(frozen=True)
class Evidence:
    url: str
    selector: str | None = None
    snippet: str | None = None
    empty: bool = False
    unread: bool = False  # a link to the category whose page could not be read (error, not fetched)

    def as_dict(self) -> dict[str, Any]:
        """The export's evidence; a snippet the engine wrote (a Reason, not a quote of the page) also keeps its
        template and parameters, so the report can show it in its own language."""
        out = {"url": self.url, "selector": self.selector, "snippet": self.snippet}
        template, params = split_reason(self.snippet)
        if template is not None:
            out |= {"snippet_template": template, "snippet_params": params}
        return out


@dataclass
class Found:
    evidence: list[Evidence] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)       # pages that carry the element (for freshness, text)
    note: str | None = None
    against: list[Evidence] = field(default_factory=list)  # evidence of the problem, when the element is missing
    seen: bool = False  # pages of the category were found, but without the details the law requires

    def add(self, ev: Evidence, page: Page | None = None) -> None:
        if ev not in self.evidence:
            self.evidence.append(ev)
        if page is not None and page not in self.pages:
            self.pages.append(page)

    @property
    def present(self) -> bool:
        """Shown: a readable page (or element) with content. docs/checklists.md, "Present, partial, missing"."""
        return any(not e.empty and not e.unread for e in self.evidence)

    @property
    def only_empty(self) -> bool:
        """The section exists but shows nothing: every page found is empty."""
        return bool(self.evidence) and not self.present and any(e.empty for e in self.evidence)

    @property
    def only_unread(self) -> bool:
        """The section is linked but none of its pages could be read."""
        return bool(self.evidence) and all(e.unread for e in self.evidence)


@cache
def hints() -> dict[str, Any]:
    return yaml.safe_load(resources.files("portal_audit").joinpath("data/structured.yaml").read_text("utf-8"))


@cache
def phrase_regex(phrase: str) -> re.Pattern[str]:
    """Whole-word, diacritic-free, case-free match of a phrase ("Lịch công tác" matches "lich cong tac")."""
    words = [re.escape(w) for w in fold(phrase).replace("-", " ").split()]
    # Words are joined by spaces or punctuation, never a newline: index blobs keep one text per line. The
    # pattern starts with the first word itself (its left boundary checked just after), so the regex engine
    # can jump between occurrences of that literal instead of trying every position.
    first = words[0]
    return re.compile(first + f"(?<![a-z0-9]{first})" + "".join(r"[ \-_,.:/]*" + w for w in words[1:])
                      + r"(?![a-z0-9])")


@cache
def _any_regex(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{phrase_regex(p).pattern})" for p in phrases))


def _scan(blob: str, phrases: list[str]) -> Iterator[re.Match[str]]:
    """Matches of any phrase in a big folded text; phrases whose words are absent are dropped first, by fast
    substring tests, since a regex that starts with a look-behind cannot skip ahead on its own."""
    present = [p for p in phrases if all(w in blob for w in fold_short(p).replace("-", " ").split())]
    matches = [m for p in present for m in phrase_regex(p).finditer(blob)]
    return iter(sorted(matches, key=lambda m: m.start()))


def _lines_matching(blob: str, phrases: list[str]) -> list[str]:
    """The lines of a newline-joined blob that contain one of the phrases (one regex scan in C)."""
    out = []
    for m in _scan(blob, phrases):
        start = blob.rfind("\n", 0, m.start()) + 1
        end = blob.find("\n", m.end())
        line = blob[start:end if end >= 0 else len(blob)]
        if not out or out[-1] != line:
            out.append(line)
    return out


def matches_any(folded: str, phrases: list[str], exclude: list[str] | None = None) -> bool:
    """Whether the folded text names one of the phrases (and none of the excluded ones)."""
    if exclude and _any_regex(tuple(exclude)).search(folded):
        return False
    return bool(_any_regex(tuple(phrases)).search(folded))


def _slug_form(text: str) -> str:
    return fold_short(text).replace("_", "-")


def _snippet(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _page_evidence(page: Page, selector: str | None, snippet: str) -> Evidence:
    return Evidence(url=page.final_url, selector=selector, snippet=_snippet(snippet), empty=page.is_empty)


# --- locating detectors -------------------------------------------------------------------------------------

def nav_link(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    """Menu-like links (short text, in navigation or on the home page) whose text names the category."""
    found = Found()
    matched = {text for text in _lines_matching(corpus.nav_text_index, spec["keywords"])
               if not spec.get("exclude") or matches_any(text, spec["keywords"], spec["exclude"])}
    for link in corpus.stored_links:  # in page order, so the home page's menu comes first
        if link.folded not in matched:
            continue
        if not link.page.is_home and not corpus.is_menu_text(link.page, link.folded):
            continue
        page = link.page
        target = corpus.page(link.url)
        if target is not None:
            found.add(_page_evidence(target, None, f"{link.text} ← {page.final_url} {link.selector}"), target)
        elif corpus.is_own(link.url) or is_document(link.url):
            # The agency's own page or file (a same-host address outside the registry's scope is still the
            # agency's): a document whose download works is evidence; any other link the crawl could not read
            # (an error, robots, the budget, out of scope) only shows the category is meant: partial at most.
            why = corpus.unreadable.get(link.url)
            if is_document(link.url) and why is None:
                found.add(Evidence(url=page.final_url, selector=link.selector,
                                   snippet=_snippet(f"{link.text} → {link.url}")))
            elif why is None:
                found.add(Evidence(url=page.final_url, selector=link.selector, unread=True,
                                   snippet=reason("linked, but the page was not fetched: {text} → {url}",
                                                  text=link.text, url=link.url)))
            else:
                found.add(Evidence(url=page.final_url, selector=link.selector, unread=True,
                                   snippet=reason("linked, but the page could not be read: {text} → {url} ({why})",
                                                  text=link.text, url=link.url, why=why)))
        elif not found.note:
            # A link to another site (the province's calendar, another agency) is not this site publishing it.
            found.note = reason("only a link to another site: {text} → {url}", text=link.text, url=link.url)
        if len(found.evidence) >= MAX_EVIDENCE:
            break
    return found


def url_slug(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    found = Found()
    slugs = [_slug_form(s) for s in spec["slugs"]]
    for page in corpus.pages:
        address = _slug_form(page.final_url.split("://", 1)[-1].split("/", 1)[-1])
        if any(s in address for s in slugs):
            found.add(_page_evidence(page, None, page.title or page.final_url), page)
            if len(found.evidence) >= MAX_EVIDENCE:
                break
    return found


def heading(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    found = Found()
    sampled = {id(page) for page in corpus.sample}
    blob, starts = corpus.title_index
    titled = {bisect_right(starts, m.start()) - 1 for m in _scan(blob, spec["keywords"])}
    for index, page in enumerate(corpus.pages):
        if index not in titled and id(page) not in sampled:
            continue
        # <title> and <h1> name what a page is; a short <h2> names a section of it ("Trả lời kiến nghị"), while
        # a long one is an article's or a draft's own title, which names its subject, not a category (a table's
        # short caption counts as an h2: it names the table). Titles
        # are stored by the crawl; headings are read on the sample of each template.
        headings = page.headings if id(page) in sampled else []
        candidates = [("title", page.title, "title", fold_short(page.title))] + [
            h for h in headings if h[0] == "h1" or (h[0] in ("h2", "caption") and len(h[3].split()) <= MAX_NAV_WORDS)]
        for _tag, text, selector, folded in candidates:
            if folded and matches_any(folded, spec["keywords"], spec.get("exclude")):
                found.add(_page_evidence(page, selector, text), page)
                break
        if len(found.evidence) >= MAX_EVIDENCE:
            break
    return found


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def text(corpus: SiteCorpus, spec: dict[str, Any], element_pages: list[Page] | None = None) -> Found:
    found = Found()
    where = spec.get("where", "any")
    if where == "home":
        pages = [corpus.home] if corpus.home else []
    elif where == "element_pages":
        pages = element_pages or []
    else:
        pages = corpus.sample  # templates, not pages: see SiteCorpus.sample
    need = spec.get("min_matches", 1)
    for page in pages:
        hits: list[re.Match[str]] = []
        for pattern in spec["patterns"]:
            hits.extend(islice(_compiled(pattern).finditer(page.folded), need - len(hits)))
            if len(hits) >= need:
                break
        if len(hits) >= need:
            m = hits[0]
            start = max(m.start() - 40, 0)
            found.add(Evidence(url=page.final_url, snippet=_snippet(unfold_span(page.text, start, m.end() + 60)),
                               empty=page.is_empty and where != "home"), page)
        if len(found.evidence) >= MAX_EVIDENCE:
            break
    return found


def _hinted_pages(corpus: SiteCorpus, key: str, with_children: bool = True) -> list[Page]:
    """Pages a structured detector should look at: found by the hint keywords or slugs, home first."""
    cache_key = f"hinted:{key}:{with_children}"
    if cache_key not in corpus.detector_cache:
        corpus.detector_cache[cache_key] = _find_hinted_pages(corpus, key, with_children)
    return corpus.detector_cache[cache_key]


def _find_hinted_pages(corpus: SiteCorpus, key: str, with_children: bool) -> list[Page]:
    h = hints()
    pages: list[Page] = []
    for found in (nav_link(corpus, {"keywords": h[f"{key}_pages"]}), heading(corpus, {"keywords": h[f"{key}_pages"]}),
                  url_slug(corpus, {"slugs": h[f"{key}_slugs"]})):
        for page in found.pages:
            if page not in pages:
                pages.append(page)
    if not with_children:
        return pages
    # Pages one click below a hinted page (document lists often split into detail pages).
    children: list[Page] = []
    for page in list(pages):
        for link in page.links:
            child = corpus.page(link.url)
            if child is not None and child not in pages and child not in children and not link.in_chrome:
                children.append(child)
    return pages + children[:40]


# --- structured detectors -----------------------------------------------------------------------------------

_DOC_NUMBER = re.compile(r"(?<![\w/])\d{1,5}/(?:(?:19|20)\d{2}/)?[a-z]{1,6}(?:-[a-z0-9]{1,10}){1,3}(?![\w/])")
_DATE = re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*(?:19|20)\d{2}(?!\d)")
# Field names a reason lists ("documents list without issue_date, file"): words the report translates.
FIELD_LABELS = (reason_label("number"), reason_label("issue_date"), reason_label("effective_date"),
                reason_label("abstract"), reason_label("doc_type"), reason_label("issuer"), reason_label("file"),
                reason_label("drafts"), reason_label("deadline"), reason_label("full_text"), reason_label("comment"),
                reason_label("comments_view"), reason_label("contact"), reason_label("email"), reason_label("phone"),
                reason_label("fax"), reason_label("address"), reason_label("name_title"))
_DOC_FIELDS: dict[str, re.Pattern[str]] = {
    "issue_date": re.compile(r"ngay ban hanh|ban hanh ngay|ngay ky|ngay van ban"),
    "effective_date": re.compile(r"hieu luc|ngay co hieu luc|ngay ap dung"),
    "abstract": re.compile(r"trich yeu|noi dung|tom tat|ve viec"),
    "doc_type": re.compile(r"loai van ban|hinh thuc van ban|the loai|quyet dinh|nghi quyet|chi thi|thong tu|cong van"),
    "issuer": re.compile(r"co quan ban hanh|noi ban hanh|don vi ban hanh|tham quyen|nguoi ky|cap ban hanh"),
}
_DOWNLOAD_TEXT = re.compile(r"tai ve|tai xuong|download|tep dinh kem|file dinh kem|xem van ban|toan van")


def _has_file_link(corpus: SiteCorpus, page: Page) -> str | None:
    for link in page.links:
        if is_document(link.url) or _DOWNLOAD_TEXT.search(link.folded):
            return link.url
    return None


def documents_list(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    """A legal-documents list: numbers/symbols (12/2026/QĐ-UBND) with the fields the law names."""
    wanted = spec.get("fields") or ["number", "issue_date", "abstract"]
    found = Found()
    for page in _hinted_pages(corpus, "documents"):
        matches = list(_DOC_NUMBER.finditer(page.main_folded))
        if not matches:
            continue
        # quoted as the page wrote them ("12/2026/QĐ-UBND", not the folded "12/2026/qd-ubnd"), each once
        numbers: list[str] = []
        for m in matches:
            if m.group() not in (fold(n) for n in numbers):
                numbers.append(unfold_span(page.main_text, m.start(), m.end()))
            if len(numbers) == 3:
                break
        shown = {"number"}
        for name, pattern in _DOC_FIELDS.items():
            if pattern.search(page.main_folded):
                shown.add(name)
        if "issue_date" not in shown and len(_DATE.findall(page.main_folded)) >= 1:
            shown.add("issue_date")
        if _has_file_link(corpus, page):
            shown.add("file")
        missing = [f for f in wanted if f not in shown]
        if not missing:
            found.add(Evidence(url=page.final_url, snippet=_snippet(", ".join(numbers[:3])), empty=False), page)
        elif not found.note:
            found.note = reason("{url}: documents list without {fields}", url=page.final_url, fields=missing)
            found.seen = True  # the list exists; the details it lacks are what is missing (partial, not failed)
        if len(found.evidence) >= MAX_EVIDENCE:
            break
    return found


def _search_forms(page: Page) -> list[Any]:
    names = {fold(n) for n in hints()["search_inputs"]}
    forms = []
    for form in page.forms:
        inputs = [i for i in form.iter("input") if (i.get("type") or "text").lower() in ("text", "search")]
        action = fold(form.get("action") or "")
        labelled = any(fold(i.get("name") or "") in names or "tim" in fold(i.get("placeholder") or "")
                       or "search" in fold(i.get("placeholder") or "") or (i.get("type") or "") == "search"
                       for i in inputs)
        if inputs and (labelled or re.search(r"search|tim-?kiem|timkiem|tra-?cuu", action)):
            forms.append(form)
    return forms


def search_form(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    found = Found()
    pages = ([corpus.home] if corpus.home else []) + [p for p in corpus.pages if not p.is_home]
    for page in pages:
        for form in _search_forms(page):
            found.add(Evidence(url=page.final_url, selector=page.selector(form), snippet=reason("search form")), page)
            return found
    return found


def document_search(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    """A search form on a documents page itself (not a contact form one click away: no <textarea>)."""
    found = Found()
    for page in _hinted_pages(corpus, "documents", with_children=False):
        for form in page.forms:
            if form.find(".//textarea") is not None:
                continue
            fields = [i for i in form.iter("input", "select") if (i.get("type") or "text").lower()
                      in ("text", "search", "select-one", "date") or i.tag == "select"]
            if fields:
                found.add(Evidence(url=page.final_url, selector=page.selector(form),
                                   snippet=reason("document search form ({n} fields)", n=len(fields))), page)
                return found
    return found


_CONSULT_FIELDS: dict[str, re.Pattern[str]] = {
    "drafts": re.compile(r"du thao"),
    "deadline": re.compile(r"(han|thoi han|thoi gian|het han|ngay ket thuc|den ngay|han chot)[^.]{0,40}"
                           r"(gop y|lay y kien|y kien|tiep nhan)|(gop y|lay y kien)[^.]{0,40}(den|truoc) ngay"),
    "full_text": re.compile(r"toan van|noi dung du thao|tai ve|tep dinh kem|xem chi tiet"),
    "comment": re.compile(r"gui (y kien|gop y)|gop y|y kien cua ban|nhap y kien"),
    "comments_view": re.compile(r"(xem|cac|danh sach) y kien|y kien da (gui|gop y|tiep nhan)|so y kien"),
    "contact": re.compile(r"@|dia chi tiep nhan|thu dien tu|email"),
}


def consultation(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    """Drafts open for comment: each with a deadline, the full text and a way to comment."""
    wanted = spec.get("fields") or ["drafts", "deadline"]
    found = Found()
    shown: set[str] = set()
    pages_used: list[Page] = []
    for page in _hinted_pages(corpus, "consultation"):
        if page.is_empty:
            found.add(Evidence(url=page.final_url, snippet=_snippet(page.title), empty=True), page)
            continue
        page_shows = {name for name, pattern in _CONSULT_FIELDS.items() if pattern.search(page.main_folded)}
        if page.forms and any(f.find(".//textarea") is not None for f in page.forms):
            page_shows.add("comment")
        if _has_file_link(corpus, page):
            page_shows.add("full_text")
        if page_shows & {"drafts", "deadline"}:
            shown |= page_shows
            pages_used.append(page)
    missing = [f for f in wanted if f not in shown]
    if pages_used and not missing:
        for page in pages_used[:MAX_EVIDENCE]:
            found.add(Evidence(url=page.final_url, snippet=_snippet(page.title or "dự thảo")), page)
    elif pages_used:
        # A page listing drafts is the consultation section even when a draft shows no deadline: the missing
        # details make the item partial, never "empty" or failed (docs/checklists.md).
        found.note = reason("consultation pages without {fields}", fields=missing)
        found.seen = True
    return found


def _quote(text: str, span: Span | None) -> str | None:
    """A contact detail found on ``fold(text)``, quoted as the page wrote it."""
    return unfold_span(text, *span) if span else None


def _footer_text(page: Page) -> str:
    """The text of the page's footer(s) (html.footer_regions)."""
    if page.root is None:
        return ""
    return " | ".join(" ".join(r.text_content().split()) for r in footer_regions(page.root))


def _link_value(page: Page, scheme: str, valid: Callable[[str], bool]) -> str | None:
    """An address only a link gives (<a href="mailto:…">Gửi thư</a>, <a href="tel:…">Gọi</a>)."""
    if page.root is None:
        return None
    for a in page.root.iter("a"):
        href = (a.get("href") or "").strip()
        if href.lower().startswith(scheme):
            value = unquote(href[len(scheme):].split("?", 1)[0]).strip()
            if value and valid(value):
                return value
    return None


def _phone(page: Page) -> str | None:
    """A labelled phone number anywhere on the page, else an unlabelled one in its footer, else a tel: link."""
    if found := _quote(page.text, find_phone(page.folded)):
        return found
    footer = _footer_text(page)
    if found := _quote(footer, find_unlabelled_phone(fold(footer))):
        return found
    return _link_value(page, "tel:", lambda v: classify_number(fold(v)) is not None)


def _email(page: Page) -> str | None:
    return _quote(page.text, find_email(page.folded)) or _link_value(page, "mailto:", is_email)


_CONTACT_FIELDS: dict[str, Callable[[Page], str | None]] = {
    "email": _email,
    "phone": _phone,
    "fax": lambda p: _quote(p.text, find_fax(p.folded)),
    "address": lambda p: _quote(p.text, find_address(p.folded)),
    "name_title": lambda p: _quote(p.text, find_name_title(p.folded)),
}


def contact(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    """Contact details in Vietnamese formats, all fields on one page (footer of the home page or contact)."""
    where = spec.get("where", "any")
    pages: list[Page] = []
    if where in ("home", "any") and corpus.home:
        pages.append(corpus.home)
    if where in ("contact", "any"):
        pages += [p for p in _hinted_pages(corpus, "contact") if p not in pages]
    found = Found()
    best: tuple[int, Page | None, dict[str, str]] = (0, None, {})
    for page in pages:
        values = {name: v for name in spec["fields"] if (v := _CONTACT_FIELDS[name](page))}
        if len(values) == len(spec["fields"]):
            found.add(Evidence(url=page.final_url, snippet=_snippet("; ".join(values.values()))), page)
            return found
        if len(values) > best[0]:
            best = (len(values), page, values)
    if best[1] is not None:
        missing = [f for f in spec["fields"] if f not in best[2]]
        found.note = reason("{url}: contact details without {fields}", url=best[1].final_url, fields=missing)
    return found


_BIO_MARKERS = [re.compile(p) for p in (
    r"sinh (nam|ngay)|nam sinh|ngay sinh", r"que quan|noi sinh",
    r"trinh do|thac si|tien si|cu nhan|ky su|bac si|chuyen mon|ly luan chinh tri", r"(chuc vu|chuc danh)",
    r"nhiem vu|phu trach|linh vuc", r"qua trinh cong tac|tom tat (qua trinh|tieu su)|tieu su")]
_LEADER_WORDS = re.compile(r"giam doc|chu tich|truong ban|lanh dao|bi thu|chanh van phong")


def leader_bios(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    found = Found()
    for page in _hinted_pages(corpus, "leader"):
        markers = sum(1 for m in _BIO_MARKERS if m.search(page.main_folded))
        if markers >= 3 and _LEADER_WORDS.search(page.main_folded):
            found.add(_page_evidence(page, None, page.title), page)
            if len(found.evidence) >= MAX_EVIDENCE:
                break
    return found


# What the law asks of a leaders' page besides names and posts: a short biography (two of: birth, home town,
# education, career) and the tasks each leader is assigned.
_BIOGRAPHY = [re.compile(p) for p in (
    r"sinh (nam|ngay)|nam sinh|ngay sinh", r"que quan|noi sinh|que:",
    r"trinh do|hoc vi|thac si|tien si|cu nhan|ky su|bac si|ly luan chinh tri", r"qua trinh cong tac|tom tat qua trinh")]
_TASKS = re.compile(r"phu trach|nhiem vu (duoc giao|duoc phan cong|dam nhiem|dam nhan)|duoc phan cong|"
                    r"linh vuc (phu trach|theo doi|cong tac)|dieu hanh chung|truc tiep chi dao")
_TO_BIOGRAPHY = re.compile(r"tieu su|ly lich|chi tiet|xem them|thong tin ca nhan")


def _leader_details(page: Page) -> set[str]:
    shown = set()
    if sum(1 for m in _BIOGRAPHY if m.search(page.main_folded)) >= 2:
        shown.add("biography")
    if _TASKS.search(page.main_folded):
        shown.add("tasks")
    return shown


def _leader_pages(corpus: SiteCorpus) -> list[Page]:
    """Pages whose menu link, title, heading or address names the leaders ("Lãnh đạo Sở", "Ban Giám đốc"),
    including a short section heading of a larger page ("Ban Giám đốc" on "Cơ cấu tổ chức")."""
    pages = list(_hinted_pages(corpus, "leader", with_children=False))
    keywords = hints()["leader_pages"]
    for page in corpus.sample:
        if page not in pages and any(
                tag in ("h2", "h3") and len(folded.split()) <= MAX_NAV_WORDS and matches_any(folded, keywords)
                for tag, _text, _selector, folded in page.headings):
            pages.append(page)
    return pages


def leaders(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    """A leaders' page listing people with their posts ("Ông Trần Đức Khiêm - Chủ tịch UBND tỉnh"); with
    ``require``, also the biographies and tasks the law asks, on the page or on a page it links to for a
    leader (a "Tiểu sử" link, the leader's name)."""
    need, wanted = spec.get("min_leaders", 2), spec.get("require") or []
    found = Found()
    for page in _leader_pages(corpus):
        people = people_with_positions(page.main_text)
        if len(people) < need:
            continue
        shown = _leader_details(page)
        names = [fold(p.name) for p in people]
        for link in page.links:
            if set(wanted) <= shown:
                break
            child = corpus.page(link.url)
            if child is not None and child is not page and not link.in_chrome and (
                    _TO_BIOGRAPHY.search(link.folded) or "tieu-su" in link.url.lower()
                    or any(n in link.folded for n in names)):
                shown |= _leader_details(child)
        if set(wanted) <= shown:
            quote = "; ".join(page.main_text[p.span[0]:p.span[1]] for p in people[:3])
            found.add(Evidence(url=page.final_url, snippet=_snippet(quote), empty=page.is_empty), page)
            if len(found.evidence) >= MAX_EVIDENCE:
                break
        elif not found.note:
            found.note = reason("pages found, but without the required details")
    return found


_GAZETTE_ISSUE = re.compile(r"(so|cong bao so)\s*:?\s*\d{1,4}(\s*[+\-]\s*\d{1,4})?")


def gazette(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    found = Found()
    for page in _hinted_pages(corpus, "gazette"):
        if _GAZETTE_ISSUE.search(page.main_folded) and _DATE.search(page.main_folded):
            found.add(_page_evidence(page, None, page.title), page)
            if len(found.evidence) >= MAX_EVIDENCE:
                break
    return found


LEGACY_ENCODINGS = {"tcvn3_suspected": reason_label("TCVN3 (ABC) font encoding"),
                    "vni_suspected": reason_label("VNI font encoding"),
                    "undeclared_legacy": reason_label("legacy code page without a declaration"),
                    "declared_mismatch": reason_label("charset declared wrongly (browsers show mojibake)"),
                    "undecodable": reason_label("bytes that decode in no declared charset")}


def unicode_text(corpus: SiteCorpus, spec: dict[str, Any]) -> Found:
    """Decree 43 Art. 7(1): Vietnamese Unicode (TCVN 6909). The crawl flagged every page it could not read
    as Unicode; those pages are the evidence against."""
    found = Found()
    bad = [p for p in corpus.pages if p.encoding_issue in LEGACY_ENCODINGS or _legacy_code_page(p)]
    if not bad:
        found.add(Evidence(url=corpus.pages[0].final_url if corpus.pages else str(corpus.site["url"]),
                           snippet=reason("{n} pages read as Unicode text", n=len(corpus.pages))))
        return found
    for page in bad[:MAX_EVIDENCE]:
        found.against.append(Evidence(url=page.final_url, snippet=_encoding_problem(page)))
    found.note = reason("{n} page(s) not in Unicode: {pages}", n=len(bad), pages=join_reasons(
        [reason("{url} ({problem})", url=p.final_url, problem=_encoding_problem(p)) for p in bad[:3]]))
    return found


def _legacy_code_page(page: Page) -> bool:
    """Decoded correctly, but from a pre-Unicode code page (windows-1258...) while it has Vietnamese text."""
    return bool(page.detected_encoding) and page.detected_encoding not in ("utf-8", "utf-16", "ascii") \
        and not page.raw.isascii()


def _encoding_problem(page: Page) -> Reason:
    """The engine's words for the problem (a Reason, so the evidence snippet is translated, never quoted)."""
    if page.encoding_issue in LEGACY_ENCODINGS:
        return reason("{problem}", problem=LEGACY_ENCODINGS[page.encoding_issue or ""])
    return reason("legacy code page {encoding}", encoding=str(page.detected_encoding))


DETECTORS: dict[str, Callable[..., Found]] = {
    "nav_link": nav_link, "url_slug": url_slug, "heading": heading, "text": text,
    "documents_list": documents_list, "document_search": document_search, "consultation": consultation,
    "contact": contact, "leader_bios": leader_bios, "leaders": leaders, "search_form": search_form,
    "gazette": gazette, "unicode_text": unicode_text,
}
