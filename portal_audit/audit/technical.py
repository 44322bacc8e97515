"""Technical checklist items (checklists/technical.yaml): passed or failed, with the problem as evidence.

Content items look for something the law requires and cite where it is; technical items mostly look for
something wrong (a missing header, an http:// script on an https page, a broken link) and cite that. Each
check reads the stored crawl (pages with their headers and redirect hops, fetch errors, documents, link
checks, robots/sitemap files) and, where it needs facts only the network gives (certificate, DNS, a live
page load), the `host_facts` the crawl and render stages record. A fact that was never gathered makes the
item ``not_checked`` with the reason, never passed.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from portal_audit.audit.contacts import find_address, find_email, find_unlabelled_phone
from portal_audit.audit.corpus import Page, SiteCorpus
from portal_audit.audit.detectors import MAX_EVIDENCE, Evidence, search_form
from portal_audit.audit.services import Service
from portal_audit.errorkind import BROKEN_KINDS, REFUSED_KINDS, ErrorKind
from portal_audit.html import footer_regions, header_regions
from portal_audit.reasons import (
    code,
    crawl_line,
    english,
    error_kind,
    from_stored,
    join_reasons,
    reason,
    reason_label,
)
from portal_audit.text import fold

Verdict = tuple[str, str | None, list[Evidence]]


def _home(corpus: SiteCorpus) -> Page | None:
    return corpus.home or (corpus.pages[0] if corpus.pages else None)


def _ev(page: Page | str, selector: str | None = None, snippet: str | None = None) -> Evidence:
    """Evidence; a snippet the engine wrote is a Reason (translated in the report) and is kept whole unless
    it is over 200 characters, a quote of the page is cut there."""
    url = page if isinstance(page, str) else page.final_url
    if snippet and len(snippet) > 200:
        snippet = snippet[:200]
    return Evidence(url=url, selector=selector, snippet=snippet or None)


def _is_https(url: str) -> bool:
    return url.lower().startswith("https://")


# --- transport -----------------------------------------------------------------------------------------------

def check_https(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    home = _home(corpus)
    if home is None:
        return "not_checked", reason("no page was crawled"), []
    if _is_https(home.final_url):
        return "passed", None, [_ev(home, None, reason("served over HTTPS"))]
    return "failed", reason("the home page is served over plain http://"), [_ev(home, None, home.final_url)]


def check_service_https(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    high = [s for s in services if max(s.evidenced_level or 0, s.declared_level or 0) >= 3]
    if not high:
        return "not_applicable", reason("no level 3 or 4 online service found on this site"), []
    plain = [s for s in high if not _is_https(s.url)]
    if not plain:
        return "passed", None, [_ev(s.url, None, s.name) for s in high[:MAX_EVIDENCE]]
    return ("failed", reason("{n} of {total} level 3–4 service page(s) served over http://", n=len(plain),
                             total=len(high)),
            [_ev(s.url, None, reason("{name} (level {level})", name=s.name,
                                     level=s.evidenced_level or s.declared_level))
             for s in plain[:MAX_EVIDENCE]])


def check_mixed_content(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    from portal_audit.technical.headers import mixed_content

    secure = [p for p in corpus.pages if _is_https(p.final_url)]
    if not secure:
        return "not_applicable", reason("no page is served over HTTPS"), []
    evidence: list[Evidence] = []
    pages_with = 0
    for page in secure:
        found = mixed_content(page.root if page.root is not None else page.decoded, page.final_url)
        if found:
            pages_with += 1
            kind, url = found[0]
            if len(evidence) < MAX_EVIDENCE:
                evidence.append(_ev(page, None, f"{kind}: {url}"))
    if not pages_with:
        return "passed", None, []
    return "failed", reason("{n} of {total} HTTPS page(s) load http:// resources", n=pages_with, total=len(secure)), \
        evidence


# --- headers -------------------------------------------------------------------------------------------------

def _header_check(name: str) -> Callable[[SiteCorpus, dict[str, Any], list[Service]], Verdict]:
    def check(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
        from portal_audit.technical.headers import analyse_headers

        home = _home(corpus)
        if home is None or home.headers is None:
            return "not_checked", reason("no response headers stored for the home page"), []
        pages = [home, *[p for p in corpus.pages if p is not home and p.headers is not None][:20]]
        outcomes: list[tuple[Page, Any]] = []
        for page in pages if name == "cookie_flags" else [home]:
            head = page.decoded[:20000] if name == "version_disclosure" else None
            for finding in analyse_headers(page.headers or {}, https=_is_https(page.final_url), html_head=head):
                if finding.check == name:
                    outcomes.append((page, finding))
        failed = [(p, f) for p, f in outcomes if f.outcome == "failed"]
        if failed:
            return ("failed", failed[0][1].reason,
                    [_ev(p, None, f.evidence or f.reason) for p, f in failed[:MAX_EVIDENCE]])
        if outcomes and all(f.outcome == "not_applicable" for _, f in outcomes):
            return "not_applicable", outcomes[0][1].reason, []
        if not outcomes:
            return "not_applicable", reason("nothing to check (no cookies set)") if name == "cookie_flags" else None, []
        passed = [(p, f) for p, f in outcomes if f.outcome == "passed"]
        return "passed", None, [_ev(p, None, f.evidence) for p, f in passed[:1] if f.evidence]

    return check


# --- links ---------------------------------------------------------------------------------------------------

def _template_of(corpus: SiteCorpus) -> dict[str, str | None]:
    return {p.final_url: p.template for p in corpus.pages} | {p.url: p.template for p in corpus.pages}


def check_broken_internal_links(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    """Broken internal targets grouped by the template of the pages linking to them (fix the template once)."""
    marks = ",".join("?" * len(BROKEN_KINDS))
    broken = {r["url"]: r for r in corpus.store.query(
        f"SELECT url, kind, status FROM fetch_errors WHERE run_id = ? AND site_id = ? AND kind IN ({marks})",
        [corpus.run_id, corpus.site["id"], *BROKEN_KINDS])}
    if not broken:
        return "passed", None, []
    templates = _template_of(corpus)
    groups: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    for row in corpus.store.query(
            f"SELECT l.from_url, l.to_url FROM links l WHERE l.run_id = ? AND l.site_id = ? AND l.kind = 'internal' "
            f"AND l.to_url IN (SELECT url FROM fetch_errors WHERE run_id = ? AND site_id = ? AND kind IN ({marks}))",
            [corpus.run_id, corpus.site["id"], corpus.run_id, corpus.site["id"], *BROKEN_KINDS]):
        groups[(row["to_url"], templates.get(row["from_url"]))].add(row["from_url"])
    evidence = []
    for (target, template), pages in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:MAX_EVIDENCE]:
        row = broken[target]
        what = (reason("HTTP {status}", status=row["status"]) if row["kind"] == ErrorKind.HTTP
                else error_kind(row["kind"]))
        snippet = (reason("{target} → {what} (linked from {n} page(s) of one template)", target=target, what=what,
                          n=len(pages)) if template else
                   reason("{target} → {what} (linked from {n} page(s))", target=target, what=what, n=len(pages)))
        evidence.append(_ev(sorted(pages)[0], None, snippet))
    return "failed", reason("{n} internal URL(s) broken", n=len(broken)), evidence


def check_broken_external_links(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    checked = list(corpus.store.query(
        "SELECT c.url, c.status, c.error FROM link_checks c WHERE c.run_id = ? AND c.url IN "
        "(SELECT to_url FROM links WHERE run_id = ? AND site_id = ? AND kind IN ('external', 'out_of_scope'))",
        [corpus.run_id, corpus.run_id, corpus.site["id"]]))
    if not checked:
        return ("not_checked", reason("external links were not checked (check_external_links: false, or none found)"),
                [])
    bad = [r for r in checked if (r["status"] or 0) >= 400 or (r["error"] and r["error"] not in REFUSED_KINDS)]
    if not bad:
        return "passed", None, []
    return ("failed", reason("{n} of {total} external link(s) broken", n=len(bad), total=len(checked)),
            [_ev(r["url"], None, reason("HTTP {status}", status=r["status"]) if r["status"] else
                 reason("{what}", what=error_kind(r["error"]))) for r in bad[:MAX_EVIDENCE]])


def check_broken_documents(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    docs = list(corpus.store.query("SELECT url, status, error, found_on FROM documents WHERE run_id = ? AND "
                                   "site_id = ?", [corpus.run_id, corpus.site["id"]]))
    if not docs:
        return "not_applicable", reason("no linked documents"), []
    bad = [d for d in docs if (d["status"] or 0) >= 400 or d["error"]]
    if not bad:
        return "passed", None, []
    return ("failed", reason("{n} of {total} document(s) cannot be downloaded", n=len(bad), total=len(docs)),
            [_ev(d["found_on"] or d["url"], None, reason("{target} → {what}", target=d["url"], what=(
                reason("HTTP {status}", status=d["status"]) if d["status"] else error_kind(d["error"]))))
             for d in bad[:MAX_EVIDENCE]])


def check_redirect_chains(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    """Every stored request with its hops, not only the pages: a chain ending on a page crawled directly
    too is stored on the redirecting URL's row."""
    limit = int(item["check"].get("max_hops", 3))
    long_chains = []
    for row in corpus.store.query("SELECT final_url, redirects FROM pages WHERE run_id = ? AND site_id = ? AND "
                                  "redirects IS NOT NULL ORDER BY id", [corpus.run_id, corpus.site["id"]]):
        try:
            hops = json.loads(row["redirects"])
        except ValueError:
            continue
        if isinstance(hops, list) and len(hops) > limit:
            urls = [h.get("url", "") if isinstance(h, dict) else str(h) for h in hops]
            long_chains.append((row["final_url"], [*urls, row["final_url"]]))
    if not long_chains:
        return "passed", None, []
    return ("failed", reason("{n} link(s) reach their page through more than {limit} redirects", n=len(long_chains),
                              limit=limit),
            [_ev(final, None, " → ".join(_short_url(u) for u in chain)) for final, chain in long_chains[:MAX_EVIDENCE]])


def _short_url(url: str) -> str:
    """path?query of a URL: a chain of five absolute URLs would not fit in a snippet."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "") if parts.netloc else url


# --- layout (Circular 32/2017 Art. 16-17) --------------------------------------------------------------------

def check_mobile_viewport(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    home = _home(corpus)
    if home is None or home.root is None:
        return "not_checked", reason("home page not readable"), []
    for meta in home.root.iter("meta"):
        if (meta.get("name") or "").lower() == "viewport":
            content = meta.get("content") or ""
            if "device-width" in content.replace(" ", "").lower():
                return "passed", None, [_ev(home, "meta[name=viewport]", content)]
            return "failed", reason("the viewport does not follow the device width"), [_ev(home, "meta[name=viewport]",
                                                                                   content)]
    return "failed", reason("no <meta name=\"viewport\">: phones show the desktop page shrunk"), [_ev(home)]


_SITE_PREFIX = re.compile(r"^(cong|trang) (thong tin )?(dien tu|dich vu cong)( cua)? |\(cu\)|\bcu\s*$")


_LOCALITY = re.compile(r"^(tinh|thanh pho|huyen|quan|thi xa|xa|phuong|thi tran|dac khu) ")


def _agency_words(text: str) -> str:
    """Folded, with the long and short forms of a committee's name made one ("Ủy ban nhân dân" = "UBND")."""
    return " ".join(fold(text).replace("uy ban nhan dan", "ubnd").split())


def agency_name(site_name: str) -> str:
    """The agency behind a site, from the site's registered name: "Trang thông tin điện tử Sở Y tế tỉnh X"
    → "so y te tinh x" (folded). The law asks the header for the agency's full name, not the site's."""
    name = " ".join(_SITE_PREFIX.sub(" ", _agency_words(site_name)).split())
    # A province's or commune's portal ("Cổng thông tin điện tử tỉnh X") belongs to its People's Committee.
    return f"ubnd {name}" if _LOCALITY.match(name) else name


# What the header and footer checks list as missing (labels the report translates; registered on import).
EMBLEM, AGENCY_NAME = reason_label("national emblem or logo"), reason_label("the agency's full name")
UNIT_NAME, PERSON_RESPONSIBLE = reason_label("unit name"), reason_label("person responsible")
ADDRESS, PHONE, EMAIL = reason_label("address"), reason_label("phone"), reason_label("e-mail")


def check_layout_header(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    home = _home(corpus)
    if home is None or home.root is None:
        return "not_checked", reason("home page not readable"), []
    regions = header_regions(home.root) or [home.root]
    name = agency_name(str(corpus.site["name"]))
    emblem = None
    named = None
    for region in regions:
        for img in region.iter("img", "svg"):
            marker = fold(" ".join(filter(None, [img.get("src"), img.get("alt"), img.get("class"), img.get("id")])))
            if re.search(r"quoc ?huy|quochuy|logo|emblem|bieu ?trung|bieutrung", marker.replace("-", " ")):
                emblem = img if emblem is None else emblem
        text = _agency_words(" ".join(region.itertext()))
        alts = _agency_words(" ".join(img.get("alt") or "" for img in region.iter("img")))
        # Headers often print the parent body on one line and the agency on the next ("ỦY BAN NHÂN DÂN TỈNH
        # X" / "SỞ Y TẾ"): every word of the name present in the header counts, in any order.
        words = set(f"{text} {alts}".split())
        if name and (name in text or name in alts or set(name.split()) <= words):
            named = region if named is None else named
    missing = [label for label, ok in ((EMBLEM, emblem is not None), (AGENCY_NAME, named is not None)) if not ok]
    evidence = [_ev(home, home.selector(el), None) for el in (emblem, named) if el is not None]
    if not missing:
        return "passed", None, evidence
    return ("partial" if evidence else "failed"), reason("header lacks: {items}", items=missing), evidence


def check_layout_footer(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    home = _home(corpus)
    if home is None or home.root is None:
        return "not_checked", reason("home page not readable"), []
    regions = footer_regions(home.root)
    if not regions:
        return "failed", reason("no footer found on the home page"), [_ev(home)]
    raw = " ".join(" ".join(r.itertext()) for r in regions)
    text = fold(raw)
    checks = {
        UNIT_NAME: bool(re.search(
            r"\b(co quan chu quan|don vi chu quan|ban quyen|ubnd|uy ban|so |ban quan ly)", text)),
        PERSON_RESPONSIBLE: "chiu trach nhiem" in text,
        # labelled as contacts.py reads addresses ("Địa chỉ:", "Trụ sở:"), or a house number
        ADDRESS: find_address(text) is not None or "so nha" in text,
        # a number of the numbering plan, labelled or not (contacts.py); an address, or a mailto: link
        PHONE: find_unlabelled_phone(text) is not None,
        EMAIL: find_email(text) is not None or any(
            (a.get("href") or "").strip().lower().startswith("mailto:") for r in regions for a in r.iter("a")),
    }
    missing = [k for k, ok in checks.items() if not ok]
    evidence = [_ev(home, home.selector(regions[0]), re.sub(r"\s+", " ", raw).strip()[:200])]
    if not missing:
        return "passed", None, evidence
    return ("partial" if len(missing) < len(checks) else "failed"), reason("footer lacks: {items}", items=missing), \
        evidence


def check_sitemap_page(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    for link in corpus.stored_links:
        folded = fold(link.text or "")
        if re.search(r"\bso do (cong|trang|website|site)\b|\bsitemap\b|\bsite map\b", folded):
            target = corpus.page(link.url)
            if target is not None:
                return "passed", None, [_ev(link.page, link.selector, f"{link.text} → {link.url}")]
            return ("failed", reason("a site map link exists but its page was not crawled or is broken"),
                    [_ev(link.page, link.selector, f"{link.text} → {link.url}")])
    return "failed", reason("no link to a text site map (\"Sơ đồ cổng\") found"), []


def check_sitemap_xml(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    rows = list(corpus.store.query("SELECT url, status, error FROM site_files WHERE run_id = ? AND site_id = ? "
                                   "AND kind = 'sitemap'", [corpus.run_id, corpus.site["id"]]))
    ok = [r for r in rows if r["status"] == 200]
    if ok:
        return "passed", None, [_ev(ok[0]["url"])]
    if rows:
        return "failed", reason("sitemap not readable"), [_ev(r["url"], None, str(r["status"] or r["error"]))
                                                  for r in rows[:MAX_EVIDENCE]]
    return "failed", reason("no sitemap.xml (nor a Sitemap: line in robots.txt)"), []


def check_search_function(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    found = search_form(corpus, {})
    if found.present:
        return "passed", None, found.evidence[:1]
    return "failed", reason("no search form found"), []


# --- facts gathered from the network at crawl time (technical/gather.py, table host_facts) ---------------------

def _fact(corpus: SiteCorpus, kind: str) -> dict[str, Any] | None:
    row = next(iter(corpus.store.query("SELECT data FROM host_facts WHERE run_id = ? AND site_id = ? AND kind = ?",
                                       [corpus.run_id, corpus.site["id"], kind])), None)
    return json.loads(row["data"]) if row else None


def _no_fact(kind: str) -> Verdict:
    return "not_checked", reason("no {kind} facts were gathered for this run (crawled by an older portal-audit?)",
                                 kind=kind), []


def _where(fact: dict[str, Any]) -> str:
    return f"https://{fact.get('host')}:{fact.get('port')}/"


def check_tls_certificate(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    from portal_audit.technical.tls import TlsReport, expiry_outcome

    fact = _fact(corpus, "tls")
    if fact is None:
        return _no_fact("TLS")
    if not fact.get("ok"):
        error = fact.get("error") or "handshake failed"
        if error.startswith("blocked_private"):
            return "not_checked", reason("TLS not checked: {error}", error=crawl_line(error)), []
        home = _home(corpus)
        if home is not None and not _is_https(home.final_url) and error.startswith(("connection", "timeout")):
            # Nothing listens for HTTPS: that is the HTTPS item's failure, not a certificate to judge.
            return ("not_applicable",
                    reason("no HTTPS on this host ({error}): see the HTTPS item", error=crawl_line(error)), [])
        return "failed", reason("no working HTTPS: {error}", error=crawl_line(error)), [_ev(_where(fact))]
    # A fact stored by a portal-audit older than stored reasons has only the English text: shown as is.
    problems = [p for p in (from_stored(p) for p in fact.get("problems") or ()) if p] if "problems" in fact \
        else [p for p in (from_stored(fact.get("verify_error")),) if p]
    dates = {k: datetime.fromisoformat(fact[k]) if fact.get(k) else None
             for k in ("not_before", "not_after", "checked_at")}
    report = TlsReport(**{**fact, **dates, "san": tuple(fact.get("san") or ()), "problems": tuple(problems)})
    expiry, why = expiry_outcome(report, int(item["check"].get("warn_days", 30)))
    if expiry == "failed" and why not in " ".join(problems):
        problems.append(why)
    evidence = [_ev(_where(fact), None, reason("{subject} issued by {issuer}; {why}", subject=code(fact.get("subject")),
                                               issuer=code(fact.get("issuer")), why=why))]
    if problems:
        return "failed", join_reasons(problems), evidence
    return "passed", why, evidence


def check_tls_version(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    fact = _fact(corpus, "tls")
    if fact is None:
        return _no_fact("TLS")
    protocol = fact.get("protocol")
    if not protocol:
        return "not_applicable", reason("no TLS connection ({error}): see the certificate item",
                                           error=crawl_line(fact.get("error"))), []
    order = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
    wanted = item["check"].get("min_protocol", "TLSv1.2")
    rank = order.index(protocol) if protocol in order else len(order)
    outcome = "passed" if rank >= order.index(wanted) else "failed"
    return outcome, None if outcome == "passed" else reason("negotiated {protocol}, below {wanted}", protocol=protocol,
                                                              wanted=wanted), \
        [_ev(_where(fact), None, reason("negotiated {protocol}", protocol=protocol))]


def check_http_to_https(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    fact = _fact(corpus, "http_redirect")
    if fact is None:
        return _no_fact("HTTP")
    url = fact.get("url") or ""
    if fact.get("error"):
        if str(fact["error"]).startswith("blocked_private"):
            return "not_checked", reason("not checked: {error}", error=crawl_line(fact["error"])), []
        return ("not_applicable", reason("plain http:// does not answer ({error})", error=crawl_line(fact["error"])),
                [_ev(url)])
    if fact.get("to_https"):
        return "passed", None, [_ev(url, None, reason("HTTP {status} → {target}", status=fact.get("status"),
                                                      target=fact.get("location")))]
    target = f" → {fact.get('location')}" if fact.get("location") else ""
    return "failed", reason("http:// is served without sending visitors to https://"), \
        [_ev(url, None, f"HTTP {fact.get('status')}{target}")]


def _dns_check(field: str) -> Callable[[SiteCorpus, dict[str, Any], list[Service]], Verdict]:
    def check(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
        fact = _fact(corpus, "dns")
        if fact is None:
            return _no_fact("DNS")
        outcome = fact.get(field) or "not_checked"
        why = from_stored(fact.get(f"{field}_reason") or (fact.get("reason") if outcome != "passed" else None))
        evidence = [_ev(f"dns:{fact.get('host')}", None, ", ".join(fact.get("aaaa") or []) or None)] \
            if field == "ipv6" and fact.get("aaaa") else []
        return outcome, why, evidence

    return check


# --- live page loads of the render stage (technical/speed.py, table page_speed) -----------------------------

def _speed_rows(corpus: SiteCorpus, viewport: str) -> list[dict[str, Any]] | None:
    if "page_speed" not in corpus.store.db.table_names():
        return None
    rows = list(corpus.store.query("SELECT * FROM page_speed WHERE run_id = ? AND site_id = ? AND viewport = ?",
                                   [corpus.run_id, corpus.site["id"], viewport]))
    return rows or None


_NOT_LOADED = reason("no live page load was measured (run `portal-audit render` with a browser; `render: none` "
                     "skips it)")


def check_speed(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    rows = _speed_rows(corpus, "desktop")
    if rows is None:
        return "not_checked", _NOT_LOADED, []
    limits = {"fcp_ms": item["check"].get("fcp_ms", 3000), "lcp_ms": item["check"].get("lcp_ms", 4000),
              "load_ms": item["check"].get("load_ms", 5800)}
    slow, evidence = [], []
    for row in sorted(rows, key=lambda r: -(r["load_ms"] or 0)):
        if row["error"]:
            slow.append(row)
            evidence.append(_ev(row["url"], None, reason("did not finish loading: {error}",
                                                         error=english(row["error"]))))
            continue
        over = [f"{k[:-3].upper()} {row[k] / 1000:.1f} s > {v / 1000:.1f} s" for k, v in limits.items()
                if row[k] is not None and row[k] > v]
        summary = reason("FCP {fcp}, LCP {lcp}, load {load}, {kb} KB in {requests} requests", fcp=_s(row["fcp_ms"]),
                         lcp=_s(row["lcp_ms"]), load=_s(row["load_ms"]), kb=(row["bytes"] or 0) // 1024,
                         requests=row["requests"])
        if over:
            slow.append(row)
            summary = reason("{over} — {summary}", over="; ".join(over), summary=summary)
        evidence.append(_ev(row["url"], None, summary))
    if slow:
        return "failed", reason("{n} of {total} measured page(s) slower than the 2025 limits", n=len(slow),
                                 total=len(rows)), evidence
    return "passed", None, evidence


def _s(ms: int | None) -> str:
    return "?" if ms is None else f"{ms / 1000:.1f} s"


def check_mobile_layout(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    rows = _speed_rows(corpus, "phone")
    if rows is None:
        return "not_checked", _NOT_LOADED, []
    row = rows[0]
    if row["error"]:
        return ("not_checked",
                reason("the home page did not load at phone width: {error}", error=english(row["error"])), [])
    if (row["overflow_px"] or 0) > 2:
        return ("failed", reason("at 375 px the page is {px} px wider than the screen: visitors must scroll sideways",
                                 px=row["overflow_px"]),
                [_ev(row["url"], None, reason("overflow {px} px at 375 px width", px=row["overflow_px"]))])
    return "passed", None, [_ev(row["url"], None, reason("fits a 375 px wide screen"))]


CHECKS: dict[str, Callable[[SiteCorpus, dict[str, Any], list[Service]], Verdict]] = {
    "https": check_https,
    "service_https": check_service_https,
    "mixed_content": check_mixed_content,
    "hsts": _header_check("hsts"),
    "csp": _header_check("csp"),
    "x_content_type_options": _header_check("x_content_type_options"),
    "frame_protection": _header_check("frame_protection"),
    "referrer_policy": _header_check("referrer_policy"),
    "cookie_flags": _header_check("cookie_flags"),
    "version_disclosure": _header_check("version_disclosure"),
    "broken_internal_links": check_broken_internal_links,
    "broken_external_links": check_broken_external_links,
    "broken_documents": check_broken_documents,
    "redirect_chains": check_redirect_chains,
    "mobile_viewport": check_mobile_viewport,
    "layout_header": check_layout_header,
    "layout_footer": check_layout_footer,
    "sitemap_page": check_sitemap_page,
    "sitemap_xml": check_sitemap_xml,
    "search_function": check_search_function,
    "http_to_https": check_http_to_https,
    "tls_certificate": check_tls_certificate,
    "tls_version": check_tls_version,
    "ipv6": _dns_check("ipv6"),
    "dnssec": _dns_check("dnssec"),
    "speed": check_speed,
    "mobile_layout": check_mobile_layout,
}
def judge_check(corpus: SiteCorpus, item: dict[str, Any], services: list[Service]) -> Verdict:
    check = CHECKS[item["check"]["type"]]
    return check(corpus, item, services)
