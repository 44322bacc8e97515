"""Render-assisted discovery: pages a static crawler cannot see because the menu is built by JavaScript.

After the crawl, a site whose home page has an empty navigation container (a `<ul id="menu"></ul>` that a
script fills), or whose registry entry says `render: all`, has its home page rendered in Chromium; the
in-scope links of the rendered DOM that the crawl did not reach are then fetched in the browser and stored
like crawled pages (raw response bytes, status, headers), marked `via = 'render'`. `render: none` turns it
off. Without a browser the site is marked so, and the audit says that JavaScript navigation was not seen.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from protego import Protego

from portal_audit.crawl.encoding import decode_html
from portal_audit.crawl.pagefacts import parse_html, parse_page
from portal_audit.registry import SiteConfig
from portal_audit.render.browser import BrowserUnavailable, guard_context, launch
from portal_audit.store import Store, compress_html, decompress_html, headers_json, utcnow
from portal_audit.urls import Scope, TrapGuard, is_document, safe_canonical_url

log = logging.getLogger("portal_audit.render")
MAX_RENDERED_PAGES = 60  # per site: discovery of hidden menus, not a second crawl
NAV_CONTAINER = re.compile(r"(^|[-_\s])(menu|nav|navbar|navigation|mainmenu|topmenu|main-menu)([-_\s]|$)", re.I)


@dataclass
class DiscoveryResult:
    site_id: str
    status: str       # not_needed | done | unavailable | error
    pages: int = 0
    detail: str | None = None


def has_empty_navigation(html: bytes, content_type: str | None) -> bool:
    """A menu container with no links, on a page that runs scripts: the menu is built in the browser."""
    root = parse_html(decode_html(html, content_type).text)
    if root is None or root.find(".//script") is None:
        return False
    for el in root.iter("nav", "ul", "div", "ol"):
        marker = f"{el.get('id') or ''} {el.get('class') or ''}"
        is_nav = el.tag == "nav" or el.get("role") == "navigation" or NAV_CONTAINER.search(marker)
        if is_nav and el.find(".//a") is None:
            return True
    return False


def _header_items(headers: dict[str, str]) -> list[tuple[str, list[str]]]:
    """Playwright joins a repeated header (Set-Cookie) with newlines: split it back for the store's format."""
    return [(name, value.split("\n")) for name, value in headers.items()]


def _needs_render(store: Store, run_id: str, site: SiteConfig) -> bool:
    if site.render == "none":
        return False
    if site.render == "all":
        return True
    row = next(iter(store.query(
        "SELECT html_zlib, content_type FROM pages WHERE run_id = ? AND site_id = ? AND depth = 0 AND status = 200 "
        "AND html_zlib IS NOT NULL ORDER BY id LIMIT 1", [run_id, site.id])), None)
    return bool(row) and has_empty_navigation(decompress_html(row["html_zlib"]), row["content_type"])


def _home(store: Store, run_id: str, site_id: str) -> str | None:
    row = next(iter(store.query("SELECT final_url FROM pages WHERE run_id = ? AND site_id = ? AND depth = 0 AND "
                                "status = 200 AND html_zlib IS NOT NULL ORDER BY id LIMIT 1", [run_id, site_id])), None)
    return row["final_url"] if row else None


def _rendered_links(page: Any) -> list[tuple[str, str]]:
    return page.eval_on_selector_all(
        "a[href], area[href]", "els => els.map(e => [e.href, (e.innerText || e.getAttribute('aria-label') || '')])")


def _robots(store: Store, run_id: str, site_id: str) -> Protego | None:
    row = next(iter(store.query("SELECT body_zlib FROM site_files WHERE run_id = ? AND site_id = ? AND kind = 'robots' "
                                "AND status = 200", [run_id, site_id])), None)
    return Protego.parse(decompress_html(row["body_zlib"]).decode("utf-8", "replace")) if row else None


def discover_site(store: Store, run_id: str, site: SiteConfig, browser: Any, user_agent: str) -> DiscoveryResult:
    home = _home(store, run_id, site.id)
    if home is None:
        return DiscoveryResult(site.id, "not_needed", detail="no home page to render")
    scope = Scope.for_site(site.url, site.hosts, site.scope).with_host_of(home) if not site.scope else \
        Scope.for_site(site.url, site.hosts, site.scope)
    known = {r["url"] for r in store.query("SELECT url FROM pages WHERE run_id = ? AND site_id = ?", [run_id, site.id])}
    known |= {r["final_url"] for r in store.query("SELECT final_url FROM pages WHERE run_id = ? AND site_id = ?",
                                                  [run_id, site.id])}
    traps = TrapGuard()
    robots = _robots(store, run_id, site.id)

    def wanted(url: str | None) -> bool:
        return bool(url) and scope.contains(url) and url not in known and not is_document(url) \
            and not traps.check(url) and (robots is None or robots.can_fetch(url, user_agent))

    context = browser.new_context(user_agent=user_agent, java_script_enabled=True, accept_downloads=False,
                                  ignore_https_errors=True)
    guard_context(context, site.allow_private_networks)
    page = context.new_page()
    page.set_default_timeout(site.timeout * 1000)
    queue: list[tuple[str, str, int]] = []
    stored = 0
    try:
        page.goto(home, wait_until="load")
        for href, _text in _rendered_links(page):
            url = safe_canonical_url(href)
            if url and wanted(url):
                known.add(url)
                queue.append((url, home, 1))
        rows: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        while queue and stored < MAX_RENDERED_PAGES:
            url, referrer, depth = queue.pop(0)
            response = page.goto(url, wait_until="load")
            if response is None:
                continue
            body = response.body()
            ctype = response.headers.get("content-type")
            decoded = decode_html(body, ctype)
            facts = parse_page(decoded.text, response.url)
            rows.append({"run_id": run_id, "site_id": site.id, "url": url, "final_url": safe_canonical_url(response.url)
                         or response.url, "status": response.status, "content_type": ctype,
                         "declared_encoding": decoded.declared, "detected_encoding": decoded.detected,
                         "encoding_issue": decoded.issue, "bytes": len(body), "depth": depth, "referrer": referrer,
                         "fetched_at": utcnow(), "title": facts.title, "lang": facts.lang,
                         "template_fp": facts.template_fp, "headers": headers_json(_header_items(response.headers)),
                         "html_zlib": compress_html(body), "via": "render"})
            stored += 1
            for link in facts.links:
                target = safe_canonical_url(link.url)
                if target is None:
                    continue
                links.append({"run_id": run_id, "site_id": site.id, "from_url": url, "to_url": target,
                              "anchor": link.anchor, "kind": "internal" if scope.contains(target) else "external",
                              "rel": link.rel})
            # Rendered pages may carry more script-built links.
            for href, _text in _rendered_links(page):
                target = safe_canonical_url(href)
                if target and wanted(target) and depth < site.max_depth:
                    known.add(target)
                    queue.append((target, url, depth + 1))
        with store.db.atomic():
            if rows:
                store.db["pages"].insert_all(rows, ignore=True)
            if links:
                store.db["links"].insert_all(links)
    except Exception as exc:  # the browser is a second opinion: its failure must not lose the crawl
        log.warning("render discovery failed on %s: %s", site.id, exc)
        return DiscoveryResult(site.id, "error", stored, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    finally:
        context.close()
    return DiscoveryResult(site.id, "done", stored, f"{stored} page(s) found only by rendering")


def discover(store: Store, run_id: str, sites: list[SiteConfig], user_agent: str) -> list[DiscoveryResult]:
    """Render the sites that need it; record the outcome on each site's row (render_status)."""
    needed = [s for s in sites if _needs_render(store, run_id, s)]
    results = [DiscoveryResult(s.id, "not_needed") for s in sites if s not in needed]
    if needed:
        try:
            with launch() as browser:
                results += [discover_site(store, run_id, site, browser, user_agent) for site in needed]
        except BrowserUnavailable as exc:
            results += [DiscoveryResult(s.id, "unavailable", detail=str(exc)) for s in needed]
    for result in results:
        status = result.status if not result.detail else f"{result.status}: {result.detail}"
        store.update_site(run_id, result.site_id, render_status=status[:500])
    return results


def render_note(site: dict[str, Any]) -> str | None:
    """For audit reasons: say when JavaScript navigation could not be seen."""
    status = site.get("render_status") or ""
    if status.startswith(("unavailable", "error")):
        return "navigation built by JavaScript was not rendered (" + status + ")"
    return None


