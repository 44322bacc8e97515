"""Why a site could not be read or fully checked, in the report's language: the crawler's status line and the
accessibility stage's reason turned into words a webmaster understands, the machine's own detail (exception
names, errno, browser messages) folded away.

The crawl stores one English line per site (portal_audit/crawl/runner.py ``site_status``): "{kind}: {detail}"
for an unreachable site, "some pages could not be read: http_5xx 2, timeout 1" for a partial one, "crawl
stopped early ({finish reason})". The kind is a fetch_errors kind (portal_audit/errorkind.py ``ErrorKind``), so
it is translated from this table; the detail stays English, inside a ``<details>`` marked ``lang="en"``, for
whoever debugs the server. Lines of another shape are shown as they are, marked English.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from portal_audit.report.i18n import translations


def N_(message: str) -> str:
    """Marks a msgid for extraction (pybabel's default keywords include N_); translated when shown."""
    return message


KIND_LABELS = {
    "dns": N_("the address was not found (DNS)"),
    "timeout": N_("no answer in time"),
    "connection": N_("the connection failed or was refused"),
    "tls": N_("the secure connection (HTTPS certificate) failed"),
    "http": N_("the server answered with an error code"),
    "http_5xx": N_("server error (HTTP 5xx)"),
    "too_large": N_("page larger than the size limit"),
    "robots": N_("excluded by robots.txt"),
    "redirect_loop": N_("redirect loop"),
    "redirect_limit": N_("too many redirects"),
    "blocked_private": N_("address in a private network, not visited"),
    "blocked_scheme": N_("not a web address, not visited"),
    "trap": N_("endless family of addresses, not followed"),
    "budget": N_("page limit of the crawl reached"),
    "other": N_("other error"),
}
FINISH_LABELS = {
    "shutdown": N_("the run was stopped"),
    "closespider_timeout": N_("the site's time limit was reached"),
    "closespider_pagecount": N_("the page limit of the crawl was reached"),
    "closespider_itemcount": N_("the page limit of the crawl was reached"),
    "memusage_exceeded": N_("the memory limit was reached"),
}
PARTIAL = "some pages could not be read: "
_COUNT = re.compile(r"(\w+) (\d+)$")
_STOPPED = re.compile(r"crawl stopped early \((.*)\)$")
_KIND = re.compile(r"(\w+): (.*)$", re.S)


def kind_label(kind: str, lang: str) -> str:
    """A fetch_errors kind as words (the kind itself when it is not one the crawl writes)."""
    label = KIND_LABELS.get(kind)
    return translations(lang).gettext(label) if label else kind


def _detail(lang: str, text: str) -> Markup:
    summary = escape(translations(lang).gettext("technical detail"))
    return Markup('<details class="detail"><summary>{}</summary><span lang="en">{}</span></details>').format(
        summary, text)


def crawl_reason(text: str | None, lang: str) -> Markup:
    """The crawl's status line for a reader of ``lang``: translated words, the raw line folded inside."""
    if not text:
        return Markup("")
    if lang == "en":
        return Markup(escape(text))
    gettext = translations(lang).gettext
    if text.startswith(PARTIAL):
        parts = []
        for part in text[len(PARTIAL):].split(", "):
            match = _COUNT.match(part)
            parts.append(f"{kind_label(match[1], lang)}: {match[2]}" if match else part)
        return Markup("{}: {}").format(gettext("some pages could not be read"), "; ".join(parts))
    if match := _STOPPED.match(text):
        label = FINISH_LABELS.get(match[1])
        said = gettext(label) if label else match[1]
        return Markup("{}: {}").format(gettext("the crawl stopped early"), said)
    if text in ("the home page answered no usable page", "not crawled"):
        return Markup(escape(gettext(text)))
    match = _KIND.match(text)
    if match and match[1] in KIND_LABELS:
        return Markup("{} {}").format(kind_label(match[1], lang), _detail(lang, match[2]))
    return Markup('<span lang="en">{}</span>').format(text)


A11Y_TEMPLATES = {   # the accessibility stage's reasons (portal_audit/a11y/stage.py) → their words
    re.compile(r"site not crawled \((\w+): (.*)\)$", re.S): N_("site not crawled: %(why)s"),
    re.compile(r"render: none in the registry; .*$", re.S):
        N_("the registry says render: none, so the rules that need a browser (contrast, ARIA, focus) were not "
           "checked"),
    re.compile(r"rendered rules not checked: (.*)$", re.S): N_("no browser could be started%(detail)s"),
    re.compile(r"browser steps not run\b.*$", re.S):
        N_("the rules that need a browser (contrast, ARIA, focus) were not checked: the browser step was not run"),
    re.compile(r"no page could be rendered: (.*)$", re.S): N_("no page could be opened in the browser%(detail)s"),
    re.compile(r"(\d+) of (\d+) page\(s\) could not be rendered \((.*)\)$", re.S):
        N_("%(n)s of %(total)s pages could not be opened in the browser%(detail)s"),
}


def a11y_reason(text: str | None, lang: str) -> Markup:
    """The accessibility stage's reason for ``lang`` (its browser messages folded into a detail)."""
    if not text:
        return Markup("–")
    if lang == "en":
        return Markup(escape(text))
    gettext = translations(lang).gettext
    for pattern, msgid in A11Y_TEMPLATES.items():
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groups()
        if "%(why)s" in msgid:
            return Markup(escape(gettext(msgid))).replace("%(why)s", crawl_reason(groups[1], lang))
        detail = _detail(lang, groups[-1]) if groups and groups[-1] else Markup("")
        words = escape(gettext(msgid))
        if "%(n)s" in msgid:
            words = words.replace("%(n)s", groups[0]).replace("%(total)s", groups[1])
        return Markup(words).replace("%(detail)s", Markup(" ") + detail if detail else Markup(""))
    return Markup('<span lang="en">{}</span>').format(text)


# the fixed English lines above, for extraction and translation
N_("some pages could not be read")
N_("the crawl stopped early")
N_("the home page answered no usable page")
N_("not crawled")
N_("technical detail")
