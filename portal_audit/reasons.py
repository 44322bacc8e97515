"""Finding reasons that can be translated: the English text plus the template and parameters it came from.

``reason("{n} of {total} document(s) cannot be downloaded", n=1, total=4)`` is the str
"1 of 4 document(s) cannot be downloaded" (a ``Reason``: every caller, comparison and test sees the English
text as before) that also keeps ``.template`` and ``.params``. The store and the export carry both, and the
report translates the template (a msgid of reports/locale/*/messages.po) and fills in the same parameters.

Parameters are JSON-safe: numbers, strings, lists of strings (shown joined with ", "; items made with
``reason_label`` are words the report translates), and, for reasons joined by ``join_reasons``, nested
``{"template", "params"}`` (or ``{"text"}`` for a plain English part, also made by ``english`` for a
parameter that is English text from elsewhere, such as a crawl error). Names from checklists, URLs, header
names, numbers and dates are parameters and are never translated.

One home on the bottom floor, because every stage words reasons: the inspectors of portal_audit/technical
(headers, TLS, DNS), the render notes and the audit's detectors all return Reasons, so nothing is matched back
from English text. A reason a gather stage stores for a later judge (a host fact's certificate or DNS problem)
is written with ``stored`` and read back with ``from_stored``, keeping its template and parameters.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import Any

LABELS: set[str] = set()


def placeholders(template: str) -> set[str]:
    """The named fields of a format template ("{n} of {total}" → {"n", "total"})."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _english(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        for key in ("text", "crawl", "kind", "code"):
            if key in value:
                return value[key]
        return value["template"].format(
            **{k: _english(v) for k, v in (value.get("params") or {}).items()})
    return value


def _json_safe(value: Any) -> Any:
    if isinstance(value, Reason):
        return value.as_dict()
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return str(value)


class Reason(str):
    """A reason's English text (the str itself) with the template and parameters it was made from."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, params: dict[str, Any]) -> Reason:
        safe = {k: _json_safe(v) for k, v in params.items()}
        text = template.format(**{k: _english(v) for k, v in safe.items()})
        obj = super().__new__(cls, text)
        obj.template = template
        obj.params = safe
        return obj

    def as_dict(self) -> dict[str, Any]:
        return {"template": self.template, "params": self.params}

    def __reduce__(self) -> tuple[Any, ...]:
        return (Reason, (self.template, self.params))


def reason(template: str, **params: Any) -> Reason:
    """The reason ``template.format(**params)``, keeping template and params for translation."""
    return Reason(template, params)


def english(text: Any) -> dict[str, str]:
    """A parameter that is English text from elsewhere (a crawl error, an exception message): shown as is, and
    marked as English inside a translated reason."""
    return {"text": str(text)}


def crawl_line(text: Any) -> dict[str, str]:
    """A parameter that is a site's crawl status line (crawl/runner.py ``site_status``) or a fetch error line
    ("{kind}: {detail}", as host facts write them): the report words it through
    portal_audit/report/crawl_reasons.py instead of showing the machine's English."""
    return {"crawl": str(text)}


def code(text: Any) -> dict[str, str]:
    """A parameter that is a machine identifier (a certificate's distinguished name, a header value): shown as
    code, never translated."""
    return {"code": str(text)}


def error_kind(kind: Any) -> dict[str, str]:
    """A parameter that is a fetch_errors kind ("timeout", "too_large"): the report shows it as words."""
    return {"kind": str(kind)}


def reason_label(label: str) -> str:
    """An English word or phrase a reason lists ("person responsible"): returned as is, registered so the
    report translates it where it appears as a list item."""
    LABELS.add(label)
    return label


def join_reasons(parts: Iterable[str | None], sep: str = "; ") -> str | None:
    """Reasons joined by ``sep`` (the English text as ``sep.join`` gives it). Parts that are Reasons stay
    translatable: the result's template is "{part0}; {part1}" with each part nested in the params."""
    kept = [p for p in parts if p]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    if not any(isinstance(p, Reason) for p in kept):
        return sep.join(kept)
    template = sep.join(f"{{part{i}}}" for i in range(len(kept)))
    nested = {f"part{i}": p.as_dict() if isinstance(p, Reason) else {"text": str(p)} for i, p in enumerate(kept)}
    return Reason(template, nested)


def split_reason(value: Any) -> tuple[str | None, dict[str, Any] | None]:
    """(template, params) of a reason for the store and the export; (None, None) for a plain string."""
    if isinstance(value, Reason):
        return value.template, value.params
    return None, None


def stored(value: str | None) -> str | dict[str, Any] | None:
    """A reason in the JSON form a gather stage stores (host_facts) and a later judge reads back with
    ``from_stored``: a Reason as its template, params and English text, plain text as is."""
    if isinstance(value, Reason):
        return {**value.as_dict(), "text": str(value)}
    return value


def from_stored(value: Any) -> str | None:
    """The reason ``stored`` wrote: a Reason again when it kept its template. Anything else (a fact written
    by a portal-audit that stored English prose) is its text as is, shown untranslated."""
    if isinstance(value, dict):
        if "template" in value:
            return Reason(value["template"], value.get("params") or {})
        return None if value.get("text") is None else str(value["text"])
    return None if value is None else str(value)
