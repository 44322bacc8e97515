"""Which pages the browser audits: templates first, pages that matter, the budget, and the modes."""

from __future__ import annotations

from portal_audit.a11y.sampling import Candidate, choose_pages, menu_targets


def _site(n_articles: int = 300) -> list[Candidate]:
    pages = [Candidate("http://x.vn/", "home", 0, "Trang chủ"),
             Candidate("http://x.vn/lien-he", "static", 1, "Liên hệ"),
             Candidate("http://x.vn/gioi-thieu", "static", 1, "Giới thiệu"),
             Candidate("http://x.vn/thu-tuc-hanh-chinh", "list", 1, "Thủ tục hành chính")]
    pages += [Candidate(f"http://x.vn/tin-tuc/{i}", "article", 2, f"Tin {i}") for i in range(n_articles)]
    pages += [Candidate(f"http://x.vn/tthc/{i}", "procedure", 2, f"Thủ tục {i}") for i in range(40)]
    return pages


def test_every_template_is_seen_before_any_gets_a_second_page():
    chosen = choose_pages(_site(), mode="sample", budget=6, per_template=3)
    templates = {c.url: c for c in _site()}
    fps = [templates[c.url].template_fp for c in chosen]
    assert chosen[0].url == "http://x.vn/" and chosen[0].reason == "home"
    assert set(fps) == {"home", "static", "list", "article", "procedure"}
    assert len(chosen) == 6


def test_budget_and_per_template_bound_the_sample():
    chosen = choose_pages(_site(), mode="sample", budget=40, per_template=2)
    templates = {c.url: c.template_fp for c in _site()}
    per_fp: dict[str | None, int] = {}
    for c in chosen:
        per_fp[templates[c.url]] = per_fp.get(templates[c.url], 0) + 1
    assert len(chosen) <= 40
    assert per_fp["article"] == 2  # 300 articles, still two pages of their template
    reasons = {c.url: c.reason for c in chosen}
    assert reasons["http://x.vn/lien-he"] in ("contact", "template")
    assert "http://x.vn/lien-he" in reasons
    # Service pages matter, but do not take the whole budget.
    assert 1 <= sum(1 for c in chosen if "/tthc/" in c.url) <= 10


def test_contact_page_found_without_diacritics_or_english():
    pages = [Candidate("http://x.vn/", "a", 0, None), Candidate("http://x.vn/contact-us", "a", 1, None),
             Candidate("http://x.vn/p/17", "a", 1, "Góp ý, hỏi đáp")]
    urls = [c.url for c in choose_pages(pages, mode="sample", budget=10, per_template=1)]
    assert "http://x.vn/contact-us" in urls and "http://x.vn/p/17" in urls


def test_menu_targets_are_rendered():
    pages = _site(20)
    chosen = choose_pages(pages, mode="sample", budget=12, per_template=1, menu=["http://x.vn/gioi-thieu"])
    # Same template as the contact page, which already represents it: only the menu brings it in.
    assert ("http://x.vn/gioi-thieu", "menu") in {(c.url, c.reason) for c in chosen}
    assert "http://x.vn/gioi-thieu" not in {c.url for c in choose_pages(pages, mode="sample", budget=12,
                                                                         per_template=1)}


def test_modes_all_and_none():
    pages = _site(10)
    assert choose_pages(pages, mode="none", budget=5, per_template=1) == []
    everything = choose_pages(pages, mode="all", budget=5, per_template=1)
    assert len(everything) == len(pages) and {c.reason for c in everything} == {"all"}


def test_menu_targets_reads_navigation_containers_only():
    html = """<html><body><div id="main-menu"><ul><li><a href="/gioi-thieu">Giới thiệu</a></li>
    <li><a href="javascript:void(0)">x</a></li></ul></div>
    <div class="content"><a href="/tin-tuc/1">Tin</a></div><nav><a href="lien-he#top">Liên hệ</a></nav></body></html>"""
    assert menu_targets(html, "http://x.vn/") == ["http://x.vn/gioi-thieu", "http://x.vn/lien-he"]


def test_menu_targets_and_service_pages_sharing_a_template_are_capped():
    """Ten category lists in the menu, forty procedures: a few of each teach axe all their template can."""
    pages = [Candidate("http://x.vn/", "home", 0, "Trang chủ")]
    pages += [Candidate(f"http://x.vn/chuyen-muc/{i}", "list", 1, f"Chuyên mục {i}") for i in range(10)]
    pages += [Candidate(f"http://x.vn/thu-tuc/{i}", "procedure", 2, f"Thủ tục {i}") for i in range(40)]
    menu = [f"http://x.vn/chuyen-muc/{i}" for i in range(10)]
    chosen = choose_pages(pages, mode="sample", budget=40, per_template=2, menu=menu)
    reasons = [c.reason for c in chosen]
    assert reasons.count("menu") == 2 and reasons.count("service") == 2
    assert sum(1 for c in chosen if "/chuyen-muc/" in c.url) == 3  # one template page, then two menu targets


def test_the_render_samples_from_the_pages_the_static_rules_judge(tmp_path) -> None:
    """The render stage reads candidates from page rows and parses only the home page and pages without a
    template_fp; the set must stay the one the audit's static rules judge (aliases once, unparsable bodies out)."""
    from portal_audit.a11y.stage import A11yStage
    from portal_audit.a11y.static_results import _stored_trees
    from portal_audit.render.browser import SharedBrowser
    from portal_audit.store import Store, compress_html

    store = Store(tmp_path / "a.db")
    try:
        db = store.db
        db["runs"].insert({"id": "r", "started_at": "2026-12-01T01:00:00+00:00", "status": "running",
                           "user_agent": "ua", "sites_total": 1})
        db["sites"].insert({"run_id": "r", "id": "a", "name": "A", "unit_type": "other", "url": "https://a.vn/",
                            "status": "ok", "pages_ok": 5})
        home = '<html lang="vi"><body><nav><a href="/gioi-thieu">Giới thiệu</a></nav></body></html>'
        rows = [("https://a.vn/", "https://a.vn/", "T1", 0, home),
                ("https://a.vn/index.php", "https://a.vn/", "T1", 0, home),          # an alias of the home page
                ("https://a.vn/gioi-thieu", "https://a.vn/gioi-thieu", "T2", 1, "<p>Giới thiệu</p>"),
                ("https://a.vn/trong", "https://a.vn/trong", None, 1, "   "),           # unparsable: no template
                ("https://a.vn/la", "https://a.vn/la", None, 1, "<p>không có khung</p>")]  # parsable, no template
        db["pages"].insert_all({"run_id": "r", "site_id": "a", "url": url, "final_url": final, "status": 200,
                                "template_fp": fp, "depth": depth, "content_type": "text/html; charset=utf-8",
                                "html_zlib": compress_html(body.encode())} for url, final, fp, depth, body in rows)
        candidates, home_page, aliases = A11yStage(store, "r", SharedBrowser(False))._candidates("a")
        judged = [page["final_url"] for page, _root in _stored_trees(store, "r", "a")]
    finally:
        store.close()
    assert [c.url for c in candidates] == judged == ["https://a.vn/", "https://a.vn/gioi-thieu", "https://a.vn/la"]
    assert aliases["https://a.vn/index.php"] == "https://a.vn/"
    assert home_page is not None and home_page[1] == "https://a.vn/" and "gioi-thieu" in home_page[0]
