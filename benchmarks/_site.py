"""The deterministic portal the throughput benchmarks crawl (crawl, audit, accessibility, re-crawl).

A provincial People's Committee portal: one index, about 50 category pages that each link about 40 articles,
and N articles of ~30 KB of Vietnamese UTF-8 text on a real portal template (header, a 15-link menu,
breadcrumb, body, 10 related links, a footer with three external links), plus a permissive robots.txt.
Same N and seed, byte-identical files, so figures from different days compare.
"""

from __future__ import annotations

import html
import random
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

SEED = 20261126
ARTICLES_PER_CATEGORY = 40
MENU_CATEGORIES = 14          # + "Trang chủ" = 15 menu links
RELATED_LINKS = 10
ARTICLE_BYTES = (27_000, 33_000)  # target size range of an article page, in UTF-8 bytes

# Vocabulary of provincial news; phrases rather than single syllables so the text reads like the real thing and
# has the real mix of 1-, 2- and 3-byte UTF-8 characters (diacritics, đ/Đ, combined tone marks).
PHRASES: tuple[str, ...] = (
    "Ủy ban nhân dân tỉnh", "Hội đồng nhân dân", "Ban Thường vụ Tỉnh ủy", "các sở, ban, ngành", "UBND các huyện",
    "UBND xã, phường, thị trấn", "đồng chí Chủ tịch", "Phó Chủ tịch Thường trực", "Giám đốc Sở", "người dân",
    "doanh nghiệp", "hợp tác xã", "cán bộ, công chức, viên chức", "đoàn viên thanh niên", "hội viên phụ nữ",
    "triển khai", "thực hiện", "tổ chức", "chỉ đạo", "kiểm tra", "giám sát", "đôn đốc", "tăng cường", "đẩy mạnh",
    "nâng cao", "hoàn thành", "phối hợp", "rà soát", "đánh giá", "tổng kết", "ban hành", "phê duyệt", "hướng dẫn",
    "tuyên truyền", "vận động", "hỗ trợ", "giải quyết", "tiếp nhận", "xử lý", "bố trí", "huy động", "khắc phục",
    "kế hoạch", "nhiệm vụ", "giải pháp", "chương trình", "đề án", "dự án", "công trình", "chính sách", "quy định",
    "thủ tục hành chính", "dịch vụ công trực tuyến", "cải cách hành chính", "chuyển đổi số", "chính quyền số",
    "kinh tế số", "xã hội số", "cơ sở dữ liệu", "hồ sơ", "văn bản", "báo cáo", "kết quả", "chỉ tiêu", "tiến độ",
    "nông thôn mới", "an sinh xã hội", "giảm nghèo bền vững", "giải quyết việc làm", "đào tạo nghề", "y tế cơ sở",
    "bảo hiểm y tế", "giáo dục và đào tạo", "trường học", "học sinh", "giáo viên", "phòng, chống thiên tai",
    "mùa mưa bão", "sạt lở đất", "nước sạch", "môi trường", "đất đai", "quy hoạch", "xây dựng", "giao thông",
    "đầu tư công", "giải ngân", "ngân sách nhà nước", "thu ngân sách", "xuất khẩu", "du lịch", "văn hóa",
    "thể thao", "di tích lịch sử", "lễ hội truyền thống", "đồng bào dân tộc thiểu số", "vùng sâu, vùng xa",
    "quốc phòng, an ninh", "trật tự an toàn giao thông", "phòng cháy, chữa cháy", "tiếp công dân",
    "khiếu nại, tố cáo", "phòng, chống tham nhũng", "thực hành tiết kiệm", "hiệu quả", "kịp thời", "đúng quy định",
    "trong thời gian tới", "năm 2026", "quý IV", "6 tháng đầu năm", "giai đoạn 2026-2030", "theo kế hoạch",
    "trên địa bàn tỉnh", "tại hội nghị", "đến nay", "bước đầu", "cơ bản", "đạt", "vượt", "so với cùng kỳ",
    "tỷ lệ", "hơn 95%", "gần 1.200 hồ sơ", "trên 300 tỷ đồng", "100% xã", "nhất là", "đồng thời", "bên cạnh đó",
    "tuy nhiên", "vì vậy", "qua đó", "góp phần", "thúc đẩy", "phát triển kinh tế - xã hội", "đời sống nhân dân",
    "sự hài lòng", "chất lượng phục vụ", "trách nhiệm người đứng đầu", "Nghị định số 42/2022/NĐ-CP",
    "Thông tư hướng dẫn", "Quyết định của UBND tỉnh", "Chỉ thị của Thủ tướng Chính phủ", "Bộ Thông tin và Truyền thông",
    "Cổng Dịch vụ công quốc gia", "Trung tâm Phục vụ hành chính công", "một cửa, một cửa liên thông",
)

CATEGORY_NAMES: tuple[str, ...] = (
    "Tin hoạt động", "Chỉ đạo điều hành", "Văn bản chỉ đạo", "Thông báo", "Cải cách hành chính", "Chuyển đổi số",
    "Kinh tế", "Văn hóa - Xã hội", "Y tế", "Giáo dục", "Nông nghiệp", "Tài nguyên - Môi trường", "Giao thông",
    "Xây dựng", "Du lịch", "Thể thao", "Quốc phòng - An ninh", "Tiếp công dân", "Thanh tra", "Tư pháp",
    "Lao động - Việc làm", "An sinh xã hội", "Dân tộc - Tôn giáo", "Khoa học - Công nghệ", "Công thương",
    "Tài chính - Ngân sách", "Đầu tư - Phát triển", "Quy hoạch", "Đất đai", "Phòng chống thiên tai",
    "Hợp tác quốc tế", "Thi đua - Khen thưởng", "Tuyển dụng", "Đấu thầu - Mua sắm công", "Dự án đầu tư",
    "Lấy ý kiến dự thảo", "Hỏi đáp", "Thông cáo báo chí", "Chính sách mới", "Người tốt việc tốt",
    "Gương điển hình", "Phổ biến pháp luật", "Nông thôn mới", "Đô thị", "Doanh nghiệp", "Hộ kinh doanh",
    "Thanh niên", "Phụ nữ", "Trẻ em", "Người cao tuổi",
)

EXTERNAL_LINKS: tuple[tuple[str, str], ...] = (
    ("https://chinhphu.vn/", "Cổng Thông tin điện tử Chính phủ"),
    ("https://dichvucong.gov.vn/", "Cổng Dịch vụ công quốc gia"),
    ("https://vbpl.vn/", "Cơ sở dữ liệu quốc gia về văn bản pháp luật"),
)


def slugify(text: str) -> str:
    """ASCII slug the way Vietnamese CMSs build URLs: strip tone marks, đ→d, words joined by '-'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def sentence(rng: random.Random) -> str:
    """One pseudo-news sentence; the generator draws page text from a pool of these."""
    words = " ".join(rng.choice(PHRASES) for _ in range(rng.randint(6, 14)))
    return words[0].upper() + words[1:] + "."


@dataclass(frozen=True)
class Article:
    id: int
    category: int
    title: str
    path: str
    date: str
    summary: str


@dataclass(frozen=True)
class Category:
    id: int
    name: str
    path: str


@dataclass
class SiteInfo:
    root: Path
    articles: int
    categories: int
    pages: int          # HTML pages: index + categories + articles
    total_bytes: int
    seconds: float


def page_head(title: str, description: str) -> str:
    t, d = html.escape(title), html.escape(description)
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t} - Cổng Thông tin điện tử tỉnh Trường Giang</title>
<meta name="description" content="{d}">
<meta property="og:title" content="{t}">
<meta property="og:description" content="{d}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Cổng Thông tin điện tử tỉnh Trường Giang">
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/static/css/bootstrap.min.css">
<link rel="stylesheet" href="/static/css/portal.css?v=2026.11">
<script src="/static/js/jquery.min.js"></script>
<script>window.portalConfig = {{siteId: 1, lang: "vi", searchUrl: "/tim-kiem", fontSize: 16}};</script>
</head>
<body>
"""


def _header(categories: list[Category]) -> str:
    menu = ['<li class="nav-item"><a class="nav-link" href="/">Trang chủ</a></li>']
    for cat in categories[:MENU_CATEGORIES]:
        menu.append(f'<li class="nav-item"><a class="nav-link" href="{cat.path}">{html.escape(cat.name)}</a></li>')
    return f"""<div class="top-bar"><div class="container">
<span class="date">Thứ năm, 26/11/2026</span>
<span class="hotline">Đường dây nóng: 0237 3 852 xxx</span>
</div></div>
<header class="site-header"><div class="container">
<a class="logo" href="/"><img src="/static/img/quoc-huy.png" alt="Quốc huy" width="72" height="72"></a>
<div class="site-title"><p class="agency">ỦY BAN NHÂN DÂN TỈNH TRƯỜNG GIANG</p>
<p class="name">CỔNG THÔNG TIN ĐIỆN TỬ</p></div>
<form class="search" action="/tim-kiem" method="get" role="search">
<label for="q" class="visually-hidden">Tìm kiếm</label>
<input id="q" name="q" type="search" placeholder="Nhập từ khóa tìm kiếm..."><button type="submit">Tìm</button>
</form></div></header>
<nav class="main-menu" aria-label="Menu chính"><div class="container"><ul class="nav">
{chr(10).join(menu)}
</ul></div></nav>
"""


def _footer(categories: list[Category]) -> str:
    internal = "".join(f'<li><a href="{c.path}">{html.escape(c.name)}</a></li>' for c in categories[:3])
    external = "".join(f'<li><a href="{u}" target="_blank" rel="noopener">{html.escape(n)}</a></li>'
                       for u, n in EXTERNAL_LINKS)
    return f"""<footer class="site-footer"><div class="container">
<div class="row"><div class="col-md-6">
<p><strong>Cơ quan chủ quản: Ủy ban nhân dân tỉnh Trường Giang</strong></p>
<p>Địa chỉ: Số 1 đường Trần Hưng Đạo, phường Đông Thành, tỉnh Trường Giang</p>
<p>Điện thoại: 0237 3 852 xxx - Email: congthongtin@truonggiang.gov.vn</p>
<p>Giấy phép số 12/GP-TTĐT ngày 15/01/2026 của Sở Thông tin và Truyền thông.</p>
<p>Ghi rõ nguồn "Cổng Thông tin điện tử tỉnh Trường Giang" khi phát hành lại thông tin từ website này.</p>
</div><div class="col-md-3"><ul class="links"><li><a href="/">Trang chủ</a></li>{internal}</ul></div>
<div class="col-md-3"><ul class="links">{external}</ul></div></div>
<p class="visits">Lượt truy cập: 12.345.678</p>
</div></footer>
<script src="/static/js/portal.js?v=2026.11"></script>
</body>
</html>
"""


def paragraphs(rng: random.Random, pool: list[str], budget: int) -> list[str]:
    """Paragraphs of pooled sentences until ``budget`` UTF-8 bytes are used (pooling keeps generation fast)."""
    out: list[str] = []
    used = 0
    while used < budget:
        para = "<p>" + " ".join(rng.choices(pool, k=rng.randint(3, 6))) + "</p>\n"
        out.append(para)
        used += len(para.encode("utf-8"))
    return out


def generate_site(root: Path, n_articles: int, seed: int = SEED) -> SiteInfo:
    """Write the site under ``root``; same ``n_articles`` and ``seed`` give byte-identical files."""
    started = time.perf_counter()
    rng = random.Random(seed)
    pool = [sentence(rng) for _ in range(800)]
    n_categories = max(1, round(n_articles / ARTICLES_PER_CATEGORY))
    categories = []
    for i in range(n_categories):
        name = CATEGORY_NAMES[i % len(CATEGORY_NAMES)]
        if i >= len(CATEGORY_NAMES):
            name = f"{name} {i // len(CATEGORY_NAMES) + 1}"
        categories.append(Category(i, name, f"/chuyen-muc/{slugify(name)}.html"))

    articles: list[Article] = []
    for i in range(n_articles):
        cat = categories[i % n_categories]
        title = rng.choice(pool).rstrip(".")
        title = " ".join(title.split()[: rng.randint(9, 16)])
        day = 1 + (n_articles - i) % 28
        month = 1 + (n_articles - i) // 28 % 12
        path = f"/tin-tuc/{slugify(cat.name)}/{slugify(title)[:80].rstrip('-')}-{100_000 + i}.html"
        articles.append(Article(i, cat.id, title, path, f"{day:02d}/{month:02d}/2026", rng.choice(pool)))
    by_category: dict[int, list[Article]] = {c.id: [] for c in categories}
    for art in articles:
        by_category[art.category].append(art)

    root.mkdir(parents=True, exist_ok=True)
    total = 0

    def write(path: str, text: str) -> None:
        nonlocal total
        data = text.encode("utf-8")
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(data)

    header, footer = _header(categories), _footer(categories)

    # Index: every category plus the 20 latest articles.
    cat_items = "\n".join(f'<li><a href="{c.path}">{html.escape(c.name)}</a></li>' for c in categories)
    latest = "\n".join(f'<li><a href="{a.path}">{html.escape(a.title)}</a> <span class="date">{a.date}</span></li>'
                       for a in articles[:20])
    write("/index.html", page_head("Trang chủ", "Cổng Thông tin điện tử tỉnh Trường Giang") + header
          + f'<main class="container" id="main"><h1 class="visually-hidden">Trang chủ</h1>\n'
            f'<section class="latest"><h2>Tin mới nhất</h2><ul>\n{latest}\n</ul></section>\n'
            f'<section class="categories"><h2>Chuyên mục</h2><ul>\n{cat_items}\n</ul></section></main>\n' + footer)

    # Category pages: all their articles (≈40), title + date + summary, no pagination.
    for cat in categories:
        items = "\n".join(
            f'<article class="news-item"><h3><a href="{a.path}">{html.escape(a.title)}</a></h3>'
            f'<span class="date">{a.date}</span><p class="summary">{html.escape(a.summary)}</p></article>'
            for a in by_category[cat.id])
        crumb = (f'<nav class="breadcrumb" aria-label="breadcrumb"><a href="/">Trang chủ</a> › '
                 f'<span>{html.escape(cat.name)}</span></nav>')
        write(cat.path, page_head(cat.name, f"Chuyên mục {cat.name}") + header
              + f'<main class="container" id="main">{crumb}\n<h1>{html.escape(cat.name)}</h1>\n{items}\n</main>\n'
              + footer)

    # Articles: breadcrumb, title, lead, body filled up to a target size, 10 related links.
    for art in articles:
        page_rng = random.Random(f"{seed}:{art.id}")
        cat = categories[art.category]
        same = by_category[cat.id]
        related = page_rng.sample(articles, k=min(RELATED_LINKS // 2, len(articles)))
        related += page_rng.sample(same, k=min(RELATED_LINKS - len(related), len(same)))
        related_html = "\n".join(
            f'<li><a href="{r.path}">{html.escape(r.title)}</a> <span class="date">{r.date}</span></li>'
            for r in related)
        crumb = (f'<nav class="breadcrumb" aria-label="breadcrumb"><a href="/">Trang chủ</a> › '
                 f'<a href="{cat.path}">{html.escape(cat.name)}</a> › '
                 f'<span>{html.escape(art.title[:60])}...</span></nav>')
        top = (page_head(art.title, art.summary) + header + f'<main class="container" id="main">{crumb}\n'
               f'<article class="news-detail"><h1 class="title">{html.escape(art.title)}</h1>\n'
               f'<p class="meta">{art.date} | Chuyên mục: {html.escape(cat.name)} | Nguồn: Văn phòng UBND tỉnh</p>\n'
               f'<p class="lead"><strong>{html.escape(art.summary)}</strong></p>\n<div class="content">\n')
        bottom = (f'</div>\n<p class="author"><strong>Ban Biên tập</strong></p></article>\n'
                  f'<aside class="related"><h2>Tin liên quan</h2><ul>\n{related_html}\n</ul></aside></main>\n' + footer)
        target = page_rng.randint(*ARTICLE_BYTES)
        budget = target - len(top.encode("utf-8")) - len(bottom.encode("utf-8"))
        write(art.path, top + "".join(paragraphs(page_rng, pool, budget)) + bottom)

    # robots.txt allowing everything: portal-audit obeys robots.txt and fetches it first, as on a real portal.
    (root / "robots.txt").write_text("User-agent: *\nDisallow:\n", encoding="utf-8")
    return SiteInfo(root, n_articles, n_categories, 1 + n_categories + n_articles, total,
                    time.perf_counter() - started)
