"""The rule table and the vendored axe-core/Lighthouse files: complete, legally mapped, readable, untampered.

Reports quote these texts to webmasters and cite the law from ``tt32_art18``, so a missing rule, an empty or
half-converted Vietnamese text, or a vendored file that differs from the one the README vouches for would
all reach users. These tests need no browser; the one that re-derives the rule list from axe skips without.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from portal_audit.a11y.rules import RuleInfo, axe_script, axe_version, load_rules, rule_info

ROOT = Path(__file__).resolve().parents[1]
A11Y = ROOT / "portal_audit" / "a11y"
VENDOR = A11Y / "vendor"
README = (VENDOR / "README.md").read_text(encoding="utf-8")

ART18_POINTS = {"1(a)", "1(b)", "1(c)", "1(d)", "1(đ)"}
WCAG_LEVEL_TAGS = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

# Well-known rules and the success criteria axe tags them with.
KNOWN_SC = {
    "image-alt": {"1.1.1"}, "input-image-alt": {"1.1.1", "4.1.2"}, "area-alt": {"2.4.4", "4.1.2"},
    "object-alt": {"1.1.1"}, "svg-img-alt": {"1.1.1"}, "role-img-alt": {"1.1.1"}, "video-caption": {"1.2.2"},
    "color-contrast": {"1.4.3"}, "link-in-text-block": {"1.4.1"}, "html-has-lang": {"3.1.1"},
    "html-lang-valid": {"3.1.1"}, "valid-lang": {"3.1.2"}, "link-name": {"2.4.4", "4.1.2"}, "label": {"4.1.2"},
    "button-name": {"4.1.2"}, "frame-title": {"4.1.2"}, "meta-viewport": {"1.4.4"}, "marquee": {"2.2.2"},
    "blink": {"2.2.2"}, "meta-refresh": {"2.2.1"}, "document-title": {"2.4.2"}, "bypass": {"2.4.1"},
    "list": {"1.3.1"}, "td-headers-attr": {"1.3.1"}, "th-has-data-cells": {"1.3.1"},
    "autocomplete-valid": {"1.3.5"}, "avoid-inline-spacing": {"1.4.12"}, "html-lang-mismatch": {"3.1.1"},
}
# portal-audit's own rules (static checks axe has no counterpart for); html-lang-mismatch is WCAG 3.1.1, level A.
OWN_RULES = {"document-html-alternative", "html-lang-mismatch"}
BEST_PRACTICE = {"duplicate-id", "heading-order", "empty-heading", "page-has-heading-one", "landmark-one-main",
                 "region", "identical-links-same-purpose", "meta-viewport-large", "document-html-alternative"}
LEGAL = {
    "color-contrast": "1(a)", "link-in-text-block": "1(a)", "blink": "1(b)", "marquee": "1(b)",
    "meta-refresh": None, "image-alt": "1(c)", "input-image-alt": "1(c)", "area-alt": "1(c)", "object-alt": "1(c)",
    "svg-img-alt": "1(c)", "role-img-alt": "1(c)", "video-caption": "1(c)", "audio-caption": "1(c)",
    "link-name": "1(d)", "identical-links-same-purpose": "1(d)", "empty-heading": "1(d)", "heading-order": "1(d)",
    "page-has-heading-one": "1(d)", "document-html-alternative": None, "td-headers-attr": "1(đ)",
    "th-has-data-cells": "1(đ)", "td-has-header": "1(đ)", "table-duplicate-name": "1(đ)", "scope-attr-valid": "1(đ)",
    "label": None, "meta-viewport": None, "html-lang-mismatch": None,
}


@pytest.fixture(scope="module")
def rules() -> dict[str, RuleInfo]:
    return load_rules()


def vi_texts(rules: dict[str, RuleInfo]) -> list[tuple[str, str]]:
    return [(f"{r.id}.{field}", text) for r in rules.values()
            for field, text in (("title_vi", r.title_vi), ("help_vi", r.help_vi))]


def test_every_wcag_a_aa_rule_is_in_the_table(rules: dict[str, RuleInfo]) -> None:
    wcag = [r for r in rules.values() if r.level in ("A", "AA")]
    assert len(wcag) >= 60
    for rule_id, criteria in KNOWN_SC.items():
        assert set(rules[rule_id].wcag) == criteria, rule_id
        assert rules[rule_id].level in ("A", "AA"), rule_id
    assert rules["color-contrast"].level == "AA" and rules["image-alt"].level == "A"


def test_the_chosen_best_practice_rules_are_in_the_table(rules: dict[str, RuleInfo]) -> None:
    for rule_id in BEST_PRACTICE:
        assert rules[rule_id].level == "best-practice", rule_id


def test_fields_take_only_their_allowed_values(rules: dict[str, RuleInfo]) -> None:
    for r in rules.values():
        assert r.level in ("A", "AA", "best-practice"), r.id
        assert r.impact in ("minor", "moderate", "serious", "critical"), r.id
        assert r.tt32_art18 is None or r.tt32_art18 in ART18_POINTS, r.id
        assert r.vi_source in ("lighthouse", "portal-audit"), r.id
        assert all(re.fullmatch(r"[1-4]\.\d\.\d{1,2}", sc) for sc in r.wcag), r.id
        assert r.title_en and r.help_en, r.id
        if r.help_url is not None:
            assert r.help_url.startswith(f"https://dequeuniversity.com/rules/axe/{axe_version()[:4]}/"), r.id
            assert "?" not in r.help_url, r.id
    assert rules["image-alt"].impact == "critical" and rules["color-contrast"].impact == "serious"


def test_legal_mapping_follows_circular_32_article_18(rules: dict[str, RuleInfo]) -> None:
    for rule_id, point in LEGAL.items():
        assert rules[rule_id].tt32_art18 == point, rule_id
        assert rules[rule_id].legally_required_vn is (point is not None), rule_id
    assert {r.tt32_art18 for r in rules.values()} - {None} == ART18_POINTS


def test_vietnamese_texts_are_present_nfc_and_plain(rules: dict[str, RuleInfo]) -> None:
    for where, text in vi_texts(rules):
        assert text.strip(), where
        assert unicodedata.is_normalized("NFC", text), where
        assert not re.search(r"\]\(|https?://", text), f"{where}: leftover Markdown link: {text}"
        assert "Learn more" not in text and "Tìm hiểu thêm" not in text, where
        assert text == " ".join(text.split()), f"{where}: stray whitespace"


def test_lighthouse_texts_come_from_the_vendored_strings(rules: dict[str, RuleInfo]) -> None:
    messages = json.loads((VENDOR / "lighthouse-vi.json").read_text(encoding="utf-8"))
    # Every rule's Vietnamese is now written by the project (tests/test_a11y_rule_texts.py); a rule the generator
    # fills from Lighthouse after an axe upgrade must still come from the vendored strings.
    from_lighthouse = [r for r in rules.values() if r.vi_source == "lighthouse"]
    for r in from_lighthouse:
        assert f"core/audits/accessibility/{r.id}.js | description" in messages, r.id


def test_vendored_lighthouse_strings_are_only_accessibility() -> None:
    messages = json.loads((VENDOR / "lighthouse-vi.json").read_text(encoding="utf-8"))
    assert "core/audits/accessibility/image-alt.js | failureTitle" in messages
    assert "core/config/default-config.js | a11yCategoryTitle" in messages
    for key, value in messages.items():
        assert "accessibility" in key.lower() or "| a11y" in key, key
        assert set(value) >= {"message"}, key


def test_table_yaml_is_hand_readable_and_complete() -> None:
    data = yaml.safe_load((A11Y / "data" / "rules.yaml").read_text(encoding="utf-8"))
    fields = {"wcag", "level", "impact", "tt32_art18", "title", "help", "vi_source", "help_url"}
    for rule_id, entry in data.items():
        assert set(entry) == fields, rule_id
        assert set(entry["title"]) == set(entry["help"]) == {"vi", "en"}, rule_id


def test_axe_version_matches_the_readme_and_the_bundle() -> None:
    assert axe_version() == "4.14.1"
    assert f"| axe-core | {axe_version()} |" in README
    assert axe_script().startswith(f"/*! axe v{axe_version()}\n")
    assert "Mozilla Public" in axe_script()[:600]  # the licence header is kept


def test_vendored_files_match_the_readme_checksums() -> None:
    rows = re.findall(r"^\| `([^`]+)` \| \S+ \| (\d+) \| `([0-9a-f]{64})` \|$", README, flags=re.M)
    assert {name for name, _, _ in rows} >= {"axe.min.js", "axe-core.LICENSE.txt", "lighthouse-vi.json",
                                             "lighthouse.LICENSE.txt"}
    for name, size, sha256 in rows:
        data = (VENDOR / name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (int(size), sha256), name


def test_licence_files_are_shipped() -> None:
    assert "Mozilla Public License" in (VENDOR / "axe-core.LICENSE.txt").read_text(encoding="utf-8")
    assert "Apache License" in (VENDOR / "lighthouse.LICENSE.txt").read_text(encoding="utf-8")
    assert "MIT License" in (VENDOR / "axe-core.LICENSE-3RD-PARTY.txt").read_text(encoding="utf-8")


def test_unknown_rule_gets_a_fallback_entry() -> None:
    info = rule_info("no-such-rule-xyz")
    assert (info.id, info.level, info.impact, info.title_vi, info.title_en) == (
        "no-such-rule-xyz", "best-practice", "moderate", "no-such-rule-xyz", "no-such-rule-xyz")
    assert info.wcag == () and info.tt32_art18 is None and not info.legally_required_vn
    assert rule_info("image-alt") is load_rules()["image-alt"]


def test_table_matches_the_rules_axe_reports_in_a_browser(rules: dict[str, RuleInfo]) -> None:
    """The browser-free tests above trust the generator; this one re-derives the list where Chromium exists."""
    from portal_audit.render.browser import BrowserUnavailable, launch

    try:
        with launch() as browser:
            page = browser.new_page()
            page.set_content("<!doctype html><html lang='en'><title>t</title></html>")
            page.add_script_tag(content=axe_script())
            axe_rules = page.evaluate("() => axe.getRules().map(r => ({id: r.ruleId, tags: r.tags}))")
    except BrowserUnavailable as exc:
        pytest.skip(f"no browser: {exc}")
    wcag_ids = {r["id"] for r in axe_rules if WCAG_LEVEL_TAGS & set(r["tags"])}
    assert wcag_ids <= set(rules)
    assert {rule_id for rule_id, r in rules.items() if r.level in ("A", "AA")} - OWN_RULES == wcag_ids
