"""Audit engine behaviour that the demo cannot show: a crashing detector, regime choice, dates."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from conftest import ScriptedServer

from portal_audit.audit import detectors
from portal_audit.audit.checklist import default_checklists
from portal_audit.audit.dates import find_dates, newest, working_days_between
from portal_audit.audit.engine import audit_run
from portal_audit.store import Store
from portal_audit.text import fold


def test_vietnamese_date_formats() -> None:
    text = fold("Thứ Hai, 23/11/2026 · Cập nhật 24-11-2026 08:30 · Ngày 5 tháng 12 năm 2026 · 2026-11-20 · "
                "Đăng ngày 11 - 11 - 2023 · số 12/2026/QĐ-UBND")
    found = set(find_dates(text))
    assert {date(2026, 11, 23), date(2026, 11, 24), date(2026, 12, 5), date(2026, 11, 20), date(2023, 11, 11)} <= found
    assert newest(found, date(2026, 11, 26)) == date(2026, 11, 24)  # a deadline ahead is not "news"
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 27)) == 5


def test_regime_in_force_on_the_crawl_date_plus_technical_and_baseline() -> None:
    assert default_checklists(date(2026, 11, 26)) == ["decree-224-2026", "technical", "decree-43-2011"]
    assert default_checklists(date(2024, 1, 1)) == ["decree-42-2022", "technical", "decree-43-2011"]
    # Circular 32/2017 (HTTPS, layout, mobile, IPv6) came into force on 2018-06-01.
    assert default_checklists(date(2015, 1, 1)) == ["decree-43-2011"]


def _crawled(tmp_path: Path, scripted_server: ScriptedServer, cli, site_id: str, name: str) -> Path:
    """The scripted server crawled as one department's site (no browser), into tmp_path/audit.db."""
    config = tmp_path / "sites.yaml"
    config.write_text(f"""province: T
defaults: {{allow_private_networks: ["127.0.0.1/32"], delay: 0, retries: 0, render: none}}
sites:
  - {{id: {site_id}, name: "{name}", unit_type: so_ban_nganh, url: "{scripted_server.base}/"}}
""", encoding="utf-8")
    db = tmp_path / "audit.db"
    assert cli("crawl", "--config", str(config), "--db", str(db), "-q").returncode == 0
    return db


def test_a_crashing_detector_makes_its_items_not_checked_and_the_audit_goes_on(
        tmp_path: Path, scripted_server: ScriptedServer, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    scripted_server.page("/", '<html lang="vi"><title>Sở Y tế</title><body><nav><a href="/tin-tuc">Tin tức</a>'
                              '</nav><p>Địa chỉ: số 1 đường Lê Lợi. Điện thoại: 0237 3852 123</p></body></html>')
    scripted_server.page("/tin-tuc", "<html><title>Tin tức - sự kiện</title><h1>Tin tức</h1>"
                                     "<p>" + "Hoạt động của Sở trong tháng. " * 20 + "</p></html>")
    db = _crawled(tmp_path, scripted_server, cli, "syt", "Sở Y tế")

    def broken(corpus: object, spec: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(detectors.DETECTORS, "nav_link", broken)
    store = Store(db)
    try:
        counts = audit_run(store, None, ["decree-43-2011"])
        rows = list(store.query("SELECT item_id, outcome, reason FROM findings"))
    finally:
        store.close()
    crashed = [r for r in rows if r["outcome"] == "not_checked"]
    assert crashed and all("detector error: RuntimeError: boom" in r["reason"] for r in crashed)
    assert counts.get("passed", 0) + counts.get("failed", 0) + counts.get("partial", 0) > 0  # the rest was judged


def test_a_reason_is_its_english_text_and_keeps_template_and_params() -> None:
    import json
    import pickle

    from portal_audit.reasons import Reason, join_reasons, reason, reason_label

    bad, docs = 1, 4
    made = reason("{n} of {total} document(s) cannot be downloaded", n=bad, total=docs)
    assert isinstance(made, str) and isinstance(made, Reason)
    assert made == f"{bad} of {docs} document(s) cannot be downloaded"
    assert made.template == "{n} of {total} document(s) cannot be downloaded"
    assert made.params == {"n": 1, "total": 4}
    assert json.loads(json.dumps(made.params)) == made.params
    assert json.dumps(made) == json.dumps(str(made))  # stored and exported as the plain text
    assert pickle.loads(pickle.dumps(made)).params == made.params
    assert "cannot be downloaded" in made and made.startswith("1 of 4")

    listed = reason("footer lacks: {items}", items=[reason_label("person responsible"), "e-mail"])
    assert listed == "footer lacks: " + ", ".join(["person responsible", "e-mail"])
    assert listed.params == {"items": ["person responsible", "e-mail"]}

    joined = join_reasons([reason("missing: {names}", names="A; B"), "crawl note", None])
    assert joined == "missing: A; B; crawl note"
    assert isinstance(joined, Reason) and joined.template == "{part0}; {part1}"
    assert joined.params == {"part0": {"template": "missing: {names}", "params": {"names": "A; B"}},
                             "part1": {"text": "crawl note"}}
    assert Reason(joined.template, json.loads(json.dumps(joined.params))) == joined  # JSON round trip
    assert join_reasons(["a", "b"]) == "a; b" and not isinstance(join_reasons(["a", "b"]), Reason)
    assert join_reasons([]) is None



def test_a_stored_reason_comes_back_with_its_template_and_old_prose_as_is() -> None:
    """What a gather stage stores (host_facts JSON) the audit reads back translatable, never by matching text."""
    import json

    from portal_audit.reasons import Reason, crawl_line, from_stored, join_reasons, reason, stored

    made = join_reasons([reason("zone {zone} is signed (validated DS)", zone="gov.vn"),
                         reason("TLS not checked: {error}", error=crawl_line("timeout"))])
    kept = json.loads(json.dumps(stored(made)))
    assert kept["text"] == str(made)  # readable in the database as it is
    back = from_stored(kept)
    assert isinstance(back, Reason) and back == made
    assert (back.template, back.params) == (made.template, made.params)
    # A fact written by a portal-audit that stored English prose is shown as it is: no template, no guess.
    old = from_stored("HSTS max-age is 30 day(s), less than 180")
    assert old == "HSTS max-age is 30 day(s), less than 180" and not isinstance(old, Reason)
    assert stored("plain") == "plain" and from_stored({"text": "plain"}) == "plain"
    assert stored(None) is None and from_stored(None) is None


def _patterns(value: object) -> list[re.Pattern[str]]:
    if isinstance(value, re.Pattern):
        return [value]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _patterns(v)]
    if isinstance(value, (list, tuple)):
        return [p for v in value for p in _patterns(v)]
    return []


def test_patterns_matched_on_folded_text_are_written_folded() -> None:
    """The detectors match fold()ed text (no diacritics): a pattern with "ẩ" in it can never match. Patterns
    compiled with re.I read raw markup (class names) and are left out; contacts.py and services.py also read
    raw text (names, "Tên thủ tục") on purpose, so only detectors.py is held to it."""
    patterns = [p for name, v in vars(detectors).items() if not name.startswith("__")
                for p in _patterns(v) if not p.flags & re.I]
    assert len(patterns) > 10
    unfolded = [p.pattern for p in patterns if fold(p.pattern) != p.pattern.lower()]
    assert not unfolded, unfolded


def test_the_audit_judges_static_accessibility_rules_without_a_browser_and_atomically(
        tmp_path: Path, scripted_server: ScriptedServer, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from portal_audit.a11y.summary import site_accessibility
    from portal_audit.audit import engine

    scripted_server.page("/", '<html lang="vi"><title>Sở Tư pháp</title><body><a href="/van-ban">Văn bản</a>'
                              '<img src="/logo.png"></body></html>')
    scripted_server.page("/van-ban", '<html lang="vi"><title>Văn bản</title><body><h1>Văn bản</h1>'
                                     '<iframe src="/khung"></iframe></body></html>')
    db = _crawled(tmp_path, scripted_server, cli, "stp", "Sở Tư pháp")
    store = Store(db)
    try:
        run_id = store.run()["id"]
        axe = {"run_id": run_id, "site_id": "stp", "url": scripted_server.base + "/", "template_fp": None,
               "source": "axe", "rule": "color-contrast", "outcome": "violation", "impact": "serious",
               "node_count": 1, "nodes": "[]"}
        store.db["a11y_results"].insert(axe)   # as the render stage would have left it
        query = "SELECT source, rule, url, node_count, nodes FROM a11y_results ORDER BY source, rule, url"
        assert site_accessibility(store, run_id, "stp")["status"]["static"] == "not_checked"  # not audited yet
        audit_run(store, None, ["decree-43-2011"])
        first = list(store.query(query))
        # Crawled and audited, never rendered: the static rules were checked, the rendered ones were not.
        status = site_accessibility(store, run_id, "stp")["status"]
        assert (status["static"], status["rendered"]) == ("checked", "not_checked")
        assert status["reason"].startswith("browser steps not run")
        findings = list(store.query("SELECT * FROM findings ORDER BY rowid"))
        audit_run(store, None, ["decree-43-2011"])
        assert list(store.query(query)) == first   # judged again, the same rows
        static = {(r["rule"], r["url"].removeprefix(scripted_server.base)) for r in first if r["source"] == "static"}
        assert {("image-alt", "/"), ("frame-title", "/van-ban")} <= static
        assert [r["rule"] for r in first if r["source"] == "axe"] == ["color-contrast"]   # the browser's are kept

        def interrupted(*args: object) -> None:
            raise KeyboardInterrupt

        # A judgement that would find no static problem, interrupted after the site's static rows were replaced
        # (the items come next): the old rows must come back.
        monkeypatch.setattr(engine, "static_results", lambda *args: [])
        monkeypatch.setattr(engine, "judge_item", interrupted)
        with pytest.raises(KeyboardInterrupt):
            audit_run(store, None, ["decree-43-2011"])
        assert list(store.query(query)) == first   # an interrupted audit leaves the previous judgement whole
        assert list(store.query("SELECT * FROM findings ORDER BY rowid")) == findings
    finally:
        store.close()
