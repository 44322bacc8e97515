"""A check's reason in the report's language: its template translated by the catalogue, its parameters filled in.

The audit engine writes each reason in English and keeps the template and parameters it came from
(portal_audit/reasons.py; export fields ``reason_template`` and ``reason_params``). When the report
language's catalogue translates the template, the reason is shown translated; otherwise (no template, or no
translation) ``translated_reason`` returns None and the template shows the English text marked ``lang="en"``.
Parameters are never translated except list items and strings that are registered labels
(``reason_label``); parts of a joined reason without a translation stay English, marked as such.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import Any

from markupsafe import Markup, escape

from portal_audit import unit_types
from portal_audit.report.crawl_reasons import crawl_reason, kind_label
from portal_audit.report.i18n import translations

_FIELDS = re.compile(r"\{[^{}]*\}")


@cache
def labels() -> frozenset[str]:
    """Words the engine lists in reasons (registered when the audit modules are imported)."""
    from portal_audit.reasons import LABELS

    for module in ("portal_audit.audit.detectors", "portal_audit.audit.technical"):
        importlib.import_module(module)  # importing the engine modules registers their labels

    return frozenset(LABELS) | {unit_types.label(code) for code in unit_types.codes()}


def _gettext(lang: str, message: str) -> str | None:
    """The catalogue's translation of ``message``; None when it has none. A template with no words outside its
    placeholders ("{part0}; {part1}") translates to itself."""
    if not re.search(r"[^\W\d_]", _FIELDS.sub("", message)):
        return message
    if lang == "en":
        return message
    translated = translations(lang).gettext(message)
    return translated if translated != message else None


def _label(lang: str, value: str) -> str:
    return (_gettext(lang, value) or value) if value in labels() else value


def _param(lang: str, value: Any) -> Any:
    if isinstance(value, dict):
        if "crawl" in value:
            return crawl_reason(value["crawl"], lang)
        if "kind" in value:
            return kind_label(value["kind"], lang)
        if "code" in value:
            return Markup("<code>{}</code>").format(value["code"])
        if "template" in value:
            nested = _render(lang, value["template"], value.get("params") or {})
            if nested is not None:
                return nested
            return Markup('<span lang="en">{}</span>').format(_english(value))
        return Markup('<span lang="en">{}</span>').format(value.get("text", ""))
    if isinstance(value, list):
        return ", ".join(_label(lang, str(v)) for v in value)
    if isinstance(value, str):
        return _label(lang, value)
    return value


def _english(value: dict[str, Any]) -> str:
    from portal_audit.reasons import Reason

    return str(Reason(value["template"], value.get("params") or {}))


def _render(lang: str, template: str, params: dict[str, Any]) -> Markup | None:
    translated = _gettext(lang, template)
    if translated is None:
        return None
    try:
        return Markup(escape(translated)).format(**{k: _param(lang, v) for k, v in params.items()})
    except (KeyError, IndexError, ValueError):  # a translation whose placeholders do not fit: show the English
        return None


def translated_snippet(evidence: dict[str, Any], lang: str) -> Markup | str | None:
    """An evidence snippet in ``lang``: translated when the engine wrote it (``snippet_template``), else as the
    page had it (a quote is never translated)."""
    template = evidence.get("snippet_template")
    params = evidence.get("snippet_params") or {}
    if template and lang != "en" and isinstance(params, dict):
        translated = _render(lang, template, params)
        if translated is not None:
            return translated
        return Markup('<span lang="en">{}</span>').format(evidence.get("snippet") or "")
    return evidence.get("snippet")


def translated_reason(check: dict[str, Any], lang: str) -> Markup | None:
    """The check's reason in ``lang`` (escaped HTML), or None when the English ``reason`` must be shown."""
    template = check.get("reason_template")
    if not template or lang == "en":
        return None
    params = check.get("reason_params") or {}
    if not isinstance(params, dict):
        return None
    return _render(lang, template, params)
