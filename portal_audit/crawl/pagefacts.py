"""Facts read from one HTML page at crawl time: title, lang, links and a template fingerprint.

One lxml parse per page (about 0.35 ms for 30 KB here) serves all of them; judging happens later,
from the stored HTML, so this module only gathers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
from lxml import etree

MAX_ANCHOR = 300
MAX_LINKS_PER_PAGE = 3_000  # a hostile page with a million links must not flood the store (nor the parse)
MAX_TITLE = 500
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Elements that make up a page template (layout), as opposed to editorial content.
_STRUCTURAL = {"div", "section", "header", "footer", "nav", "main", "aside", "article", "form", "table",
               "ul", "ol", "iframe", "frame", "frameset", "body"}
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "sms:", "data:", "#")


@dataclass(frozen=True)
class Link:
    url: str
    anchor: str
    rel: str | None
    tag: str


@dataclass(frozen=True)
class PageFacts:
    title: str | None
    lang: str | None
    links: list[Link]
    template_fp: str | None
    refused: list[Link]  # links with a scheme the crawler never follows (file:, ftp:, ...)


def _clean(text: str | None, limit: int) -> str:
    return _SPACES.sub(" ", text or "").strip()[:limit]


def _attr(el: lxml.html.HtmlElement, name: str) -> str:
    return _clean(el.get(name), MAX_ANCHOR)


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
    return _clean("".join(parts), MAX_ANCHOR)


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
        labels = [_clean(by_id[i].text_content(), MAX_ANCHOR) for i in ids[:10] if i in by_id]
        if name := _clean(" ".join(labels), MAX_ANCHOR):
            return name
    if name := _attr(el, "aria-label"):
        return name
    if el.tag == "area":
        return _attr(el, "alt") or _attr(el, "title")
    return _content_name(el) or _attr(el, "title") or _image_hint(el)


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
    (or, for javascript:/# links, their onclick target), other elements' onclick targets, frames' src."""
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


def _signature(el: lxml.html.HtmlElement) -> str:
    ident = _DIGITS.sub("", el.get("id") or "")
    classes = ".".join(sorted({_DIGITS.sub("", c) for c in (el.get("class") or "").split()}))
    return f"{el.tag}#{ident}.{classes}"


def template_fingerprint(root: lxml.html.HtmlElement) -> str:
    """Hash of the page's layout skeleton, stable across article texts of the same template.

    Uses structural elements that carry an id or class (editor-made article content rarely does), with
    digits removed (``post-1234``), as a set of parent>child signature pairs: repeated items and text
    length do not change it, a different layout does.
    """
    pairs: set[str] = set()
    for el in root.iter(*_STRUCTURAL):
        if el.tag != "body" and not (el.get("id") or el.get("class")):
            continue
        parent = el.getparent()
        while parent is not None and parent.tag not in _STRUCTURAL:
            parent = parent.getparent()
        pairs.add(f"{_signature(parent) if parent is not None else ''}>{_signature(el)}")
    return hashlib.sha1("\n".join(sorted(pairs)).encode()).hexdigest()[:12]


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """lxml's HTML parser, tolerant of an XML declaration and of empty or hopeless input (None)."""
    try:
        return lxml.html.document_fromstring(_XML_DECL.sub("", text, count=1) or "<html></html>")
    except (etree.ParserError, ValueError):
        return None


def parse_page(text: str, base_url: str) -> PageFacts:
    root = parse_html(text)
    if root is None:
        return PageFacts(title=None, lang=None, links=[], template_fp=None, refused=[])
    base_el = root.find(".//base[@href]")
    base = urljoin(base_url, base_el.get("href").strip()) if base_el is not None else base_url
    title_el = root.find(".//title")
    title = _clean(title_el.text_content(), MAX_TITLE) if title_el is not None else None
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    links: list[Link] = []
    refused: list[Link] = []
    for el, href in link_targets(root):
        if skipped_scheme(href):
            continue
        try:
            url = urljoin(base, href)
        except ValueError:
            continue
        framed = el.tag in ("iframe", "frame")
        link = Link(url=url, anchor=_clean(el.get("title"), 300) if framed else anchor_text(el),
                    rel=el.get("rel"), tag=el.tag if el.tag in ("a", "area") or framed else "onclick")
        if url.split(":", 1)[0].lower() in ("http", "https"):
            links.append(link)
            if len(links) >= MAX_LINKS_PER_PAGE:
                break
        elif len(refused) < MAX_LINKS_PER_PAGE:
            refused.append(link)
    return PageFacts(title=title or None, lang=lang.strip() if lang else None, links=links,
                     template_fp=template_fingerprint(root), refused=refused)
