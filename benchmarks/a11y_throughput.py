#!/usr/bin/env python3
"""Accessibility throughput: axe on every page (pa11y-ci style) against portal-audit's static-on-all + axe-on-samples.

Why this benchmark exists: tools such as pa11y-ci or Lighthouse CI run axe-core in a browser on every URL of a
site. On a 2,000-page portal that costs minutes per site and hours per province. ``portal-audit render`` instead
runs its static rules (lxml, no browser) on every stored page and axe-core only on a few pages per layout
template plus the pages that always matter (home, contact, services, main menu). This script measures, in one
run and on the same crawled store, how much faster that is and how much of what axe-on-everything finds it still
finds. Goal: speed-up of at least 20x with a coverage of at least 95% (printed, never asserted).

What it does, in one run:

1. generates the templated site of ``crawl_throughput.py`` (``_site.generate_site``, shared: index, ~50
   category pages, ``--pages`` articles of ~30 KB of Vietnamese text) and adds to it what an accessibility
   audit needs: real stylesheets, scripts and images, and four more templates (static "Giới thiệu" pages, a
   contact form, a procedure list and procedure pages, an embedded video player). It then plants defects:

   - template-level, on every page of a template: the logo image without ``alt`` (so its link has no name
     either) in the shared header, a low-contrast visit counter in the shared footer (from the stylesheet, so
     only a browser sees it), the search field with a placeholder but no label, an icon-only search button
     without a name, ``user-scalable=no`` in the procedure pages' viewport, a ``<marquee>`` ticker on the home
     page, unlabelled fields and a captcha image without ``alt`` on the contact form, an icon-only download
     link and "Chi tiết" link lists on the procedure pages, "Xem thêm" link lists on the list pages;
   - page-level, varying page by page (seeded): an article image without ``alt`` on ~10% of articles (with
     ``alt`` on ~25% more), a data table without header cells on ~5% (with headers on ~5% more), an
     ``iframe`` without ``title`` on ~5% (with a title on ~5% more), an inline-styled low-contrast span on
     ~3% of articles (only a browser can see that one: it is where (b) can miss, and it is kept), a fee
     table without headers on ~20% of procedures, an organisation chart without ``alt`` on one static page;

2. serves it on 127.0.0.1 exactly like ``crawl_throughput.py`` (nginx if installed, else its Python fallback)
   and crawls it once with ``portal-audit crawl`` and crawl_throughput's registry (loopback allowed, no delay,
   32 concurrent requests; ``render_budget`` and ``render_per_template`` left at their defaults, 40 and 2).
   The crawl is shared: (a) needs the list of URLs as much as (b) needs the stored pages, so it is timed and
   printed but counted in neither approach;

3. (b) runs ``portal-audit render --db DB`` (axe-core in Chromium on the sampled pages) and then, in a child
   process of this file, the static rules on every stored page exactly as ``portal-audit audit`` judges and
   writes them (without the audit's content checklists), and times both wall clocks; (b) is their sum. The
   per-page axe times come from ``renders.ms``;

4. (a) runs, in a subprocess of this same file, axe-core on EVERY crawled page, the way pa11y-ci does but done
   well, with portal-audit's own building blocks so that the two sides differ only in which pages go through
   the browser: one Chromium, one context, axe injected with ``add_init_script``, one reused tab, the WCAG
   2.0/2.1 A and AA tags (``portal_audit.a11y.axe.audit_pages``), the same user agent, page timeout and
   private-network allowance as the registry. Main-document source: pa11y loads each URL live; here the
   main document is the crawl's stored body served to the tab by request interception, exactly as (b) does
   it, while styles, scripts, images and iframes load live from the site in both. The bytes are the same
   (the site is static), and it keeps the comparison about the number of rendered pages rather than about
   the server. The subprocess wall clock (interpreter start, reading the store, browser start included, as
   in (b)) is (a)'s time. ``--baseline-limit N`` measures (a) on N pages spread evenly over the crawl order
   and extrapolates: start-up + per-page loop time x all pages;

5. prints both wall times, the speed-up a/b and the coverage: the share of the (rule, template) pairs with
   at least one axe violation in (a) for which (b) stored a violation (axe or static: static rules carry
   the id of the axe rule they mirror) of that rule on a page of that template. It lists the pairs (b)
   missed, the rules only (b)'s static rules found (best practice, AAA, or experimental in axe: not in (a)'s
   tags, so not counted), and, per planted defect, on how many pages each side saw it. The last two lines
   are ``a11y_coverage: <share>`` and ``a11y_speedup: <a/b>``.

Run it with the project's interpreter: ``.venv/bin/python benchmarks/a11y_throughput.py`` (about 8 minutes on
2 cores, 7 of them (a)); ``--pages 300`` or ``--baseline-limit 300`` for a quick look.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import shutil
import sqlite3
import struct
import sys
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The site generator (_site.py), the servers and the measured-subprocess helper (_lib.py) are shared with
# crawl_throughput.py and audit_throughput.py: the three benchmarks crawl byte-identical articles with identical
# crawl settings.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _lib as bench  # servers, measured subprocesses, the registry (benchmarks/_lib.py)
import _site as site_gen  # the generated portal all throughput benchmarks crawl

SPEEDUP_GOAL = 20.0
COVERAGE_GOAL = 0.95
# Page-level defect rates (per article, seeded per page).
ARTICLE_IMG_NO_ALT = 0.10
ARTICLE_IMG_ALT = 0.25
ARTICLE_TABLE_NO_TH = 0.05
ARTICLE_TABLE_TH = 0.05
ARTICLE_IFRAME_NO_TITLE = 0.05
ARTICLE_IFRAME_TITLE = 0.05
ARTICLE_LOW_CONTRAST_SPAN = 0.03
PROCEDURE_FEE_TABLE_NO_TH = 0.20
PROCEDURES_PER_ARTICLE = 0.02     # 40 procedure pages for 2,000 articles
EMBEDS = 6
UPLOAD_IMAGES = 12
NODE_HTML = 160                   # characters of each axe node's HTML (a) keeps, for the planted-defect table

# --------------------------------------------------------------------------------------------------------------
# The site: crawl_throughput's portal, plus assets, four templates and planted defects
# --------------------------------------------------------------------------------------------------------------

STATIC_PAGES: tuple[str, ...] = (
    "Giới thiệu chung", "Lịch sử hình thành", "Điều kiện tự nhiên", "Sơ đồ tổ chức", "Lãnh đạo tỉnh",
    "Chức năng nhiệm vụ", "Đơn vị hành chính", "Quy hoạch tổng thể",
)
ORG_CHART_PAGE = "Sơ đồ tổ chức"

PROCEDURE_NAMES: tuple[str, ...] = (
    "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Đăng ký khai sinh", "Đăng ký kết hôn", "Cấp bản sao trích lục hộ tịch",
    "Chứng thực bản sao từ bản chính", "Đăng ký thành lập hộ kinh doanh", "Cấp giấy chứng nhận quyền sử dụng đất",
    "Đăng ký biến động đất đai", "Cấp phép khai thác nước dưới đất", "Cấp giấy phép lái xe",
    "Cấp lại giấy phép kinh doanh vận tải", "Cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm",
    "Cấp phiếu lý lịch tư pháp", "Đăng ký thường trú", "Cấp giấy phép hoạt động giáo dục",
    "Thẩm định thiết kế cơ sở", "Cấp chứng chỉ hành nghề dược", "Đăng ký nhãn hiệu hàng hóa",
    "Hỗ trợ đào tạo nghề cho lao động nông thôn", "Trợ cấp xã hội hằng tháng",
)
PROCEDURE_FIELDS: tuple[tuple[str, str], ...] = (
    ("Trình tự thực hiện", "Tổ chức, cá nhân nộp hồ sơ tại Trung tâm Phục vụ hành chính công hoặc trực tuyến."),
    ("Cách thức thực hiện", "Trực tiếp; qua dịch vụ bưu chính công ích; trực tuyến toàn trình."),
    ("Thành phần hồ sơ", "Đơn đề nghị theo mẫu; bản sao giấy tờ tùy thân; giấy tờ chứng minh liên quan."),
    ("Thời hạn giải quyết", "15 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ."),
    ("Đối tượng thực hiện", "Công dân Việt Nam, người nước ngoài, tổ chức, doanh nghiệp."),
    ("Cơ quan thực hiện", "Sở, ban, ngành cấp tỉnh; UBND cấp xã."),
    ("Mức độ dịch vụ công", "Dịch vụ công trực tuyến toàn trình."),
)

# The site's stylesheets and scripts: small but real, so the browser computes colours, sizes and visibility as
# on a CMS-built portal. The visit counter's grey (#b3b3b3 on white, 2.1:1) is the template-level contrast defect.
PORTAL_CSS = """body{margin:0;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#222;
  background:#fff}
.container{max-width:1140px;margin:0 auto;padding:0 15px}
a{color:#0b4f9c}
.top-bar{background:#7a0c0c;color:#fff;font-size:13px;padding:4px 0}
.top-bar .hotline{float:right}
.site-header{padding:10px 0;border-bottom:3px solid #b71c1c}
.site-header .logo{float:left;margin-right:12px}
.site-title .agency{margin:8px 0 0;font-weight:bold;color:#b71c1c}
.site-title .name{margin:0;font-size:24px;font-weight:bold;color:#7a0c0c}
.search{float:right;margin-top:-40px}
.search input{width:220px;padding:4px;border:1px solid #999}
.search button{padding:4px 8px;background:#b71c1c;border:0;color:#fff}
.icon-search,.icon-download{display:inline-block;width:16px;height:16px;background:url(/static/img/icons.png) no-repeat}
.main-menu{background:#b71c1c}
.main-menu .nav{list-style:none;margin:0;padding:0;overflow:hidden}
.main-menu .nav-item{float:left}
.main-menu .nav-link{display:block;padding:8px 10px;color:#fff;text-decoration:none;font-size:14px}
.breadcrumb{margin:10px 0;font-size:14px}
.news-item{border-bottom:1px solid #ddd;padding:8px 0}
.news-item h3{margin:0 0 4px;font-size:17px}
.date,.meta{color:#595959;font-size:13px}
.content img{max-width:100%;height:auto}
.content table,.procedure table{border-collapse:collapse;margin:10px 0}
.content td,.content th,.procedure td,.procedure th{border:1px solid #999;padding:4px 8px}
.related{margin-top:20px}
.ticker{background:#fff8e1;color:#5d4037;padding:4px 0}
.sidebar{float:right;width:25%}
.static-content{float:left;width:70%}
.contact-form label{display:block;margin-top:8px}
.site-footer{clear:both;margin-top:30px;padding:15px 0;background:#fff;color:#333;border-top:3px solid #b71c1c;
  font-size:14px}
.site-footer .links{list-style:none;padding:0}
.site-footer .visits{color:#b3b3b3;font-size:12px}
.visually-hidden{position:absolute!important;width:1px!important;height:1px!important;overflow:hidden!important;
  clip:rect(0 0 0 0)!important;white-space:nowrap!important}
"""
BOOTSTRAP_CSS = """*,::after,::before{box-sizing:border-box}
.row{display:flex;flex-wrap:wrap}.col-md-3{flex:0 0 25%}.col-md-6{flex:0 0 50%}.col-md-9{flex:0 0 75%}
.table{width:100%}.btn{display:inline-block;padding:6px 12px}
"""
JQUERY_JS = """/* jQuery-compatible stub: the portal's scripts only need ready() */
(function(w){function $(f){if(typeof f==='function'){if(document.readyState!=='loading'){f();}else{
document.addEventListener('DOMContentLoaded',f);}}return {ready:$};}w.jQuery=w.$=$;})(window);
"""
PORTAL_JS = """$(function(){var c=document.querySelector('.visits');if(c){c.setAttribute('data-ready','1');}
var q=document.getElementById('q');if(q){q.setAttribute('autocomplete','off');}});
"""
EMBED_PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Trình phát video {k}</title>
<style>body{{margin:0;font-family:Arial,sans-serif;background:#000;color:#fff}}</style></head>
<body><div class="player"><img src="/static/img/video-poster.png" alt="Ảnh đại diện video {k}" width="560" height="280">
<p>Phóng sự: Trường Giang đẩy mạnh chuyển đổi số, kỳ {k}</p></div></body></html>
"""


def tiny_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid single-colour PNG (the browser decodes it, so images have a real size and load event)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


# Exact strings of crawl_throughput's shared header and footer that the defects replace; a changed generator makes
# the script stop with the string it could not find rather than silently measure a site without defects.
HEADER_EDITS: tuple[tuple[str, str], ...] = (
    # Logo without alt: the image and the link it fills have no text alternative (image-alt, link-name).
    ('<img src="/static/img/quoc-huy.png" alt="Quốc huy" width="72" height="72">',
     '<img src="/static/img/quoc-huy.png" width="72" height="72">'),
    # Search field with a placeholder but no label (a placeholder is an accessible name to axe and to the
    # static rules: realistic, and found by neither), and an icon-only search button (button-name).
    ('<label for="q" class="visually-hidden">Tìm kiếm</label>\n', ""),
    ('<button type="submit">Tìm</button>',
     '<button type="submit" class="btn-search"><i class="icon-search"></i></button>'),
)
FOOTER_ANCHOR = '<ul class="links"><li><a href="/">Trang chủ</a></li>'
FOOTER_LINKS = ('<li><a href="/gioi-thieu.html">Giới thiệu</a></li><li><a href="/lien-he.html">Liên hệ</a></li>'
                '<li><a href="/thu-tuc-hanh-chinh.html">Thủ tục hành chính</a></li>')
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
VIEWPORT_NO_ZOOM = ('<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1, '
                    'user-scalable=no">')
NEWS_ITEM = re.compile(r'(<article class="news-item"><h3><a href="([^"]+)">.*?</p>)(</article>)')


@dataclass(frozen=True)
class Planted:
    """A kind of planted defect: the rule that should report it and a substring of the offending node's HTML."""

    key: str
    rule: str
    marker: str
    description: str
    template_level: bool


PLANTED: tuple[Planted, ...] = (
    Planted("logo", "image-alt", "quoc-huy.png", "logo image without alt (header, every page)", True),
    Planted("logo-link", "link-name", 'class="logo"', "logo link without a name (header, every page)", True),
    Planted("search-button", "button-name", "btn-search", "icon-only search button (header, every page)", True),
    Planted("search-field", "label", 'id="q"', "search field with placeholder, no label (header, every page)", True),
    Planted("footer-contrast", "color-contrast", "visits", "low-contrast visit counter (footer, every page)", True),
    Planted("viewport", "meta-viewport", "user-scalable", "user-scalable=no (procedure template)", True),
    Planted("marquee", "marquee", "<marquee", "marquee ticker (home)", True),
    Planted("contact-email", "label", 'name="email"', "unlabelled e-mail field (contact form)", True),
    Planted("contact-select", "select-name", "<select", "unlabelled select (contact form)", True),
    Planted("captcha", "image-alt", "captcha", "captcha image without alt (contact form)", True),
    Planted("download", "link-name", "btn-download", "icon-only download link (procedure template)", True),
    Planted("xem-them", "identical-links-same-purpose", "Xem thêm", "'Xem thêm' link lists (list pages)", True),
    Planted("chi-tiet", "identical-links-same-purpose", "Chi tiết", "'Chi tiết' link list (procedure list)", True),
    Planted("article-img", "image-alt", "/uploads/", "article image without alt (~10% of articles)", False),
    Planted("article-table", "td-has-header", "<table", "data table without headers (~5% of articles)", False),
    Planted("article-iframe", "frame-title", "<iframe", "iframe without title (~5% of articles)", False),
    Planted("article-span", "color-contrast", "#bbbbbb", "inline low-contrast span (~3% of articles)", False),
    Planted("fee-table", "td-has-header", "<table", "fee table without headers (~20% of procedures)", False),
    Planted("org-chart", "image-alt", "so-do-to-chuc", "organisation chart without alt (one static page)", False),
)


@dataclass
class A11ySite:
    info: site_gen.SiteInfo
    pages: int                                   # HTML pages a crawler can reach (embeds included)
    kinds: Counter[str]                          # page kind -> HTML pages
    planted: dict[str, list[str]] = field(default_factory=dict)   # Planted.key -> site paths carrying it


def page_kind(path: str) -> str:
    """The template a URL path belongs to, by construction of the generator (for display and checks only)."""
    if path in ("/", "/index.html"):
        return "home"
    for prefix, kind in (("/chuyen-muc/", "category list"), ("/tin-tuc/", "article"), ("/gioi-thieu", "static page"),
                         ("/lien-he", "contact form"), ("/thu-tuc-hanh-chinh/", "procedure"),
                         ("/thu-tuc-hanh-chinh", "procedure list"), ("/embed/", "video embed")):
        if path.startswith(prefix):
            return kind
    return "other"


def _replace_once(text: str, old: str, new: str, where: str) -> str:
    if old not in text:
        raise RuntimeError(f"site generator changed: {old[:70]!r} not found in {where}; update a11y_throughput.py")
    return text.replace(old, new)


def _shared_edits(text: str, where: str) -> str:
    """Header and footer defects and links, identical on every page (the CMS prints them)."""
    for old, new in HEADER_EDITS:
        text = _replace_once(text, old, new, where)
    return _replace_once(text, FOOTER_ANCHOR, FOOTER_ANCHOR + FOOTER_LINKS, where)


def _page(title: str, description: str, header: str, footer: str, main: str, viewport: str = VIEWPORT) -> str:
    head = site_gen.page_head(title, description)
    if viewport != VIEWPORT:
        head = _replace_once(head, VIEWPORT, viewport, "_site.page_head")
    return head + header + main + footer


def _article_extras(rng: random.Random, planted: dict[str, list[str]], path: str) -> str:
    """Page-level content an editor adds to one article: images, a table, an embed, a coloured credit line."""
    parts: list[str] = []
    draw = rng.random()
    k = rng.randrange(UPLOAD_IMAGES)
    if draw < ARTICLE_IMG_NO_ALT:
        planted["article-img"].append(path)
        parts.append(f'<p style="text-align: center;"><img src="/uploads/2026/11/anh-{k}.png" width="600" '
                     f'height="400"></p>\n<p style="text-align: center;"><em>Quang cảnh hội nghị</em></p>\n')
    elif draw < ARTICLE_IMG_NO_ALT + ARTICLE_IMG_ALT:
        parts.append(f'<p style="text-align: center;"><img src="/uploads/2026/11/anh-{k}.png" width="600" '
                     f'height="400" alt="Quang cảnh hội nghị"></p>\n')
    draw = rng.random()
    if draw < ARTICLE_TABLE_NO_TH + ARTICLE_TABLE_TH:
        with_headers = draw >= ARTICLE_TABLE_NO_TH
        if not with_headers:
            planted["article-table"].append(path)
        cell = "th" if with_headers else "td"
        rows = [f"<tr><{cell}>Chỉ tiêu</{cell}><{cell}>Kế hoạch</{cell}><{cell}>Thực hiện</{cell}>"
                f"<{cell}>Tỷ lệ</{cell}></tr>"]
        for name in ("Hồ sơ tiếp nhận", "Hồ sơ trực tuyến", "Giải quyết đúng hạn", "Thu ngân sách (tỷ đồng)"):
            plan, done = rng.randint(200, 1500), rng.randint(150, 1600)
            rows.append(f"<tr><td>{name}</td><td>{plan}</td><td>{done}</td><td>{done * 100 // plan}%</td></tr>")
        parts.append('<table border="1" cellpadding="4">\n' + "\n".join(rows) + "\n</table>\n")
    draw = rng.random()
    if draw < ARTICLE_IFRAME_NO_TITLE + ARTICLE_IFRAME_TITLE:
        k = rng.randrange(EMBEDS)
        title = "" if draw < ARTICLE_IFRAME_NO_TITLE else f' title="Video phóng sự kỳ {k}"'
        if not title:
            planted["article-iframe"].append(path)
        parts.append(f'<p><iframe src="/embed/video-{k}.html" width="560" height="315" frameborder="0"{title} '
                     f'allowfullscreen></iframe></p>\n')
    if rng.random() < ARTICLE_LOW_CONTRAST_SPAN:
        planted["article-span"].append(path)
        parts.append('<p><span style="color:#bbbbbb">Ảnh và bài: Trung tâm Truyền thông tỉnh</span></p>\n')
    return "".join(parts)


def generate_a11y_site(root: Path, n_articles: int, seed: int) -> A11ySite:
    """crawl_throughput's site, then assets, four more templates and the planted defects (deterministic)."""
    info = site_gen.generate_site(root, n_articles, seed)
    started = time.perf_counter()
    planted: dict[str, list[str]] = {p.key: [] for p in PLANTED}
    kinds: Counter[str] = Counter()

    # Assets the templates load: real files, so the browser lays out and decodes the page as on a live portal.
    for rel, data in (("static/css/portal.css", PORTAL_CSS.encode()), ("static/css/bootstrap.min.css",
                                                                       BOOTSTRAP_CSS.encode()),
                      ("static/js/jquery.min.js", JQUERY_JS.encode()), ("static/js/portal.js", PORTAL_JS.encode()),
                      ("static/img/quoc-huy.png", tiny_png(72, 72, (200, 30, 30))),
                      ("static/img/icons.png", tiny_png(16, 16, (255, 255, 255))),
                      ("static/img/video-poster.png", tiny_png(56, 28, (20, 20, 20))),
                      ("static/img/captcha.png", tiny_png(120, 40, (230, 230, 230))),
                      ("uploads/so-do-to-chuc.png", tiny_png(80, 60, (240, 240, 255))),
                      ("favicon.ico", tiny_png(16, 16, (200, 30, 30)))):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for k in range(UPLOAD_IMAGES):
        (root / "uploads/2026/11").mkdir(parents=True, exist_ok=True)
        (root / f"uploads/2026/11/anh-{k}.png").write_bytes(tiny_png(60, 40, (90 + k * 10, 120, 150)))
    for k in range(EMBEDS):
        (root / "embed").mkdir(exist_ok=True)
        (root / f"embed/video-{k}.html").write_text(EMBED_PAGE.format(k=k), encoding="utf-8")
    kinds["video embed"] = EMBEDS

    # The generated pages: shared edits everywhere, then per template.
    for file in sorted(root.rglob("*.html")):
        path = "/" + file.relative_to(root).as_posix()
        kind = page_kind(path)
        if kind not in ("home", "category list", "article"):
            continue
        text = _shared_edits(file.read_text(encoding="utf-8"), path)
        kinds[kind] += 1
        if kind == "home":
            ticker = ('<div class="ticker"><div class="container"><marquee scrollamount="3">Thông báo: Trung tâm '
                      'Phục vụ hành chính công tiếp nhận hồ sơ trực tuyến 24/7 qua Cổng Dịch vụ công</marquee></div>'
                      '</div>\n')
            text = _replace_once(text, '<main class="container" id="main">', ticker + '<main class="container" '
                                 'id="main">', path)
            extra = ('<section class="intro"><h2>Giới thiệu</h2><ul>\n'
                     + "\n".join(f'<li><a href="/gioi-thieu/{site_gen.slugify(t)}.html">{html.escape(t)}</a></li>'
                                 for t in STATIC_PAGES)
                     + '\n</ul><a class="more" href="/gioi-thieu.html">Xem thêm</a></section>\n'
                     '<section class="services"><h2>Dịch vụ công trực tuyến</h2><p>Tra cứu và nộp hồ sơ thủ tục '
                     'hành chính trực tuyến.</p><a class="more" href="/thu-tuc-hanh-chinh.html">Xem thêm</a>'
                     '</section>\n')
            text = _replace_once(text, "</ul></section></main>", "</ul></section>\n" + extra + "</main>", path)
            text = _replace_once(text, "\n</ul></section>\n<section class=\"categories\">",
                                 '\n</ul><a class="more" href="/chuyen-muc/tin-hoat-dong.html">Xem thêm</a></section>\n'
                                 '<section class="categories">', path)
            planted["marquee"].append(path)
            planted["xem-them"].append(path)
        elif kind == "category list":
            text, count = NEWS_ITEM.subn(r'\1<a class="more" href="\2">Xem thêm</a>\3', text)
            if count == 0:
                raise RuntimeError(f"site generator changed: no news item in {path}")
            planted["xem-them"].append(path)
        else:
            rng = random.Random(f"{seed}:a11y:{path}")
            extras = _article_extras(rng, planted, path)
            if extras:
                # After the first paragraph of the body, where an editor puts them.
                start = text.index('<div class="content">\n')
                end = text.index("</p>\n", start) + len("</p>\n")
                text = text[:end] + extras + text[end:]
        file.write_text(text, encoding="utf-8")
        for key in ("logo", "logo-link", "search-button", "search-field", "footer-contrast"):
            planted[key].append(path)

    # New templates, printed with the same (edited) header and footer.
    header, footer = _site_chrome(root)

    def write(path: str, text: str, kind: str, template_level: tuple[str, ...] = ()) -> None:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        kinds[kind] += 1
        for key in ("logo", "logo-link", "search-button", "search-field", "footer-contrast", *template_level):
            planted[key].append(path)

    # Static pages ("Giới thiệu"): two columns, a sidebar of the other static pages.
    static_paths = [(t, f"/gioi-thieu/{site_gen.slugify(t)}.html") for t in STATIC_PAGES]
    static_rng = random.Random(f"{seed}:a11y:static")
    pool = [site_gen.sentence(static_rng) for _ in range(200)]
    sidebar = ('<aside class="sidebar"><h2>Giới thiệu</h2><ul>'
               + "".join(f'<li><a href="{p}">{html.escape(t)}</a></li>' for t, p in static_paths) + "</ul></aside>")
    for title, path in [("Giới thiệu", "/gioi-thieu.html"), *static_paths]:
        body = "".join(site_gen.paragraphs(static_rng, pool, 6000))
        if title == ORG_CHART_PAGE:
            body = '<p><img src="/uploads/so-do-to-chuc.png" width="800" height="600"></p>\n' + body
            planted["org-chart"].append(path)
        main = (f'<main class="container page-static" id="main"><nav class="breadcrumb" aria-label="breadcrumb">'
                f'<a href="/">Trang chủ</a> › <span>{html.escape(title)}</span></nav>\n<div class="static-content">'
                f'<h1>{html.escape(title)}</h1>\n{body}</div>\n{sidebar}</main>\n')
        write(path, _page(title, f"{title} tỉnh Trường Giang", header, footer, main), "static page")

    # Contact page: a feedback form with two unlabelled fields and a captcha image without alt.
    main = ('<main class="container page-contact" id="main"><nav class="breadcrumb" aria-label="breadcrumb">'
            '<a href="/">Trang chủ</a> › <span>Liên hệ</span></nav>\n<h1>Liên hệ - Góp ý</h1>\n'
            '<p>Văn phòng UBND tỉnh Trường Giang, Số 1 đường Trần Hưng Đạo. Điện thoại: 0237 3 852 xxx.</p>\n'
            '<form class="contact-form" action="/lien-he.html" method="post">\n'
            '<label for="hoten">Họ và tên</label><input id="hoten" name="hoten" type="text">\n'
            '<p>Thư điện tử</p><input name="email" type="email">\n'
            '<p>Lĩnh vực</p><select name="linhvuc"><option>Hành chính</option><option>Đất đai</option>'
            '<option>Khác</option></select>\n'
            '<label for="noidung">Nội dung góp ý</label><textarea id="noidung" name="noidung" rows="6"></textarea>\n'
            '<p><img src="/static/img/captcha.png" class="captcha" width="120" height="40"> '
            '<label for="ma">Mã xác nhận</label><input id="ma" name="ma" type="text"></p>\n'
            '<button type="submit">Gửi góp ý</button>\n</form></main>\n')
    write("/lien-he.html", _page("Liên hệ", "Liên hệ, góp ý", header, footer, main), "contact form",
          ("contact-email", "contact-select", "captcha"))

    # Procedures: a list with "Chi tiết" links, and one page per procedure built by another vendor's module
    # (zoom disabled in its viewport, an icon-only download link, a fee table without headers on some).
    n_procedures = max(3, round(n_articles * PROCEDURES_PER_ARTICLE))
    procedures = []
    for i in range(n_procedures):
        name = PROCEDURE_NAMES[i % len(PROCEDURE_NAMES)]
        if i >= len(PROCEDURE_NAMES):
            name = f"{name} (cấp xã)" if i < 2 * len(PROCEDURE_NAMES) else f"{name} ({i // len(PROCEDURE_NAMES)})"
        procedures.append((i, name, f"/thu-tuc-hanh-chinh/{site_gen.slugify(name)}-{2_000_000 + i}.html"))
    rows = "\n".join(f'<tr><td>{i + 1}</td><td><a href="{p}">{html.escape(n)}</a></td><td>Toàn trình</td>'
                     f'<td><a href="{p}">Chi tiết</a></td></tr>' for i, n, p in procedures)
    main = ('<main class="container procedure-list" id="main"><nav class="breadcrumb" aria-label="breadcrumb">'
            '<a href="/">Trang chủ</a> › <span>Thủ tục hành chính</span></nav>\n<h1>Thủ tục hành chính</h1>\n'
            '<table class="table table-procedures"><thead><tr><th scope="col">STT</th><th scope="col">Tên thủ tục'
            '</th><th scope="col">Mức độ</th><th scope="col">Xem</th></tr></thead><tbody>\n'
            f'{rows}\n</tbody></table></main>\n')
    write("/thu-tuc-hanh-chinh.html", _page("Thủ tục hành chính", "Danh mục thủ tục hành chính", header, footer,
                                            main), "procedure list", ("chi-tiet",))
    (root / "files").mkdir(exist_ok=True)
    for i, name, path in procedures:
        rng = random.Random(f"{seed}:a11y:{path}")
        fields = "\n".join(f'<tr><th scope="row">{html.escape(k)}</th><td>{html.escape(v)}</td></tr>'
                           for k, v in PROCEDURE_FIELDS)
        fee = ""
        if rng.random() < PROCEDURE_FEE_TABLE_NO_TH:
            planted["fee-table"].append(path)
            fee = ("<h2>Phí, lệ phí</h2>\n<table>\n<tr><td>Đối tượng</td><td>Mức phí</td><td>Ghi chú</td></tr>\n"
                   "<tr><td>Cá nhân</td><td>50.000 đồng</td><td>Nộp trực tuyến giảm 50%</td></tr>\n"
                   "<tr><td>Tổ chức</td><td>100.000 đồng</td><td>Nộp trực tuyến giảm 50%</td></tr>\n</table>\n")
        form = f"/files/mau-don-{2_000_000 + i}.docx"
        (root / form.lstrip("/")).write_bytes(b"PK\x03\x04 mau don")
        main = (f'<main class="container procedure" id="main"><nav class="breadcrumb" aria-label="breadcrumb">'
                f'<a href="/">Trang chủ</a> › <a href="/thu-tuc-hanh-chinh.html">Thủ tục hành chính</a></nav>\n'
                f'<h1>{html.escape(name)}</h1>\n<table class="table procedure-info">\n{fields}\n</table>\n{fee}'
                f'<p>Mẫu đơn, tờ khai: <a class="btn-download" href="{form}"><i class="icon-download"></i></a></p>\n'
                f'<p><a href="https://dichvucong.gov.vn/">Nộp hồ sơ trực tuyến</a></p></main>\n')
        write(path, _page(name, f"Thủ tục {name}", header, footer, main, VIEWPORT_NO_ZOOM), "procedure",
              ("viewport", "download"))
    info.seconds += time.perf_counter() - started
    pages = sum(kinds.values())
    return A11ySite(info, pages, kinds, planted)


def _site_chrome(root: Path) -> tuple[str, str]:
    """The edited header and footer exactly as the generated pages now carry them (cut from the index)."""
    text = (root / "index.html").read_text(encoding="utf-8")
    start = text.index('<div class="top-bar">')
    end = text.index("</nav>\n", text.index('<nav class="main-menu"')) + len("</nav>\n")
    foot = text.index('<footer class="site-footer">')
    return text[start:end], text[foot:]


# --------------------------------------------------------------------------------------------------------------
# (a) axe on every page: child mode of this file
# --------------------------------------------------------------------------------------------------------------

def _store_pages(conn: sqlite3.Connection) -> tuple[str, dict[str, Any], list[tuple[str, str | None, str | None,
                                                                                      bytes]]]:
    """The newest run's user agent, its (only) site's config and its HTML pages, deduplicated on the final URL in
    crawl order: the pages the static rules judge (portal_audit.a11y.static_results)."""
    run_id, user_agent = conn.execute(
        "SELECT id, user_agent FROM runs ORDER BY started_at DESC, id DESC LIMIT 1").fetchone()
    site_id, config = conn.execute("SELECT id, config FROM sites WHERE run_id = ? ORDER BY rowid LIMIT 1",
                                   [run_id]).fetchone()
    seen: set[str] = set()
    pages = []
    for url, content_type, fp, blob in conn.execute(
            "SELECT final_url, content_type, template_fp, html_zlib FROM pages WHERE run_id = ? AND site_id = ? "
            "AND status = 200 AND html_zlib IS NOT NULL ORDER BY id", [run_id, site_id]):
        if url not in seen:
            seen.add(url)
            pages.append((url, content_type, fp, blob))
    return user_agent or "portal-audit", json.loads(config or "{}"), pages


def static_child(db: Path) -> None:
    """(b)'s static part: the static rules on every stored page, judged and written exactly as ``portal-audit
    audit`` does it (one transaction), without the content checklists the audit also runs."""
    from portal_audit.a11y.static_results import replace_static_results, static_results
    from portal_audit.store import Store

    store = Store(db)
    try:
        run_id = store.run()["id"]
        with store.db.atomic():
            for site in store.sites(run_id):
                replace_static_results(store, run_id, site["id"], static_results(store, run_id, site))
    finally:
        store.close()


def spread(total: int, limit: int | None) -> list[int]:
    """Indexes of ``limit`` pages spread evenly over ``total`` (all of them without a limit)."""
    if not limit or limit >= total:
        return list(range(total))
    return [i * total // limit for i in range(limit)]


def baseline_child(db: Path, out: Path, limit: int | None) -> None:
    """(a): axe-core in Chromium on every stored page (or ``limit`` of them), results and timings to ``out``."""
    import asyncio

    from portal_audit.a11y.axe import WCAG_TAGS, PageOutcome, PageTask, audit_pages
    from portal_audit.registry import parse_networks
    from portal_audit.render.browser import RenderBrowser
    from portal_audit.store import decompress_html

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        user_agent, config, pages = _store_pages(conn)
    finally:
        conn.close()
    nets = config.get("allow_private_networks", False)
    allowance = nets if isinstance(nets, bool) else tuple(parse_networks(nets))
    timeout = float(config.get("timeout") or 20)
    tasks = [PageTask(pages[i][0], decompress_html(pages[i][3]), pages[i][1], pages[i][2], "all")
             for i in spread(len(pages), limit)]
    print(f"(a) {len(tasks)} of {len(pages)} pages, page timeout {timeout:.0f} s, tags {', '.join(WCAG_TAGS)}",
          flush=True)
    done = 0
    loop_started = time.perf_counter()

    def on_page(outcome: PageOutcome) -> None:
        nonlocal done
        done += 1
        if done % 100 == 0 or done == len(tasks):
            rate = (time.perf_counter() - loop_started) / done
            print(f"progress: {done}/{len(tasks)} pages, {rate:.3f} s/page", flush=True)

    async def run() -> tuple[list[PageOutcome], float, float, str, int]:
        started = time.perf_counter()
        browser = await RenderBrowser().start()
        launch = time.perf_counter() - started
        nonlocal loop_started
        loop_started = time.perf_counter()
        try:
            outcomes = await audit_pages(browser, tasks, allowance=allowance, user_agent=user_agent,
                                         page_timeout=timeout, tags=WCAG_TAGS, on_page=on_page)
            return outcomes, launch, time.perf_counter() - loop_started, browser.label, browser.restarts
        finally:
            await browser.stop()

    outcomes, launch, loop_seconds, label, restarts = asyncio.run(run())
    result = {
        "total": len(pages), "audited": len(tasks), "launch_seconds": launch, "loop_seconds": loop_seconds,
        "browser": label, "restarts": restarts,
        "pages": [{"url": o.task.url, "template_fp": o.task.template_fp, "status": o.status, "error": o.error,
                   "ms": o.ms, "violations": {v.rule: [n.get("html", "")[:NODE_HTML] for n in v.nodes]
                                              for v in o.violations}} for o in outcomes],
    }
    out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


def run_with_progress(cmd: list[str], cwd: Path, log: Path, every: float = 60.0) -> tuple[float, int]:
    """Like ``bench.run_measured`` (wall clock of the subprocess), echoing the child's last progress line now and then
    so that a ten-minute (a) does not look hung. Reading a log file every second costs the child nothing."""
    import os
    import subprocess

    with log.open("wb") as fh:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        shown = started
        try:
            while True:
                pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                time.sleep(0.2)
                now = time.perf_counter()
                if now - shown >= every:
                    shown = now
                    lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.startswith("progress:")]
                    if lines:
                        print(f"    ... {now - started:.0f} s: {lines[-1][len('progress: '):]}", flush=True)
        except BaseException:
            bench.stop_process(proc)
            raise
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, proc.returncode


# --------------------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Baseline:
    """(a) as measured: wall clock of its subprocess and what axe found on each page."""

    seconds: float            # measured wall clock
    seconds_full: float       # = seconds, or extrapolated to all pages with --baseline-limit
    returncode: int
    total: int
    audited: int
    launch_seconds: float
    loop_seconds: float
    browser: str
    restarts: int
    pages: list[dict[str, Any]]

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [p for p in self.pages if p["status"] != "ok"]


@dataclass
class Portal:
    """(b) as measured: wall clock of ``portal-audit render`` and what it stored."""

    seconds: float
    returncode: int
    static_seconds: float | None        # the static rules on every page, judged as the audit does
    site: dict[str, Any]                # the a11y_sites row
    renders: list[dict[str, Any]]
    violations: list[dict[str, Any]]    # a11y_results rows with outcome violation (source, rule, url, fp, nodes)
    browser: str | None


def read_portal(db: Path) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], str | None]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        run_id = conn.execute("SELECT id FROM runs ORDER BY started_at DESC, id DESC LIMIT 1").fetchone()[0]
        site = conn.execute("SELECT * FROM a11y_sites WHERE run_id = ?", [run_id]).fetchone()
        renders = [dict(r) for r in conn.execute("SELECT * FROM renders WHERE run_id = ?", [run_id])]
        rows = [dict(r) for r in conn.execute(
            "SELECT source, rule, url, template_fp, node_count, nodes FROM a11y_results "
            "WHERE run_id = ? AND outcome = 'violation'", [run_id])]
        browser = conn.execute("SELECT browser FROM a11y_runs WHERE run_id = ?", [run_id]).fetchone()
    finally:
        conn.close()
    return dict(site) if site else {}, renders, rows, browser[0] if browser else None


def template_names(db: Path) -> tuple[dict[str | None, str], Counter[str | None]]:
    """A readable name per template fingerprint (the page kind most of its pages are), and its page count."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        _, _, pages = _store_pages(conn)
    finally:
        conn.close()
    kinds: dict[str | None, Counter[str]] = defaultdict(Counter)
    for url, _, fp, _ in pages:
        kinds[fp][page_kind(urlsplit(url).path)] += 1
    sizes: Counter[str | None] = Counter({fp: sum(c.values()) for fp, c in kinds.items()})
    names: dict[str | None, str] = {}
    used: Counter[str] = Counter()
    for fp, _ in sizes.most_common():
        kind = kinds[fp].most_common(1)[0][0]
        used[kind] += 1
        names[fp] = kind if used[kind] == 1 else f"{kind} #{used[kind]}"
    return names, sizes


def pairs_of_baseline(baseline: Baseline) -> dict[tuple[str, str | None], int]:
    """(rule, template) -> pages on which (a) found at least one violation of the rule."""
    pairs: Counter[tuple[str, str | None]] = Counter()
    for page in baseline.pages:
        if page["status"] == "ok":
            for rule in page["violations"]:
                pairs[(rule, page["template_fp"])] += 1
    return dict(pairs)


def pairs_of_portal(portal: Portal) -> dict[tuple[str, str | None], dict[str, set[str]]]:
    """(rule, template) -> source -> URLs on which (b) stored a violation of the rule."""
    pairs: dict[tuple[str, str | None], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in portal.violations:
        pairs[(row["rule"], row["template_fp"])][row["source"]].add(row["url"])
    return pairs


def planted_table(site: A11ySite, base_url: str, baseline: Baseline, portal: Portal) -> list[str]:
    """Per planted defect: pages carrying it (among those (a) audited), and on how many each side saw that node."""
    root = base_url.rstrip("/")
    a_nodes: dict[tuple[str, str], list[str]] = {}
    for page in baseline.pages:
        for rule, nodes in page["violations"].items():
            a_nodes[(page["url"], rule)] = nodes
    b_nodes: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for row in portal.violations:
        nodes = json.loads(row["nodes"] or "[]")
        b_nodes[(row["url"], row["rule"])][row["source"]] = "\n".join(n.get("html", "") for n in nodes)
    audited = {p["url"] for p in baseline.pages if p["status"] == "ok"}
    lines = [f"{'planted defect':<60} {'rule':<29} {'pages':>6} {'(a) saw':>8} {'(b) saw':>8} "
             f"{'static':>7} {'axe':>5}"]
    for planted in PLANTED:
        urls = [root + ("/" if path == "/index.html" else path) for path in site.planted[planted.key]]
        urls = [u for u in urls if u in audited]
        a_saw = sum(1 for u in urls if any(planted.marker in n for n in a_nodes.get((u, planted.rule), [])))
        static = sum(1 for u in urls if planted.marker in b_nodes.get((u, planted.rule), {}).get("static", ""))
        axe = sum(1 for u in urls if planted.marker in b_nodes.get((u, planted.rule), {}).get("axe", ""))
        b_saw = sum(1 for u in urls if any(planted.marker in v for v in b_nodes.get((u, planted.rule), {}).values()))
        lines.append(f"{planted.description:<60} {planted.rule:<29} {len(urls):>6} {a_saw:>8} {b_saw:>8} "
                     f"{static:>7} {axe:>5}")
    return lines


# --------------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=2000, help="number of articles (default 2000); the site also "
                        "has an index, one category page per 40 articles, 9 static pages, a contact page, a "
                        "procedure list, one procedure page per 50 articles and 6 video embeds")
    parser.add_argument("--baseline-limit", type=int, metavar="N",
                        help="run (a) on N pages spread evenly over the crawl order and extrapolate its time to all "
                             "pages (default: every page, the real measurement)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep the site, logs, databases and "
                        "(a)'s results (a.json)")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto",
                        help="static server (default: nginx if installed, else python)")
    parser.add_argument("--seed", type=int, default=site_gen.SEED, help=argparse.SUPPRESS)
    parser.add_argument("--child-baseline", type=Path, metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-static", type=Path, metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pages < 1 or (args.baseline_limit is not None and args.baseline_limit < 1):
        parser.error("--pages and --baseline-limit must be at least 1")
    return args


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


def main(argv: list[str] | None = None) -> int:
    """Generate, serve, crawl, (b), (a), report; the server and the temp dir are cleaned up whatever happens."""
    args = parse_args(argv)
    if args.child_baseline:
        baseline_child(args.child_baseline, args.child_out, args.baseline_limit)
        return 0
    if args.child_static:
        static_child(args.child_static)
        return 0
    ready = bench.bench_prerequisites(args.server)
    if ready is None:
        return 2
    command, use_nginx = ready
    workdir = bench.make_workdir(args.keep, "portal-audit-a11y-bench-")
    server: bench.Server | None = None
    try:
        site_dir = workdir / "site"
        if site_dir.exists():
            shutil.rmtree(site_dir)
        site = generate_a11y_site(site_dir, args.pages, args.seed)
        server = bench.serve_site(site_dir, workdir, use_nginx)
        registry = workdir / "registry.yaml"
        bench.write_registry(registry, server.base_url, max(3000, site.pages + 100))
        db = workdir / "a11y.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

        kinds = ", ".join(f"{n} {k}" for k, n in site.kinds.most_common())
        print(f"site: {site.pages} HTML pages ({kinds}), generated in {site.info.seconds:.2f} s")
        print("planted: " + ", ".join(f"{p.key} {len(site.planted[p.key])}" for p in PLANTED if not p.template_level)
              + " pages (page-level); template-level defects on every page of their template")
        print(f"server: {server.kind}: {server.description} at {server.base_url}")
        print(f"work dir: {workdir}{' (kept)' if args.keep else ' (removed at the end)'}")
        print(flush=True)

        # The crawl, shared by both approaches: (a) needs the URL list, (b) the stored pages.
        crawl_log = workdir / "crawl.log"
        crawl_s, _, crawl_rc = bench.run_measured([*command, "crawl", "--config", str(registry), "--db", str(db)],
                                               workdir, crawl_log)
        pages = 0
        if db.exists():
            with sqlite3.connect(db) as conn:
                pages = conn.execute("SELECT count(DISTINCT final_url) FROM pages WHERE status = 200 "
                                     "AND html_zlib IS NOT NULL").fetchone()[0]
            conn.close()
        print(f"crawl (shared by (a) and (b), timed in neither: (a) needs the URL list as much as (b) the stored "
              f"pages): {pages} HTML pages in {crawl_s:.1f} s, exit {crawl_rc}")
        if crawl_rc != 0 or pages < 0.9 * site.pages:
            print(f"the crawl failed or stored too few pages ({pages} of {site.pages}); log {crawl_log}:\n"
                  f"{_tail(crawl_log)}", file=sys.stderr)
            return 1
        names, sizes = template_names(db)
        print(f"templates (pages.template_fp): {len(sizes)}: "
              + ", ".join(f"{names[fp]} {n} [{fp}]" for fp, n in sizes.most_common()), flush=True)

        # (b) portal-audit render (axe on the samples), then the static rules on every page as the audit judges them.
        print(f"\n(b) {' '.join(command)} render --db {db.name}; the audit's static rules (a child of this file)",
              flush=True)
        b_log = workdir / "render.log"
        render_s, _, b_rc = bench.run_measured([*command, "render", "--db", str(db)], workdir, b_log)
        static_log = workdir / "static.log"
        static_s, _, static_rc = bench.run_measured(
            [sys.executable, str(Path(__file__).resolve()), "--child-static", str(db)], workdir, static_log)
        b_s = render_s + static_s
        site_row, renders, violations, b_browser = read_portal(db)
        portal = Portal(b_s, b_rc, static_s if static_rc == 0 else None, site_row, renders, violations,
                        b_browser)
        if not site_row or b_rc not in (0, 1):
            print(f"portal-audit render exited {b_rc}; log {b_log}:\n{_tail(b_log)}", file=sys.stderr)
            return 1
        ok_renders = [r for r in renders if r["status"] == "ok"]
        axe_ms = sum(r["ms"] or 0 for r in renders)
        print(f"    {b_s:.1f} s wall, exit {b_rc}; static rules on {site_row['pages']} pages of {site_row['templates']}"
              f" templates; axe on {len(ok_renders)} of {len(renders)} sampled pages ({site_row['templates_rendered']}"
              f" templates, reasons: " + ", ".join(f"{k} {v}" for k, v in Counter(r['reason'] for r in renders)
                                                  .most_common()) + f"); browser {b_browser}")
        if site_row.get("rendered_status") != "checked":
            print(f"    warning: rendered_status {site_row.get('rendered_status')}: {site_row.get('reason')}")
        if portal.static_seconds is not None:
            browser_part = b_s - portal.static_seconds
            print(f"    where the time goes: static rules on every page (as portal-audit audit judges them) "
                  f"{portal.static_seconds:.1f} s = {1000 * portal.static_seconds / max(1, site_row['pages']):.1f} "
                  f"ms/page, start-up and writes included; render {browser_part:.1f} s, of which axe on the "
                  f"pages {axe_ms / 1000:.1f} s ({axe_ms / 1000 / max(1, len(renders)):.3f} s/page) and browser "
                  f"start/stop {browser_part - axe_ms / 1000:.1f} s")
        else:
            print(f"    the static rules failed (exit {static_rc}); log {static_log}")

        # (a) axe on every page, in a child process of this file.
        a_json = workdir / "a.json"
        a_json.unlink(missing_ok=True)
        a_log = workdir / "a.log"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child-baseline", str(db), "--child-out", str(a_json)]
        if args.baseline_limit:
            cmd += ["--baseline-limit", str(args.baseline_limit)]
        n_a = len(spread(pages, args.baseline_limit))
        print(f"\n(a) axe-core on every page in one Chromium (one context, add_init_script, reused tab, WCAG 2.0/2.1 "
              f"A+AA): {n_a} pages, about {n_a * 0.21 / 60:.0f} min at ~0.2 s/page", flush=True)
        a_s, a_rc = run_with_progress(cmd, workdir, a_log)
        if a_rc != 0 or not a_json.exists():
            print(f"(a) exited {a_rc}; log {a_log}:\n{_tail(a_log)}", file=sys.stderr)
            return 1
        raw = json.loads(a_json.read_text(encoding="utf-8"))
        setup = a_s - raw["loop_seconds"]
        full = setup + raw["loop_seconds"] * raw["total"] / raw["audited"] if raw["audited"] else a_s
        baseline = Baseline(a_s, full, a_rc, raw["total"], raw["audited"], raw["launch_seconds"], raw["loop_seconds"],
                            raw["browser"], raw["restarts"], raw["pages"])
        print(f"    {a_s:.1f} s wall, exit {a_rc}: {baseline.loop_seconds:.1f} s for {baseline.audited} pages "
              f"({baseline.loop_seconds / max(1, baseline.audited):.3f} s/page), {setup:.1f} s start-up (store, "
              f"browser launch {baseline.launch_seconds:.1f} s, stop); {len(baseline.failed)} page(s) failed, "
              f"{baseline.restarts} browser restart(s); browser {baseline.browser}")
        if baseline.audited < baseline.total:
            print(f"    (a) measured on {baseline.audited} of {baseline.total} pages, time extrapolated: "
                  f"{setup:.1f} s + {baseline.loop_seconds:.1f} s x {baseline.total}/{baseline.audited} = {full:.1f} s")
        for page in baseline.failed[:5]:
            print(f"    failed: {page['url']}: {page['status']} {page['error']}")

        # Coverage over (rule, template) pairs.
        a_pairs = pairs_of_baseline(baseline)
        b_pairs = pairs_of_portal(portal)
        covered = [p for p in a_pairs if p in b_pairs]
        missed = [p for p in a_pairs if p not in b_pairs]
        coverage = len(covered) / len(a_pairs) if a_pairs else 0.0
        speedup = full / b_s if b_s > 0 else 0.0
        a_rules = {rule for rule, _ in a_pairs}
        b_pages = {r["url"] for r in violations}

        print()
        print(f"{'rule':<22} {'template':<16} {'(a) pages':>10} {'(b) pages':>10} {'static':>7} {'axe':>5}  "
              "found by (b)")
        for rule, fp in sorted(a_pairs, key=lambda p: (p[0], -sizes.get(p[1], 0))):
            sources = b_pairs.get((rule, fp), {})
            urls = set().union(*sources.values()) if sources else set()
            print(f"{rule:<22} {names.get(fp, str(fp)):<16} {a_pairs[(rule, fp)]:>10} {len(urls):>10} "
                  f"{len(sources.get('static', ())):>7} {len(sources.get('axe', ())):>5}  "
                  f"{'+'.join(sorted(sources)) if sources else 'MISSED'}")
        print("(a) pages: pages of the template where axe on every page found the rule; (b) pages: where "
              "portal-audit stored it (static: every page; axe: its sample)")
        print()
        print(f"pages: (a) {baseline.audited} audited with axe ({baseline.total} in the store); (b) "
              f"{site_row['pages']} checked statically, {len(ok_renders)} rendered with axe; "
              f"{len(b_pages)} pages with a (b) violation")
        extra = sorted({(rule, fp) for rule, fp in b_pairs if rule not in a_rules},
                       key=lambda p: (p[0], -sizes.get(p[1], 0)))
        if baseline.audited < baseline.total:
            print(f"note: (a) audited {baseline.audited} of {baseline.total} pages, so a template it did not visit "
                  "shows up below as found only by (b)")
        if extra:
            print("rules found only by (b)'s static rules, not by (a) (AAA, best practice, or experimental in axe: "
                  "not in (a)'s tags; not counted in coverage):")
            for rule in sorted({rule for rule, _ in extra}):
                parts = [f"{names.get(fp, fp)} {len(set().union(*b_pairs[(rule, fp)].values()))} pages"
                         for r, fp in extra if r == rule]
                print(f"    {rule}: " + ", ".join(parts))
        others = sorted((rule, fp) for rule, fp in b_pairs if rule in a_rules and (rule, fp) not in a_pairs)
        if others:
            print("pairs (b) found with a rule (a) reports elsewhere, but not on that template (static false "
                  "positives, or pages (a) did not audit):")
            for rule, fp in others:
                print(f"    {rule} on {names.get(fp, fp)} "
                      f"({len(set().union(*b_pairs[(rule, fp)].values()))} pages)")
        print()
        print("planted defects, page by page (saw = the rule reported the planted node on that page):")
        for line in planted_table(site, server.base_url, baseline, portal):
            print("    " + line)
        print()
        print(f"(a) axe on every page:            {full:8.1f} s"
              + (f"  (measured on {baseline.audited} of {baseline.total} pages, time extrapolated)"
                 if baseline.audited < baseline.total else f"  ({baseline.audited} pages)"))
        print(f"(b) static on all + axe on samples: {b_s:6.1f} s  ({site_row['pages']} pages static, "
              f"{len(ok_renders)} with axe)")
        print("the crawl both need is not counted in either")
        print(f"speed-up a/b: {speedup:.1f}   goal >= {SPEEDUP_GOAL:.0f}: "
              f"{'met' if speedup >= SPEEDUP_GOAL else 'NOT met'}")
        print(f"coverage: (b) finds {len(covered)} of the {len(a_pairs)} (rule, template) pairs (a) finds = "
              f"{coverage:.3f}   goal >= {COVERAGE_GOAL:.2f}: {'met' if coverage >= COVERAGE_GOAL else 'NOT met'}")
        print("pairs (b) missed: " + (", ".join(f"{rule} on {names.get(fp, fp)}" for rule, fp in missed)
                                      if missed else "none"))
        print(f"a11y_coverage: {coverage:.3f}")
        print(f"a11y_speedup: {speedup:.1f}")
        return 0
    finally:
        bench.stop_server(server)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
