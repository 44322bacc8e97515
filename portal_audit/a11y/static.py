"""Static accessibility rules: what the stored HTML alone can decide, on every page, without a browser.

axe-core in Chromium sees the rendered page, but it can only run on a sample of each site's templates. These
rules run on every stored page instead, so a missing ``alt`` in one news article or a form without labels on one
service page is still found. Each rule mirrors an axe-core rule (same id) and, where one exists, claims the W3C
ACT rule whose test cases it decides; ``portal_audit.a11y.act`` scores those claims.

What a parse cannot know is handled on the side of silence: styles from stylesheets are not computed, so only the
``hidden`` attribute, ``aria-hidden="true"``, inline ``display:none``/``visibility:hidden`` and a few framework
classes that always mean "not displayed" hide an element. An element hidden by a stylesheet is therefore still
checked; an element hidden here is never reported.

Performance: ``check_tree`` runs on thousands of pages per site. It walks the tree once to index what the rules
need (ids, candidate elements in document order, lang attributes, hidden subtrees); accessible names are computed
only for the candidates, table models only for tables, and a CSS selector and snippet only for what is reported.
About 0.2 ms for a 30 KB article page, 1.7 ms for a dense 700-element portal page with 75 hits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import lxml.html
import yaml
from lxml import etree

from portal_audit.a11y import language
from portal_audit.a11y.rules import rule_info
from portal_audit.html import Selectors, in_chrome, is_chrome, parse_html
from portal_audit.text import fold_short

MAX_EVIDENCE = 20   # failing elements per rule and page given a selector and snippet; the rest are counted


@dataclass(frozen=True)
class StaticHit:
    """One element (or the page) failing one static rule."""

    rule: str      # id of the axe-core rule mirrored, or a portal-audit id (document-html-alternative)
    selector: str  # CSS selector (cssselect/lxml) that finds exactly this element in the page
    snippet: str   # outer HTML, whitespace-collapsed, at most 250 characters (start tag only for big elements)


@dataclass(frozen=True)
class StaticRule:
    """How the static checker decides a rule; what the rule is (criteria, level, texts) is in data/rules.yaml."""

    id: str
    act_rules: tuple[str, ...]  # ACT rules whose test cases this rule claims to decide
    description: str

    @property
    def wcag(self) -> tuple[str, ...]:
        return rule_info(self.id).wcag

    @property
    def best_practice(self) -> bool:
        """A hit is not a WCAG 2.1 A/AA failure."""
        return rule_info(self.id).level not in ("A", "AA")


_RULE_LIST: tuple[StaticRule, ...] = (
    StaticRule("image-alt", ("23a2a8",),
               "img element without alt text or another accessible name (alt=\"\" marks a decorative image)"),
    StaticRule("role-img-alt", ("23a2a8",),
               "element with role=\"img\" (other than img and svg) without an accessible name"),
    StaticRule("input-image-alt", ("59796f",),
               "image button (input type=\"image\") without alt text or another accessible name"),
    StaticRule("area-alt", ("c487ae",),
               "image-map area with href but without alt text or another accessible name"),
    StaticRule("svg-img-alt", ("7d6734",),
               "svg element (or svg child) with role img/graphics-document/graphics-symbol without a title or label"),
    StaticRule("object-alt", ("8fc3b6",),
               "object element embedding an image, audio or video without title, aria-label or aria-labelledby"),
    StaticRule("link-name", ("c487ae",),
               "link (a with href) whose accessible name is empty: no text, image alt, aria-label or title"),
    StaticRule("button-name", ("97a4e1",), "button element without an accessible name"),
    StaticRule("input-button-name", ("97a4e1",),
               "input type=\"button\" (or submit/reset with an empty value) without an accessible name"),
    StaticRule("aria-command-name", ("97a4e1", "c487ae", "m6b1q3"),
               "element with role button, link or menuitem (not a native button or link) without an accessible name"),
    # WCAG 2.4.4 accepts "Xem thêm" when the surrounding sentence or list item names the target; only the
    # AAA criterion 2.4.9 asks the link text alone to say it. Circular 32/2017 Art. 18(1)(d) asks it too.
    StaticRule("identical-links-same-purpose", (),
               "link whose whole text is a generic phrase ('Xem thêm', 'Chi tiết', 'click here') and no title or "
               "label says where it goes (Circular 32/2017/TT-BTTTT Art. 18(1)(d))"),
    StaticRule("html-has-lang", ("b5c3f8",), "html element without a non-empty lang attribute"),
    StaticRule("html-lang-valid", ("bf051a",),
               "html element whose lang attribute has no known primary language subtag"),
    # ACT ucwvc8 (proposed) asks the same, but its examples are one sentence long, below what a detector can
    # judge: the rule is scored on them for false positives only (tests/test_act_static.py), not claimed.
    StaticRule("html-lang-mismatch", (),
               "html element whose lang names another language than the one the page's text is written in "
               "(lang=\"en\" over Vietnamese text)"),
    StaticRule("valid-lang", ("de46e4",),
               "element in the body whose lang attribute has no known primary language subtag"),
    StaticRule("document-title", ("2779a5",), "page without a title element, or an empty one"),
    StaticRule("label", ("e086e5",),
               "input or textarea without an accessible name (label, aria-label(ledby), title or placeholder)"),
    StaticRule("select-name", ("e086e5",),
               "select element without an accessible name (label, aria-label(ledby) or title)"),
    StaticRule("aria-input-field-name", ("e086e5",),
               "element with role textbox, combobox, listbox, searchbox, slider or spinbutton without an accessible "
               "name"),
    StaticRule("aria-toggle-field-name", ("e086e5",),
               "element with role checkbox, radio, switch, menuitemcheckbox or menuitemradio without an accessible "
               "name"),
    StaticRule("duplicate-id", ("3ea0c8",),
               "id attribute value used by more than one element (SC 4.1.1 is obsolete since WCAG 2.2: best practice)"),
    StaticRule("empty-heading", ("ffd0e9",), "heading (h1-h6 or role=heading) with no accessible text"),
    StaticRule("heading-order", (), "heading level skipped going down (e.g. h2 followed by h4)"),
    StaticRule("frame-title", ("cae760",),
               "iframe or frame without a non-empty title, aria-label or aria-labelledby"),
    StaticRule("td-has-header", (),
               "data table (3+ rows, 2+ columns, not a layout table) without any header cell, scope or headers"),
    StaticRule("td-headers-attr", ("a25f45",),
               "table cell whose headers attribute names an id that is not a header cell of the same table"),
    StaticRule("th-has-data-cells", ("d0f69e",),
               "table header cell that is the header of no other cell"),
    StaticRule("meta-viewport", ("b4f0c3",),
               "meta viewport that disables zoom (user-scalable=no) or limits it (maximum-scale < 2)"),
    StaticRule("meta-refresh", ("bc659a",),
               "meta refresh that reloads or redirects after a delay (more than 0 and at most 20 hours)"),
    StaticRule("marquee", (), "marquee element: moving text that cannot be paused"),
    StaticRule("blink", (), "blink element: blinking text that cannot be stopped"),
    StaticRule("document-html-alternative", (),
               "page with under 200 characters of own text that links to PDF/Word/Excel documents: the content is "
               "published only as a file, without an HTML version"),
)
STATIC_RULES: dict[str, StaticRule] = {rule.id: rule for rule in _RULE_LIST}

# --- vocabulary ---------------------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ARIA_ROLES = _words("""
alert alertdialog application article banner blockquote button caption cell checkbox code columnheader combobox
comment complementary contentinfo definition deletion dialog directory document emphasis feed figure form generic
grid gridcell group heading img image insertion link list listbox listitem log main mark marquee math menu menubar
menuitem menuitemcheckbox menuitemradio meter navigation none note option paragraph presentation progressbar radio
radiogroup region row rowgroup rowheader scrollbar search searchbox separator slider spinbutton status strong
subscript superscript suggestion switch tab table tablist tabpanel term textbox time timer toolbar tooltip tree
treegrid treeitem graphics-document graphics-object graphics-symbol
""")
_PRESENTATIONAL = frozenset({"none", "presentation"})
# Roles whose accessible name may come from their content (WAI-ARIA 1.2 "name from: contents").
_NAME_FROM_CONTENT = _words("""
button cell checkbox columnheader gridcell heading link menuitem menuitemcheckbox menuitemradio option radio row
rowheader sectionhead switch tab tooltip treeitem doc-backlink doc-biblioref doc-glossref doc-noteref
""")
_LINK_ROLES = frozenset({"link", "doc-backlink", "doc-biblioref", "doc-glossref", "doc-noteref"})
_TEXT_FIELD_ROLES = frozenset({"combobox", "listbox", "searchbox", "slider", "spinbutton", "textbox"})
_TOGGLE_FIELD_ROLES = frozenset({"checkbox", "menuitemcheckbox", "menuitemradio", "radio", "switch"})
_SVG_IMAGE_ROLES = frozenset({"img", "graphics-document", "graphics-symbol"})
_TABLE_ROLES = frozenset({"table", "grid", "treegrid"})
# Global ARIA attributes: one of them on an element with role none/presentation cancels that role (WAI-ARIA
# "presentational roles conflict resolution"); so does being focusable.
_GLOBAL_ARIA = _words("""
aria-atomic aria-busy aria-controls aria-current aria-describedby aria-details aria-disabled aria-dropeffect
aria-errormessage aria-flowto aria-grabbed aria-haspopup aria-invalid aria-keyshortcuts aria-label aria-labelledby
aria-live aria-owns aria-relevant aria-roledescription
""")
_LABELABLE = ("input", "select", "textarea", "button", "meter", "output", "progress")
_INPUT_TYPES = _words("""
button checkbox color date datetime-local email file hidden image month number password radio range reset search
submit tel text time url week
""")
_INPUT_BUTTON_TYPES = frozenset({"button", "submit", "reset"})
_PLACEHOLDER_TYPES = frozenset({"text", "search", "url", "tel", "email", "password", "number"})
_FORM_CONTROLS = ("input", "select", "textarea", "button")
_NO_TEXT_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title"})
# Elements whose content is never part of a name: svg text (only its <title> names it), a select's options and a
# textarea's text (values, not labels).
_NO_CONTENT_NAME = _NO_TEXT_TAGS | {"svg", "select", "textarea"}
# Tags that do not break a word when text is collected: "Xem <b>thêm</b>" reads as "Xem thêm".
_INLINE_TAGS = frozenset({"b", "i", "em", "strong", "span", "u", "small", "font", "sub", "sup", "abbr", "mark", "s",
                          "code", "q", "cite", "big", "strike", "tt", "kbd", "var", "dfn", "time", "bdi", "bdo"})
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_DOC_LINK = re.compile(r"\.(pdf|docx?|xlsx?|odt|ods|rtf)(?:$|[?#&])", re.I)
# Framework classes that always mean "not displayed" (Bootstrap, Tailwind, Foundation, jQuery UI habits); a
# responsive companion class (d-md-block, md:block) means "displayed on some screens", so it cancels them.
_HIDING_CLASSES = frozenset({"hidden", "d-none", "hide", "invisible"})
_RESPONSIVE_DISPLAY = re.compile(r"^(d-(sm|md|lg|xl|xxl)-|(sm|md|lg|xl|2xl):)")
_TABINDEX = re.compile(r"^\s*([+-]?\d+)")
_VIEWPORT_PROP = re.compile(r"([A-Za-z-]+)\s*=\s*([^,;\s]*)")
_SNIPPET_MAX = 250
_MAX_TABLE_SLOTS = 20_000   # a bigger table is not modelled (time); its header rules stay silent
_DOC_TEXT_MIN = 200
_MAX_NAME_DEPTH = 64

# Tags some rule looks at; any element with a role attribute is a candidate too.
_CANDIDATE_TAGS = frozenset({"img", "input", "select", "textarea", "button", "a", "area", "h1", "h2", "h3", "h4", "h5",
                             "h6", "iframe", "frame", "object", "marquee", "blink"})
_HIDING_ATTRS = frozenset({"hidden", "aria-hidden", "style", "class"})


@cache
def known_language_subtags() -> frozenset[str]:
    """Primary language subtags of the IANA registry (data/language_subtags.yaml), lower case."""
    raw = yaml.safe_load(resources.files("portal_audit.a11y").joinpath("data/language_subtags.yaml")
                         .read_text("utf-8"))
    return frozenset(raw["two_letter"].split()) | frozenset(raw["three_letter"].split())


def lang_is_valid(value: str) -> bool:
    """True when the primary subtag of a BCP 47 tag is a known language: 'vi', 'en-US', 'FR', 'rad'.

    Only the primary subtag counts (as in ACT rules bf051a and de46e4): 'en-US-GB' is fine, 'eng', 'vi_VN',
    'i-lux', 'english' and '#1' are not.
    """
    primary = value.strip().split("-", 1)[0].lower()
    return 2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha() and primary in known_language_subtags()


def phrase_key(text: str) -> str:
    """Folded words of a link text, punctuation, arrows and ellipses dropped: '[Xem thêm...] »' -> 'xem them'."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold_short(text)).split())


@cache
def generic_link_phrases() -> frozenset[str]:
    """The generic link phrases of data/generic_link_text.yaml, as phrase_key()s."""
    raw = yaml.safe_load(resources.files("portal_audit.a11y").joinpath("data/generic_link_text.yaml")
                         .read_text("utf-8"))
    return frozenset(phrase_key(p) for lang in raw.values() for p in lang)


def refresh_delay(content: str) -> int | None:
    """Delay in seconds of a meta refresh, or None when browsers ignore the value (HTML's refresh parsing).

    '5; url=x' -> 5, '0' -> 0, '+5', '0: x', 'foo', '' -> None. Only the leading digits count ('1.5' -> 1).
    """
    s, i, n = content, 0, len(content)
    while i < n and s[i] in " \t\n\f\r":
        i += 1
    start = i
    while i < n and s[i].isascii() and s[i].isdigit():
        i += 1
    if i == start and not (i < n and s[i] == "."):
        return None
    delay = int(s[start:i]) if i > start else 0
    while i < n and (s[i] == "." or (s[i].isascii() and s[i].isdigit())):
        i += 1
    if i < n and s[i] not in ";, \t\n\f\r":
        return None
    return delay


def viewport_blocks_zoom(content: str) -> bool:
    """True when a viewport meta prevents zooming to 200%: user-scalable off, or maximum-scale under 2.

    Values are read as browsers read them (CSS Device Adaptation): user-scalable 'yes', 'device-width' or a number
    with absolute value >= 1 allows zoom, anything else fixes the scale; maximum-scale 'device-width' is 10, 'yes'
    is 1, 'no' is 0.1, a negative number is ignored, an unreadable value is 0.
    """
    props = {k.lower(): v.lower() for k, v in _VIEWPORT_PROP.findall(content)}
    scalable = props.get("user-scalable")
    if scalable is not None and not _scalable_allows_zoom(scalable):
        return True
    maximum = props.get("maximum-scale")
    if maximum is None:
        return False
    value = _viewport_number(maximum)
    return value is not None and 0 <= value < 2


def _scalable_allows_zoom(value: str) -> bool:
    if value in ("yes", "device-width", "device-height"):
        return True
    number = _number(value)
    return number is not None and abs(number) >= 1


def _viewport_number(value: str) -> float | None:
    named = {"device-width": 10.0, "device-height": 10.0, "yes": 1.0, "no": 0.1}
    if value in named:
        return named[value]
    number = _number(value)
    if number is None:
        return 0.0
    return None if number < 0 else number


def _number(value: str) -> float | None:
    match = re.match(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", value)
    return float(match.group(0)) if match else None


def _style_props(style: str) -> dict[str, str]:
    props: dict[str, str] = {}
    for declaration in style.split(";"):
        name, sep, value = declaration.partition(":")
        if sep:
            props[name.strip().lower()] = value.replace("!important", "").strip().lower()
    return props


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _explicit_role(el: etree._Element) -> str | None:
    """The first role token a browser recognises (WAI-ARIA: fallback roles are listed left to right)."""
    value = el.get("role")
    if not value:
        return None
    for token in value.lower().split():
        if token in _ARIA_ROLES or token.startswith("doc-"):
            return token
    return None


def _input_type(el: etree._Element) -> str:
    value = (el.get("type") or "text").strip().lower()
    return value if value in _INPUT_TYPES else "text"


def _implicit_role(el: etree._Element) -> str | None:
    tag = el.tag
    if tag in ("a", "area"):
        return "link" if el.get("href") is not None else None
    if tag == "img":
        return "presentation" if el.get("alt") == "" else "img"
    if tag == "button":
        return "button"
    if tag == "input":
        kind = _input_type(el)
        if kind in _INPUT_BUTTON_TYPES or kind == "image":
            return "button"
        return {"checkbox": "checkbox", "radio": "radio", "range": "slider", "number": "spinbutton",
                "search": "searchbox", "hidden": None}.get(kind, "textbox")
    if tag == "select":
        size = _TABINDEX.match(el.get("size") or "")
        return "listbox" if el.get("multiple") is not None or (size and int(size.group(1)) > 1) else "combobox"
    if tag == "textarea":
        return "textbox"
    if tag in _HEADING_TAGS:
        return "heading"
    if tag == "table":
        return "table"
    return None


def _tabindex(el: etree._Element) -> int | None:
    match = _TABINDEX.match(el.get("tabindex") or "")
    return int(match.group(1)) if match else None


def _focusable(el: etree._Element) -> bool:
    if _tabindex(el) is not None:
        return True
    tag = el.tag
    if tag in ("a", "area"):
        return el.get("href") is not None
    if tag in _FORM_CONTROLS:
        return el.get("disabled") is None and not (tag == "input" and _input_type(el) == "hidden")
    if tag in ("audio", "video"):
        return el.get("controls") is not None
    return tag == "summary" or (el.get("contenteditable") or "false").lower() in ("", "true", "plaintext-only")


def _has_global_aria(el: etree._Element) -> bool:
    return not _GLOBAL_ARIA.isdisjoint(el.keys())


def role_of(el: etree._Element) -> str | None:
    """The semantic role a browser exposes: explicit role, else the tag's; 'presentation' for none/presentation.

    A focusable element or one with a global ARIA attribute keeps its own role despite role="none" (ACT's
    "presentational roles conflict resolution"): <button role="none"> is still a button that needs a name.
    """
    explicit = _explicit_role(el)
    if explicit and explicit not in _PRESENTATIONAL:
        return explicit
    implicit = _implicit_role(el)
    if explicit in _PRESENTATIONAL or implicit == "presentation":
        if _focusable(el) or _has_global_aria(el):
            return "img" if implicit == "presentation" else implicit
        return "presentation"
    return implicit


def _in_svg(el: etree._Element) -> bool:
    return el.tag == "svg" or any(anc.tag == "svg" for anc in el.iterancestors())


# --- the page -----------------------------------------------------------------------------------------------------


@dataclass
class _Cell:
    el: etree._Element
    x: int
    y: int
    w: int
    h: int
    header: bool
    scope: str   # col | row | auto | group (rowgroup/colgroup: never checked)
    empty: bool


class _Page:
    """One parsed page: indexes shared by the rules, the accessible-name computation, and the hits found."""

    def __init__(self, root: lxml.html.HtmlElement):
        self.root = root
        self.ids: dict[str, list[etree._Element]] = {}
        self.candidates: list[etree._Element] = []   # document order
        self.with_lang: list[etree._Element] = []
        self.aria_tables: list[etree._Element] = []
        self.invisible: set[etree._Element] = set()   # not rendered: display:none, hidden, template...
        self.ax_hidden: set[etree._Element] = set()   # rendered but not in the accessibility tree (aria-hidden)
        self._labels_for: dict[str, list[etree._Element]] | None = None
        self._roles: dict[etree._Element, str | None] = {}
        self.hits: list[StaticHit] = []
        self._evidence: dict[str, int] = {}
        self.headings: list[tuple[int, etree._Element]] = []
        self.doc_link: etree._Element | None = None
        self._elements = self._index()
        self.selector = Selectors(self.ids)   # ids indexed by the one pass; paths reused between hits

    def _index(self) -> list[etree._Element]:
        """The one pass over the tree: ids, candidates, lang attributes, hidden subtrees.

        It returns every element, and the page keeps that list while it is checked: lxml.html builds a Python
        proxy for an element each time one is needed and none is alive, which costs more than the checks.
        """
        elements = list(self.root.iter(etree.Element))
        hiders: list[etree._Element] = []
        for el in elements:
            tag = el.tag
            keys = el.keys()
            if tag in _CANDIDATE_TAGS:
                self.candidates.append(el)
            elif tag in ("template", "noscript"):
                hiders.append(el)
            if not keys:
                continue
            if "id" in keys:
                self.ids.setdefault(el.get("id"), []).append(el)
            if "role" in keys:
                if tag not in _CANDIDATE_TAGS:
                    self.candidates.append(el)
                if tag != "table" and _explicit_role(el) in _TABLE_ROLES:
                    self.aria_tables.append(el)
            if "lang" in keys and tag != "html":
                self.with_lang.append(el)
            if _HIDING_ATTRS.intersection(keys):
                hiders.append(el)
        for el in hiders:
            self._hide(el)
        return elements

    def _hide(self, el: etree._Element) -> None:
        if el.tag in ("template", "noscript") or el.get("hidden") is not None:
            self.invisible.update(el.iter())
            return
        if (el.get("aria-hidden") or "").strip().lower() == "true":
            self.ax_hidden.update(el.iter())
        style = (el.get("style") or "").lower()
        if "display" in style or "visibility" in style:
            props = _style_props(style)
            if props.get("display", "").startswith("none"):
                self.invisible.update(el.iter())
            elif props.get("visibility", "").split(" ")[0] in ("hidden", "collapse"):
                self._hide_visibility(el)
        classes = el.get("class")
        if classes and ("hid" in classes or "none" in classes or "invisible" in classes):
            tokens = classes.split()
            if _HIDING_CLASSES.intersection(tokens) and not any(_RESPONSIVE_DISPLAY.match(t) for t in tokens):
                self.invisible.update(el.iter())

    def _hide_visibility(self, el: etree._Element) -> None:
        """visibility:hidden hides a subtree except descendants that set visibility:visible again."""
        stack = [el]
        while stack:
            node = stack.pop()
            if node is not el and _style_props(node.get("style") or "").get("visibility") == "visible":
                continue
            self.invisible.add(node)
            stack.extend(child for child in node if isinstance(child.tag, str))

    def excluded(self, el: etree._Element) -> bool:
        """Neither rendered nor in the accessibility tree: no rule about names or roles applies to it."""
        return el in self.invisible or el in self.ax_hidden

    def role(self, el: etree._Element) -> str | None:
        if el not in self._roles:
            self._roles[el] = role_of(el)
        return self._roles[el]

    # accessible names (accname 1.2, the parts a static parse can follow)

    def name(self, el: etree._Element, *, traversal: bool = False, in_labelledby: bool = False,
             show_hidden: bool = False, depth: int = 0) -> str:
        """Accessible name of ``el``, whitespace-collapsed ('' when it has none).

        Order as in accname: aria-labelledby (hidden targets count), aria-label, the host language (alt, label,
        value of buttons, svg title), content for roles named from content (and inside a traversal), title,
        placeholder. Hidden content contributes nothing unless it was referenced by aria-labelledby.
        """
        if depth > _MAX_NAME_DEPTH or (not show_hidden and self.excluded(el)):
            return ""
        if not in_labelledby and el.get("aria-labelledby"):
            labelled = self._labelledby(el, show_hidden, depth)
            if labelled:
                return labelled
        label = _collapse(el.get("aria-label") or "")
        if label:
            return label
        tag = el.tag
        role = self.role(el)
        if role == "presentation" and tag in ("img", "input", "area"):
            return ""
        native = self._native_name(el, tag, traversal)
        if native:
            return native
        if traversal or role in _NAME_FROM_CONTENT:
            content = self._content(el, in_labelledby, show_hidden, depth)
            if content:
                return content
        title = _collapse(el.get("title") or "")
        if title:
            return title
        if not traversal and (tag == "textarea" or (tag == "input" and _input_type(el) in _PLACEHOLDER_TYPES)):
            return _collapse(el.get("placeholder") or "")
        return ""

    def _labelledby(self, el: etree._Element, show_hidden: bool, depth: int) -> str:
        parts = []
        for ident in (el.get("aria-labelledby") or "").split():
            targets = self.ids.get(ident)
            if targets:
                target = targets[0]
                parts.append(self.name(target, traversal=True, in_labelledby=True,
                                       show_hidden=show_hidden or self.excluded(target), depth=depth + 1))
        return _collapse(" ".join(parts))

    def _native_name(self, el: etree._Element, tag: str, traversal: bool) -> str:
        if tag in ("img", "area"):
            return _collapse(el.get("alt") or "")
        if tag == "input":
            kind = _input_type(el)
            if kind == "image":
                return _collapse(el.get("alt") or "")
            if kind in _INPUT_BUTTON_TYPES:
                value = el.get("value")
                if value is not None:
                    return _collapse(value)
                return {"submit": "Submit", "reset": "Reset"}.get(kind, "")
            return "" if traversal else self._label_text(el)
        if tag in _LABELABLE:
            return "" if traversal else self._label_text(el)
        if tag == "svg" or (el.get("role") and _in_svg(el)):
            for child in el:
                if child.tag == "title":
                    return _collapse(child.text_content())
        return ""

    def _content(self, el: etree._Element, in_labelledby: bool, show_hidden: bool, depth: int) -> str:
        if el.tag in _NO_CONTENT_NAME:
            return ""
        if len(el) == 0:
            return _collapse(el.text or "")
        parts = [el.text or ""]
        for child in el:
            tag = child.tag
            if isinstance(tag, str) and tag not in _NO_TEXT_TAGS:
                sub = self.name(child, traversal=True, in_labelledby=in_labelledby, show_hidden=show_hidden,
                                depth=depth + 1)
                if sub:
                    parts.append(sub if tag in _INLINE_TAGS else f" {sub} ")
            if child.tail:
                parts.append(child.tail)
        return _collapse("".join(parts))

    def _label_text(self, el: etree._Element) -> str:
        """Text of the <label> elements of a form control: label[for=id] and a wrapping label."""
        if self._labels_for is None:
            self._labels_for = {}
            for label in self.root.iter("label"):
                target = label.get("for")
                if target:
                    self._labels_for.setdefault(target, []).append(label)
        labels: list[etree._Element] = []
        ident = el.get("id")
        if ident and self.ids.get(ident, [None])[0] is el:
            labels.extend(self._labels_for.get(ident, ()))
        for anc in el.iterancestors("label"):
            if anc.get("for") is None and self._first_labelable(anc) is el:
                labels.append(anc)
            break
        texts = (self._content(label, False, self.excluded(label), 1) for label in labels)
        return _collapse(" ".join(texts))

    @staticmethod
    def _first_labelable(label: etree._Element) -> etree._Element | None:
        for el in label.iter(*_LABELABLE):
            if not (el.tag == "input" and _input_type(el) == "hidden"):
                return el
        return None

    # evidence

    def hit(self, rule: str, el: etree._Element, note: str = "") -> None:
        """Record a failing element; past MAX_EVIDENCE per rule only the count is kept: a selector costs a walk
        over the element's preceding siblings, which on a page of a million siblings is quadratic. A ``note``
        (what the rule found) follows the snippet as an HTML comment."""
        shown = self._evidence[rule] = self._evidence.get(rule, 0) + 1
        if shown > MAX_EVIDENCE:
            self.hits.append(StaticHit(rule, "", ""))
        elif note:
            comment = f"<!-- {_collapse(note).replace('--', '- ')} -->"
            self.hits.append(StaticHit(rule, self.selector(el),
                                       snippet(el)[:_SNIPPET_MAX - len(comment)] + comment))
        else:
            self.hits.append(StaticHit(rule, self.selector(el), snippet(el)))

def snippet(el: etree._Element) -> str:
    """Outer HTML, whitespace-collapsed, at most 250 characters; the start tag alone for big elements."""
    if len(el) <= 8 and el.tag not in ("html", "body", "table", "head"):
        text = _collapse(lxml.html.tostring(el, encoding="unicode", with_tail=False))
        if len(text) <= _SNIPPET_MAX:
            return text
    return _start_tag(el)[:_SNIPPET_MAX]


def _start_tag(el: etree._Element) -> str:
    attrs = "".join(f' {k}="{_escape(v)}"' for k, v in el.items())
    return _collapse(f"<{el.tag}{attrs}>")


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


# --- rules on elements --------------------------------------------------------------------------------------------


def _check_element(page: _Page, el: etree._Element) -> None:
    """Every name/role rule for one candidate element (one pass over the candidates, in document order)."""
    tag = el.tag
    if not isinstance(tag, str) or page.excluded(el):
        return
    role = page.role(el)
    if role == "img":
        _check_image(page, el, tag)
    elif role in _SVG_IMAGE_ROLES and _in_svg(el):
        _require_name(page, el, "svg-img-alt")
    elif role == "button":
        _check_button(page, el, tag)
    elif role in _LINK_ROLES:
        _check_link(page, el, tag)
    elif role == "menuitem":
        _require_name(page, el, "aria-command-name")
    elif role == "heading":
        _check_heading(page, el, tag)
    elif role in _TEXT_FIELD_ROLES or role in _TOGGLE_FIELD_ROLES:
        _check_field(page, el, tag, role)
    if tag in ("iframe", "frame"):
        _check_frame(page, el)
    elif tag == "object":
        _check_object(page, el)
    elif tag in ("marquee", "blink"):
        page.hit(tag, el)


def _require_name(page: _Page, el: etree._Element, rule: str) -> str:
    name = page.name(el)
    if not name:
        page.hit(rule, el)
    return name


def _check_image(page: _Page, el: etree._Element, tag: str) -> None:
    if tag == "img":
        _require_name(page, el, "image-alt")
    elif tag == "svg" or _in_svg(el):
        _require_name(page, el, "svg-img-alt")
    elif tag not in ("input", "area"):
        _require_name(page, el, "role-img-alt")


def _check_button(page: _Page, el: etree._Element, tag: str) -> None:
    if tag == "button":
        _require_name(page, el, "button-name")
    elif tag == "input":
        _require_name(page, el, "input-image-alt" if _input_type(el) == "image" else "input-button-name")
    else:
        _require_name(page, el, "aria-command-name")


def _check_link(page: _Page, el: etree._Element, tag: str) -> None:
    rule = {"a": "link-name", "area": "area-alt"}.get(tag, "aria-command-name")
    name = _require_name(page, el, rule)
    if tag not in ("a", "area"):
        return
    if name and len(name) <= 40 and phrase_key(name) in generic_link_phrases():
        title = el.get("title") or ""
        if not phrase_key(title) or phrase_key(title) in generic_link_phrases():
            page.hit("identical-links-same-purpose", el)
    if page.doc_link is None and _DOC_LINK.search(el.get("href") or "") and not in_chrome(el):
        page.doc_link = el


def _check_heading(page: _Page, el: etree._Element, tag: str) -> None:
    _require_name(page, el, "empty-heading")
    level = _TABINDEX.match(el.get("aria-level") or "")
    if level and int(level.group(1)) > 0:
        page.headings.append((int(level.group(1)), el))
    else:
        page.headings.append((int(tag[1]) if tag in _HEADING_TAGS else 2, el))


def _check_field(page: _Page, el: etree._Element, tag: str, role: str | None) -> None:
    if tag == "input":
        if _input_type(el) in ("hidden", "image", *_INPUT_BUTTON_TYPES):
            return
        _require_name(page, el, "label")
    elif tag == "textarea":
        _require_name(page, el, "label")
    elif tag == "select":
        _require_name(page, el, "select-name")
    elif role in _TOGGLE_FIELD_ROLES:
        _require_name(page, el, "aria-toggle-field-name")
    else:
        _require_name(page, el, "aria-input-field-name")


def _check_frame(page: _Page, el: etree._Element) -> None:
    """iframe/frame need a name (ACT cae760); one taken out of the tab order (tabindex < 0) or marked
    presentational is not reached by keyboard users, who are the ones that need it."""
    tabindex = _tabindex(el)
    if (tabindex is not None and tabindex < 0) or _explicit_role(el) in _PRESENTATIONAL:
        return
    if not page.name(el):
        page.hit("frame-title", el)


_MEDIA_EXT = re.compile(
    r"\.(png|jpe?g|gif|webp|svg|bmp|ico|tiff?|avif|mp3|wav|ogg|oga|m4a|aac|flac|mp4|m4v|webm|ogv|mov|avi|wmv|"
    r"flv|mpe?g)(?:$|[?#])", re.I)


def _check_object(page: _Page, el: etree._Element) -> None:
    """object embedding an image, audio or video (known from type= or the data URL) needs a name (ACT 8fc3b6).

    Fallback content inside the object is not its name; an object with an explicit role is judged by that role.
    """
    if _explicit_role(el) is not None:
        return
    kind = (el.get("type") or "").strip().lower()
    media = kind.startswith(("image/", "audio/", "video/")) or (not kind and _MEDIA_EXT.search(el.get("data") or ""))
    if media and not page.name(el):
        page.hit("object-alt", el)


# --- rules on the page --------------------------------------------------------------------------------------------


def _check_document(page: _Page) -> None:
    root = page.root
    if root.tag != "html":
        return
    lang = root.get("lang")
    if lang is None or not lang.strip():
        page.hit("html-has-lang", root)
    elif not lang_is_valid(lang):
        page.hit("html-lang-valid", root)
    else:
        _check_page_language(page, lang)
    title = _document_title(root)
    if title is None:
        page.hit("document-title", root)
    elif not title.text_content().strip():
        page.hit("document-title", title)


def _check_page_language(page: _Page, lang: str) -> None:
    """html-lang-mismatch: the text that takes its language from <html lang> is written in another language."""
    body = page.root.find("body")
    if body is None:
        return
    declared = language.primary_subtag(lang)
    found = language.detect(_text_in_language(page, body, declared))
    if found is not None and not language.same_language(declared, found.language):
        page.hit("html-lang-mismatch", page.root,
                 f"text language: {found.language} ({found.percent}% of {found.letters} letters)")


def _text_in_language(page: _Page, body: etree._Element, declared: str) -> str:
    """Visible text of the body that inherits the page's language: not in script/style/template, hidden or
    aria-hidden subtrees, nor under an element whose own lang names another language (lang="en" on a quote is
    right). Collection stops once the detector has enough."""
    parts: list[str] = []
    size = 0
    stack: list[etree._Element] = [body]
    while stack and size < language.MAX_CHARS:
        node = stack.pop()
        own = node.get("lang")
        if (node.tag in _NO_TEXT_TAGS or page.excluded(node)
                or (own is not None and own.strip() and language.primary_subtag(own) != declared)):
            continue
        for text in (node.text, *(child.tail for child in node)):
            if text and not text.isspace():
                parts.append(text)
                size += len(text)
        stack.extend(reversed([child for child in node if isinstance(child.tag, str)]))
    return " ".join(parts)


def _document_title(root: etree._Element) -> etree._Element | None:
    """The title element browsers use: the first one that is not inside svg or a template."""
    for title in root.iter("title"):
        if not any(anc.tag in ("svg", "template") for anc in title.iterancestors()):
            return title
    return None


def _check_meta(page: _Page) -> None:
    refresh_seen = False
    for meta in page.root.iter("meta"):
        content = meta.get("content")
        if content is None:
            continue
        if (meta.get("name") or "").strip().lower() == "viewport" and viewport_blocks_zoom(content):
            page.hit("meta-viewport", meta)
        if not refresh_seen and (meta.get("http-equiv") or "").strip().lower() == "refresh":
            delay = refresh_delay(content)
            if delay is not None:
                refresh_seen = True  # browsers act on the first valid refresh only
                if 0 < delay <= 72_000:
                    page.hit("meta-refresh", meta)


def _check_langs(page: _Page) -> None:
    """valid-lang: a lang attribute in the body that some text actually inherits must name a known language."""
    for el in page.with_lang:
        value = el.get("lang")
        if (value and not lang_is_valid(value) and el not in page.invisible and _in_body(el)
                and _has_own_text(page, el)):
            page.hit("valid-lang", el)


def _in_body(el: etree._Element) -> bool:
    """The body or inside it (the html element's lang is html-lang-valid's, a lang in head names no text)."""
    return el.tag == "body" or any(anc.tag == "body" for anc in el.iterancestors())


def _has_own_text(page: _Page, el: etree._Element) -> bool:
    """True when visible text (or an alt/aria-label/title) in ``el`` takes its language from ``el``'s lang."""
    stack = [el]
    while stack:
        node = stack.pop()
        if node is not el and (node.get("lang") is not None or node in page.invisible):
            continue
        if node.tag in _NO_TEXT_TAGS:
            continue
        if (node.text or "").strip() or any((node.get(a) or "").strip() for a in ("alt", "aria-label", "title")):
            return True
        for child in node:
            if isinstance(child.tag, str):
                stack.append(child)
            if (child.tail or "").strip():
                return True
    return False


def _check_duplicate_ids(page: _Page) -> None:
    for ident, elements in page.ids.items():
        if ident and len(elements) > 1:
            for el in elements[1:]:
                page.hit("duplicate-id", el)


def _check_heading_order(page: _Page) -> None:
    """heading-order: a heading more than one level below the previous one (h2 then h4). The first may be any."""
    previous = None
    for level, el in page.headings:
        if previous is not None and level > previous + 1:
            page.hit("heading-order", el)
        previous = level


def _check_document_alternative(page: _Page) -> None:
    """document-html-alternative: own text under 200 characters next to a link to a document file."""
    if page.doc_link is None:
        return
    body = page.root.find("body")
    if body is not None and _own_text_length(page, body, _DOC_TEXT_MIN) < _DOC_TEXT_MIN:
        page.hit("document-html-alternative", page.doc_link)


def _own_text_length(page: _Page, body: etree._Element, enough: int) -> int:
    """Characters of rendered text outside header/nav/footer/aside and menus; stops counting at ``enough``."""
    total = 0
    stack: list[etree._Element] = [body]
    while stack and total < enough:
        node = stack.pop()
        if node.tag in _NO_TEXT_TAGS or node in page.invisible or (node is not body and is_chrome(node)):
            continue
        total += len(_collapse(node.text or ""))
        children = [child for child in node if isinstance(child.tag, str)]
        total += sum(len(_collapse(child.tail or "")) for child in node)
        stack.extend(reversed(children))
    return total


# --- tables -------------------------------------------------------------------------------------------------------


def _check_tables(page: _Page) -> None:
    for table in page.root.iter("table"):
        role = page.role(table)
        if role not in _TABLE_ROLES or page.excluded(table):
            continue
        rows = _table_rows(table)
        cells = [[_cell_of(page, c) for c in tr if c.tag in ("td", "th")] for tr in rows]
        _check_headers_attr(page, table, cells)
        _check_header_cells(page, rows, cells)
        if _needs_header(table, cells):
            page.hit("td-has-header", table)
    for grid in page.aria_tables:
        if page.role(grid) in _TABLE_ROLES and not page.excluded(grid):
            rows = [r for r in grid.iter() if r is not grid and _explicit_role(r) == "row"
                    and _nearest_table(r) is grid]
            cells = [[_cell_of(page, c) for c in row.iter() if c is not row and _is_aria_cell(c)
                      and _nearest_row(c) is row] for row in rows]
            _check_header_cells(page, rows, cells)


def _is_aria_cell(el: etree._Element) -> bool:
    return _explicit_role(el) in ("cell", "gridcell", "columnheader", "rowheader")


def _nearest_table(el: etree._Element) -> etree._Element | None:
    for anc in el.iterancestors():
        if anc.tag == "table" or _explicit_role(anc) in _TABLE_ROLES:
            return anc
    return None


def _nearest_row(el: etree._Element) -> etree._Element | None:
    for anc in el.iterancestors():
        if _explicit_role(anc) == "row" or anc.tag == "tr":
            return anc
    return None


def _table_rows(table: etree._Element) -> list[etree._Element]:
    """The tr elements of this table, not of tables nested in its cells."""
    nested = [t for t in table.iter("table") if t is not table]
    if not nested:
        return list(table.iter("tr"))
    inner: set[etree._Element] = set()
    for t in nested:
        inner.update(t.iter("tr"))
    return [tr for tr in table.iter("tr") if tr not in inner]


def _span(value: str | None, default: int, low: int, high: int) -> int:
    match = _TABINDEX.match(value or "")
    if not match:
        return default
    return max(low, min(high, int(match.group(1))))


def _cell_of(page: _Page, el: etree._Element) -> _Cell:
    """A cell as HTML's table model sees it; an explicit ARIA role overrides th/td."""
    role = _explicit_role(el)
    scope = (el.get("scope") or "").strip().lower()
    if role in ("columnheader", "rowheader"):
        header, scope = True, "col" if role == "columnheader" else "row"
    elif role in ("cell", "gridcell") or el.tag != "th":
        header = False
    else:
        header = True
        scope = {"col": "col", "row": "row", "colgroup": "group", "rowgroup": "group"}.get(scope, "auto")
    empty = not el.text_content().strip()   # axe judges a header by its text: an icon or <br> alone is empty
    return _Cell(el, 0, 0, _span(el.get("colspan"), 1, 1, 1000), _span(el.get("rowspan"), 1, 0, 65534),
                 header, scope if header else "", empty)


def _grid(cells: list[list[_Cell]]) -> dict[tuple[int, int], _Cell] | None:
    """HTML's table forming algorithm: every slot (x, y) -> the cell covering it; None when too big to model."""
    grid: dict[tuple[int, int], _Cell] = {}
    n_rows = len(cells)
    for y, row in enumerate(cells):
        x = 0
        for cell in row:
            while (x, y) in grid:
                x += 1
            height = n_rows - y if cell.h == 0 else min(cell.h, n_rows - y)
            cell.x, cell.y, cell.h = x, y, height
            if len(grid) + cell.w * height > _MAX_TABLE_SLOTS:
                return None
            for dx in range(cell.w):
                for dy in range(height):
                    grid.setdefault((x + dx, y + dy), cell)
            x += cell.w
    return grid


def _check_headers_attr(page: _Page, table: etree._Element, cells: list[list[_Cell]]) -> None:
    """td-headers-attr: each id in headers= must be a header cell (th, or role columnheader/rowheader) of this
    same table, and not the cell itself (ACT a25f45)."""
    by_element = {cell.el: cell for row in cells for cell in row}
    for cell in by_element.values():
        tokens = (cell.el.get("headers") or "").split()
        if not tokens or page.excluded(cell.el):
            continue
        for ident in tokens:
            target = page.ids.get(ident, [None])[0]
            target_cell = by_element.get(target) if target is not None else None
            if target_cell is None or target_cell is cell or not target_cell.header:
                page.hit("td-headers-attr", cell.el)
                break


def _check_header_cells(page: _Page, rows: list[etree._Element], cells: list[list[_Cell]]) -> None:
    """th-has-data-cells: a header cell must be the header of some other cell (ACT d0f69e).

    A header passes when HTML's algorithm for assigning header cells gives it a cell, or when axe-core's check
    finds one (see _HeaderModel.axe_assigned): axe is the more lenient where HTML's algorithm assigns nobody (a
    "Tổng" th in a data row and a data column, a header row that starts with a td, headers= naming no element),
    and a hit where axe passes would be a false failure. Header cells without text (axe's empty-table-header)
    and row/column group headers are not judged here."""
    targets = [c for row in cells for c in row
               if c.header and not c.empty and c.scope != "group" and not page.excluded(c.el)]
    if not targets:
        return
    grid = _grid(cells)
    if grid is None:
        return
    pending = set(map(id, targets))
    model = _HeaderModel(page, grid, cells)
    for row in cells:
        for cell in row:
            for header in model.headers_of(cell):
                pending.discard(id(header))
            if not pending:
                return
    referenced = {token for row in cells for c in row
                  for token in (c.el.get("headers") or "").split() + (c.el.get("aria-labelledby") or "").split()}
    for target in targets:
        if id(target) in pending and not model.axe_assigned(target, referenced):
            page.hit("th-has-data-cells", target.el)


class _HeaderModel:
    """HTML's "internal algorithm for scanning and assigning header cells", for one table."""

    def __init__(self, page: _Page, grid: dict[tuple[int, int], _Cell], cells: list[list[_Cell]]):
        self.page = page
        self.grid = grid
        self.by_id = {c.el.get("id"): c for row in cells for c in row if c.el.get("id")}
        self.rows_with_data = {y for (_, y), c in grid.items() if not c.header}
        self.cols_with_data = {x for (x, _), c in grid.items() if not c.header}
        self.n_rows = max((y + 1 for _, y in grid), default=0)

    def is_column_header(self, cell: _Cell) -> bool:
        if cell.scope == "col":
            return True
        return cell.scope == "auto" and not any(y in self.rows_with_data for y in range(cell.y, cell.y + cell.h))

    def is_row_header(self, cell: _Cell) -> bool:
        if cell.scope == "row":
            return True
        return (cell.scope == "auto" and not self.is_column_header(cell)
                and not any(x in self.cols_with_data for x in range(cell.x, cell.x + cell.w)))

    # axe-core 4.14's th-has-data-cells-evaluate, on the same grid: a header passes when a cell of the table
    # names its id in headers= or aria-labelledby, or when a column header (scope col/colgroup/auto) has below it,
    # in its first column, a cell that is not a column header whose headers are it (headers= naming it, or no
    # headers= that names any element: then every column header above counts), or a row header likewise to its
    # right. axe's "auto" (a th whose row and column are not all th) is both a column and a row header.

    def axe_scope(self, cell: _Cell) -> str:
        role = _explicit_role(cell.el)
        if role in ("columnheader", "rowheader"):
            return "col" if role == "columnheader" else "row"
        scope = (cell.el.get("scope") or "").strip().lower()
        if scope in ("col", "row", "colgroup", "rowgroup"):
            return scope
        if cell.el.tag != "th":
            return ""
        if all(c.el.tag == "th" for (_, y), c in self.grid.items() if y == cell.y):
            return "col"
        column = [self.grid.get((cell.x, y)) for y in range(self.n_rows)]
        if all(c is not None and c.el.tag == "th" for c in column):
            return "row"
        return "auto"

    def axe_assigned(self, header: _Cell, referenced: set[str]) -> bool:
        ident = header.el.get("id")
        if ident and ident in referenced:
            return True
        scope = self.axe_scope(header)
        if scope in ("col", "colgroup", "auto") and self._axe_finds(header, 0, 1, ("col", "colgroup", "auto")):
            return True
        return scope in ("row", "rowgroup", "auto") and self._axe_finds(header, 1, 0, ("row", "rowgroup", "auto"))

    def _axe_finds(self, header: _Cell, dx: int, dy: int, same_kind: tuple[str, ...]) -> bool:
        x, y = header.x + dx, header.y + dy
        while True:
            cell = self.grid.get((x, y))
            if cell is None:   # axe's traverse stops at the first empty slot
                return False
            if self.axe_scope(cell) not in same_kind:
                tokens = (cell.el.get("headers") or "").split()
                named = [self.page.ids[t][0] for t in tokens if t in self.page.ids]
                if not named or header.el in named:
                    return True
            x, y = x + dx, y + dy

    def headers_of(self, principal: _Cell) -> list[_Cell]:
        tokens = (principal.el.get("headers") or "").split()
        found: list[_Cell] = []
        if tokens:
            found = [self.by_id[t] for t in tokens if t in self.by_id]
        else:
            for y in range(principal.y, principal.y + principal.h):
                self._scan(principal, found, principal.x, y, -1, 0)
            for x in range(principal.x, principal.x + principal.w):
                self._scan(principal, found, x, principal.y, 0, -1)
        return [c for c in found if c is not principal and not c.empty]

    def _scan(self, principal: _Cell, found: list[_Cell], x: int, y: int, dx: int, dy: int) -> None:
        opaque: list[_Cell] = []
        in_block = principal.header
        block: list[_Cell] = [principal] if principal.header else []
        while True:
            x, y = x + dx, y + dy
            if x < 0 or y < 0:
                return
            cell = self.grid.get((x, y))
            if cell is None:
                continue
            if cell.header:
                in_block = True
                block.append(cell)
                if dx == 0:
                    blocked = (any(o.x == cell.x and o.w == cell.w for o in opaque)
                               or not self.is_column_header(cell))
                else:
                    blocked = (any(o.y == cell.y and o.h == cell.h for o in opaque)
                               or not self.is_row_header(cell))
                if not blocked:
                    found.append(cell)
            elif in_block:
                in_block = False
                opaque.extend(block)
                block = []


def _needs_header(table: etree._Element, cells: list[list[_Cell]]) -> bool:
    """td-has-header: a data table of 3+ rows and 2+ columns that has no th, scope, headers or header role.

    Layout tables (old portal templates are built of them) are left alone: role none/presentation, nested tables,
    form controls, embedded media or headings inside, or cells that mostly hold images rather than text.
    """
    if len(cells) < 3 or max((sum(c.w for c in row) for row in cells), default=0) < 2:
        return False
    all_cells = [c for row in cells for c in row]
    if len(all_cells) < 6 or any(c.header or c.el.get("scope") or c.el.get("headers") for c in all_cells):
        return False
    if table.get("datatable") == "0":
        return False
    for el in table.iter("table", "input", "select", "textarea", "button", "iframe", "object", "embed", "video",
                         "audio", *_HEADING_TAGS):
        if el is not table:
            return False
    with_text = sum(1 for c in all_cells if c.el.text_content().strip())
    with_image = sum(1 for c in all_cells if c.el.find(".//img") is not None)
    return with_text >= len(all_cells) / 2 and with_image < with_text


# --- entry points -------------------------------------------------------------------------------------------------


def check_tree(root: lxml.html.HtmlElement, url: str) -> list[StaticHit]:
    """All static rules on one parsed page (``root`` = the document element from parse_html).

    ``url`` is the page's address; no rule needs it yet (document links are judged by their href alone), but it
    keeps the signature stable for rules that will (same-site documents, skip links).
    """
    page = _Page(root)
    for el in page.candidates:
        _check_element(page, el)
    _check_document(page)
    _check_meta(page)
    _check_langs(page)
    _check_duplicate_ids(page)
    _check_heading_order(page)
    _check_tables(page)
    _check_document_alternative(page)
    return page.hits


def check_html(text: str, url: str) -> list[StaticHit]:
    """Parse with the crawl's parser and run check_tree; [] for input the parser gives up on."""
    root = parse_html(text)
    return [] if root is None else check_tree(root, url)

