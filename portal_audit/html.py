"""What every stage reads from a page's markup, defined once: the parse, link targets and link names, page
chrome (menu, header, footer, sidebar) and CSS selectors for evidence.

The crawl gathers links with these definitions, the render stage looks for script-filled menus with them, the
static accessibility rules and the audit judge with them; when two stages disagreed about what "the menu" or
"this element's selector" is, a finding could cite an element the other stage never saw. This module sits on
the bottom floor: it imports nothing from portal_audit, so any stage may use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

MAX_ANCHOR = 300
_SPACES = re.compile(r"\s+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "sms:", "data:", "#")


# --- parsing ------------------------------------------------------------------------------------------------------


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """lxml's HTML parser, tolerant of an XML declaration and of empty or hopeless input (None).

    Every stage parses stored bodies with this one call, so the crawl's links, the audit's elements and the
    accessibility rules' selectors all refer to the same tree."""
    try:
        return lxml.html.document_fromstring(_XML_DECL.sub("", text, count=1) or "<html></html>")
    except (etree.ParserError, ValueError):
        return None


def clean(text: str | None, limit: int) -> str:
    """Whitespace runs collapsed, trimmed, cut at ``limit`` characters (stored names and titles are capped)."""
    return _SPACES.sub(" ", text or "").strip()[:limit]


# --- links: where they go and what they are called ---------------------------------------------------------------

# Navigation written in an onclick handler: location.href = '...', location.assign('...'), window.open('...').
_ONCLICK_URL = re.compile(
    r"""(?:\blocation(?:\.href)?\s*=|\blocation\.(?:assign|replace)\s*\(|(?:\bwindow\.|(?<![\w.]))open\s*\()"""
    r"""\s*(['"])(.+?)\1""")


def onclick_target(el: lxml.html.HtmlElement) -> str | None:
    """The address an onclick handler navigates to, when it says so literally (as CMS menus do)."""
    match = _ONCLICK_URL.search(el.get("onclick") or "")
    return match.group(2).strip() if match else None


def skipped_scheme(href: str) -> bool:
    """A link the crawler never follows nor records (mailto:, tel:, javascript:, data:, an in-page #...)."""
    return href[:12].lower().startswith(_SKIP_SCHEMES)


def link_targets(root: lxml.html.HtmlElement) -> Iterator[tuple[lxml.html.HtmlElement, str]]:
    """Every element a visitor follows to another address, with that address as written: <a>/<area> href
    (or, for javascript:/# links, their onclick target), other elements' onclick targets, frames' src.

    The crawl stores these as the links table and the audit finds each stored row's element by walking the same
    list, so both must come from here."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("a", "area"):
            href = (el.get("href") or "").strip()
            if href and not href[:12].lower().startswith(("javascript:", "#")):
                yield el, href
                continue
            if target := onclick_target(el):
                yield el, target
        elif el.tag in ("iframe", "frame"):
            if src := (el.get("src") or "").strip():
                yield el, src
        elif el.get("onclick") and (target := onclick_target(el)):
            yield el, target


def _attr(el: lxml.html.HtmlElement, name: str) -> str:
    return clean(el.get(name), MAX_ANCHOR)


def _content_name(el: lxml.html.HtmlElement) -> str:
    """The name a link's content gives it (accname "name from content"): its text, with each image's alt and
    each nested aria-label in place, leaving out what is hidden from assistive technology."""
    parts: list[str] = []

    def walk(node: lxml.html.HtmlElement) -> None:
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "template"):
            parts.append(node.tail or "")
            return
        if node.get("aria-hidden") == "true" or node.get("hidden") is not None:
            parts.append(node.tail or "")
            return
        if node is not el and node.get("aria-label", "").strip():
            parts.append(f" {node.get('aria-label')} ")
        elif node.tag in ("img", "input") and node.get("alt", "").strip():
            parts.append(f" {node.get('alt')} ")
        elif node.tag == "svg":
            title = node.find(".//{*}title")
            parts.append(f" {title.text_content()} " if title is not None else "")
        else:
            parts.append(node.text or "")
            for child in node:
                walk(child)
        if node is not el:
            parts.append(node.tail or "")

    walk(el)
    return clean("".join(parts), MAX_ANCHOR)


def _image_hint(el: lxml.html.HtmlElement) -> str:
    """What an unnamed image link still says to a sighted reader: its image's title, or the words of the
    image's file name ("/images/menu/van-ban-phap-luat.png"), as image-only menus are built."""
    for img in el.iter("img"):
        if img.get("title", "").strip():
            return _attr(img, "title")
        stem = PurePosixPath(unquote(urlsplit(img.get("src") or "").path)).stem
        words = _SPACES.sub(" ", re.sub(r"[-_.+]+", " ", stem)).strip()
        if re.search(r"[^\W\d_]{3,}", words):
            return words[:MAX_ANCHOR]
    return ""


_last_ids: list[Any] = [None, {}]


def _ids_of(root: lxml.html.HtmlElement) -> dict[str, lxml.html.HtmlElement]:
    """The document's elements by id, built once per document (a page's links are named one after another):
    one pass instead of a search of the whole page per aria-labelledby."""
    if _last_ids[0] is not root:
        by_id: dict[str, lxml.html.HtmlElement] = {}
        for node in root.iter():
            if isinstance(node.tag, str) and (ident := node.get("id")):
                by_id.setdefault(ident, node)
        _last_ids[:] = [root, by_id]
    return _last_ids[1]


def anchor_text(el: lxml.html.HtmlElement) -> str:
    """A link's name as a browser computes it (aria-labelledby, aria-label, content with image alts, then
    title; an image map's <area> by its alt), so an image-only or title-only menu link is matched like a text
    one. A link a browser leaves unnamed falls back to its image's title or file name: the words a sighted
    reader sees in the picture are often only there."""
    ids = (el.get("aria-labelledby") or "").split()
    if ids:
        by_id = _ids_of(el.getroottree().getroot())
        labels = [clean(by_id[i].text_content(), MAX_ANCHOR) for i in ids[:10] if i in by_id]
        if name := clean(" ".join(labels), MAX_ANCHOR):
            return name
    if name := _attr(el, "aria-label"):
        return name
    if el.tag == "area":
        return _attr(el, "alt") or _attr(el, "title")
    return _content_name(el) or _attr(el, "title") or _image_hint(el)


# --- page chrome ----------------------------------------------------------------------------------------------------

# Words a template's id or class uses for its furniture, as whole tokens between "-", "_" or spaces: "menu",
# "top-nav", "mainmenu", "leftmenu", "sidebar-first", "breadcrumb". The navigation words alone name a menu.
_NAV_WORD = r"(?:top|main|left|right|mega)?(?:menus?|nav|navbar|navigation)"
_CHROME_WORD = (rf"(?:{_NAV_WORD}|(?:top|main|left|right|mega)?(?:header|footer|sidebar)|breadcrumbs?|banner|topbar"
                r"|skip|search)")
_NAV_TOKEN = re.compile(rf"(?:^|[-_\s]){_NAV_WORD}(?:[-_\s]|$)", re.I)
_CHROME_TOKEN = re.compile(rf"(?:^|[-_\s]){_CHROME_WORD}(?:[-_\s]|$)", re.I)
_CHROME_TAGS = frozenset({"nav", "header", "footer", "aside"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo"})
# The document's own containers are never furniture, whatever their classes say: Drupal and WordPress put
# layout words such as "sidebar-first" on <body>.
_NEVER_CHROME = frozenset({"html", "body", "main", "article"})


def _marker(el: lxml.html.HtmlElement) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''}"


def is_chrome(el: lxml.html.HtmlElement) -> bool:
    """Navigation, header, footer, sidebar: page furniture repeated on every page of a template.

    By tag (nav, header, footer, aside), by landmark role (navigation, banner, contentinfo) or by an id/class
    token such as 'menu', 'top-nav', 'footer', 'sidebar-first'. Text outside it is the page's own (main text,
    a page's own text beside a document link); a link inside it is a menu link."""
    tag = el.tag
    if tag in _NEVER_CHROME or el.get("role") == "main":
        return False
    if tag in _CHROME_TAGS or el.get("role") in _CHROME_ROLES:
        return True
    return bool(_CHROME_TOKEN.search(_marker(el)))


def in_chrome(el: lxml.html.HtmlElement) -> bool:
    """Whether an element sits inside page chrome (an ancestor is_chrome): a menu, header or footer link."""
    node = el.getparent()
    while node is not None and isinstance(node.tag, str):
        if is_chrome(node):
            return True
        node = node.getparent()
    return False


def is_navigation(el: lxml.html.HtmlElement) -> bool:
    """A menu container: <nav>, role="navigation", or an id/class token such as 'menu', 'mainmenu', 'topnav'
    (navigation only; a header or footer is chrome but not a menu)."""
    return el.tag == "nav" or el.get("role") == "navigation" or bool(_NAV_TOKEN.search(_marker(el)))


# --- CSS selectors ----------------------------------------------------------------------------------------------

_CSS_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_CSS_TAG = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


class Selectors:
    """CSS selectors for the elements of one parsed document, each matching exactly its element in a browser.

    '#id' when that id is unique in the document, else a path of :nth-of-type steps from the nearest ancestor
    with a unique id, or from html/head/body. A <tr> lxml keeps directly under <table> gets the <tbody> a
    browser implies, so the selector also works in the webmaster's browser tools. Paths of ancestors are kept
    and reused (a page's hits share their ancestors).
    """

    def __init__(self, ids: dict[str, list[etree._Element]] | None = None, root: etree._Element | None = None):
        """``ids``: the document's elements by id, when the caller has indexed them already; else they are
        indexed from ``root`` on the first selector asked for."""
        self._ids = ids
        self._root = root
        self._paths: dict[etree._Element, str] = {}

    def _unique_id(self, ident: str, el: etree._Element) -> bool:
        if self._ids is None:
            self._ids = {}
            root = self._root if self._root is not None else el.getroottree().getroot()
            for node in root.iter(etree.Element):
                if (value := node.get("id")) is not None:
                    self._ids.setdefault(value, []).append(node)
        return len(self._ids.get(ident, ())) == 1

    def __call__(self, el: etree._Element) -> str:
        path = self._paths.get(el)
        if path is not None:
            return path
        tag = el.tag
        ident = el.get("id")
        parent = el.getparent()
        if ident and _CSS_IDENT.match(ident) and self._unique_id(ident, el):
            path = f"#{ident}"
        elif parent is None or tag in ("html", "head", "body"):
            path = tag if _CSS_TAG.match(tag) else "*"
        elif tag == "tr" and parent.tag == "table":
            path = f"{self(parent)} > tbody > {_step(el, tag)}"
        else:
            path = f"{self(parent)} > {_step(el, tag)}"
        self._paths[el] = path
        return path


def _step(el: etree._Element, tag: str) -> str:
    """One step of a selector path: 'a', 'div:nth-of-type(3)', or '*:nth-child(2)' for tags CSS cannot name."""
    if not _CSS_TAG.match(tag):
        before = sum(1 for sib in el.itersiblings(preceding=True) if isinstance(sib.tag, str))
        return f"*:nth-child({before + 1})"
    before = sum(1 for _ in el.itersiblings(tag, preceding=True))
    if before == 0 and next(el.itersiblings(tag), None) is None:
        return tag
    return f"{tag}:nth-of-type({before + 1})"


# --- header and footer regions ------------------------------------------------------------------------------------

# The layout checks (Circular 32/2017 Art. 16-17) ask what the page's header and footer say, so they look for the
# regions generously: any part of an id or class ("site-header", "footer-wrap", "chan-trang", "bottom-info").
_HEADER_MARK = re.compile(r"header|banner|top|logo", re.I)
_FOOTER_MARK = re.compile(r"footer|chan-?trang|bottom", re.I)
_REGION_BLOCKS = frozenset({"div", "section", "table", "td"})


def _regions(root: lxml.html.HtmlElement, tag: str, role: str, mark: re.Pattern[str]) -> list[lxml.html.HtmlElement]:
    """Landmarks (the tag, the role) first, then blocks whose id or class matches ``mark``, each group in document
    order; an element inside a region already found is that region's, not one of its own. The landmark comes
    first because it is what the page itself calls its header or footer, and what evidence should cite."""
    landmarks = [el for el in root.iter(etree.Element) if el.tag == tag or el.get("role") == role]
    blocks = [el for el in root.iter(*_REGION_BLOCKS) if mark.search(_marker(el))]
    found: list[lxml.html.HtmlElement] = []
    chosen: set[lxml.html.HtmlElement] = set()
    for el in landmarks + blocks:
        if el not in chosen and not any(anc in chosen for anc in el.iterancestors()):
            found.append(el)
            chosen.add(el)
    return found


def header_regions(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The page's header(s): <header> and role="banner", then blocks whose id or class says header, banner, top
    or logo."""
    return _regions(root, "header", "banner", _HEADER_MARK)


def footer_regions(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The page's footer(s): <footer> and role="contentinfo", then blocks whose id or class says footer,
    chan-trang or bottom."""
    return _regions(root, "footer", "contentinfo", _FOOTER_MARK)
