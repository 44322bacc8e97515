"""The report's words: every label goes through gettext, the Vietnamese catalogue is complete, English differs.

Messages are extracted from the templates with Babel and Jinja2's own extractor (and from the report's Python
code with Babel's), as ``pybabel extract -F reports/babel.cfg`` would.
"""

from __future__ import annotations

import io
import re
from importlib import resources

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import ROOT
from test_report_render import synthetic_document

from portal_audit.report import render_report
from portal_audit.report.i18n import po_text, translations

TEMPLATES = ROOT / "reports" / "templates"
METHODS = [("portal_audit/report/**.py", "python"), ("reports/templates/**.j2", "jinja2.ext:babel_extract")]
OPTIONS = {"reports/templates/**.j2": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                       "lstrip_blocks": "true"}}


def extracted() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), METHODS, OPTIONS):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def catalogue(lang: str) -> dict[str, str]:
    catalog = read_po(io.BytesIO(po_text(lang)), locale=lang)
    return {m.id: m.string for m in catalog if m.id}


def test_templates_are_found_and_use_gettext() -> None:
    messages = extracted()
    assert len(messages) > 150
    files = {loc.split(":")[0] for locs in messages.values() for loc in locs}
    assert {"reports/templates/index.html.j2", "reports/templates/site.html.j2",
            "reports/templates/macros.html.j2", "portal_audit/report/model.py"} <= files


def test_every_msgid_has_a_vietnamese_translation_with_the_same_placeholders() -> None:
    vi = catalogue("vi")
    missing = [f"{m} ({', '.join(locs)})" for m, locs in extracted().items() if not vi.get(m, "").strip()]
    assert not missing, "untranslated in vi:\n" + "\n".join(missing)
    for msgid, text in vi.items():
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", text)), msgid


def test_the_english_catalogue_lists_every_msgid() -> None:
    en = catalogue("en")
    assert not [m for m in extracted() if m not in en]


def test_no_words_outside_gettext_in_templates() -> None:
    """Text between tags of the templates, with Jinja blocks removed, is punctuation only."""
    for template in TEMPLATES.glob("*.j2"):
        source = template.read_text(encoding="utf-8")
        stripped = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", " ", source, flags=re.S)
        stripped = re.sub(r"<(style|svg)\b.*?</\1>", " ", stripped, flags=re.S)
        texts = re.findall(r">([^<]+)<", stripped)
        words = [t.strip() for t in texts if re.search(r"[^\W\d_]{2,}", t)]
        allowed = {"summary.json", "findings.csv", "portal-audit", "/ 100"}
        leftovers = [w for w in words if not any(w.replace(" ", "") == a.replace(" ", "") for a in allowed)
                     and not all(part in allowed or not re.search(r"[^\W\d_]{2,}", part) for part in w.split())]
        assert not leftovers, f"{template.name}: {leftovers}"


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    pages = {}
    for lang in ("vi", "en"):
        out = tmp_path_factory.mktemp(lang)
        render_report(synthetic_document(), out, lang=lang)
        pages[lang] = (out / "index.html").read_text("utf-8") + (out / "sites" / "site-0.html").read_text("utf-8")
    return pages


def test_vi_and_en_renderings_differ_and_declare_their_language(both: dict[str, str]) -> None:
    assert '<html lang="vi">' in both["vi"] and '<html lang="en">' in both["en"]
    assert "Xếp hạng các trang" in both["vi"] and "Ranking of the sites" in both["en"]
    assert "Ranking of the sites" not in both["vi"]
    assert "82,5" in both["vi"] and "82.5" in both["en"]  # numbers in each language's style


def test_catalogues_load_through_babel_translations() -> None:
    assert translations("vi").gettext("Score") == "Điểm"
    assert translations("en").gettext("Score") == "Score"
    assert resources.files("portal_audit.reports").joinpath("templates/index.html.j2").is_file()


# --- the audit engine's reasons (portal_audit/reasons.py) ---------------------------------------------

REASON_KEYWORDS = {"reason": None, "reason_label": None}
# Where reasons are worded: the audit, and the inspectors whose findings it judges (headers, TLS, DNS).
REASON_PACKAGES = ("audit", "technical")


def reason_msgids() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for package in REASON_PACKAGES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
                str(ROOT / "portal_audit" / package), [("**.py", "python")], keywords=REASON_KEYWORDS):
            found.setdefault(message, []).append(f"portal_audit/{package}/{filename}:{lineno}")
    return found


def test_every_engine_reason_has_a_vietnamese_translation_with_the_same_placeholders() -> None:
    from portal_audit.reasons import placeholders

    messages = reason_msgids()
    assert len(messages) > 100 and "{n} of {total} document(s) cannot be downloaded" in messages
    assert "person responsible" in messages and "missing: {names}" in messages
    vi, en = catalogue("vi"), catalogue("en")
    missing = [f"{m} ({', '.join(locs)})" for m, locs in messages.items() if not vi.get(m, "").strip()]
    assert not missing, "engine reasons untranslated in vi:\n" + "\n".join(missing)
    assert not [m for m in messages if m not in en]
    for msgid in messages:
        assert placeholders(msgid) == placeholders(vi[msgid]), msgid


def test_babel_cfg_extracts_the_engine_modules() -> None:
    cfg = (ROOT / "reports" / "babel.cfg").read_text(encoding="utf-8")
    assert all(f"[python: portal_audit/{package}/**.py]" in cfg for package in REASON_PACKAGES)
    assert all(f"-k {keyword}" in cfg for keyword in REASON_KEYWORDS)


def test_the_catalogues_hold_no_message_that_nothing_uses() -> None:
    """A msgid no template, report module or engine reason asks for is a leftover: translators would keep
    polishing words no reader sees."""
    used = set(extracted()) | set(reason_msgids())
    for lang in ("vi", "en"):
        stale = sorted(m for m in catalogue(lang) if m not in used)
        assert not stale, f"{lang}: unused msgids:\n" + "\n".join(stale)
