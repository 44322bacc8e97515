#!/usr/bin/env python3
"""Crawl throughput of ``portal-audit crawl`` against a bare Scrapy ``CrawlSpider`` on the same local site.

Why this benchmark exists: portal-audit does much more per page than fetching it (canonical URLs, scope and
safety checks, encoding detection, page facts, link rows, zlib'd HTML in SQLite). On a 2-core machine Scrapy
itself is the bottleneck (one core, ~115-130 pages/s for a fetch-and-follow CrawlSpider, see
``/work/shared/spec/environment.md`` §5), so the only meaningful number is *relative*: how much of bare Scrapy's
speed the product keeps. The goal is a ratio of at least 0.8 and a peak RSS below 300 MB for portal-audit;
both are printed, never asserted, because the numbers vary about ±15% between runs on a shared machine.

What it does, in one run:

1. generates a deterministic (seeded) government-portal-like site: an index, ~50 category pages each
   linking ~40 articles, and ``--pages`` articles of ~30 KB of Vietnamese UTF-8 text with a realistic template;
2. serves it on 127.0.0.1 with nginx if installed (fastest, so the server never limits the crawler), else with
   Twisted's static web server (ships with Scrapy), else with a threaded ``http.server``;
3. runs (a) the baseline CrawlSpider and (b) ``portal-audit crawl``, each in its own subprocess, timing the
   process wall-clock and reading its exact peak RSS from ``os.wait4``;
4. prints a table and, as the very last line, ``crawl_ratio: <pages/s of b divided by pages/s of a>``.

Run it with the project's interpreter: ``.venv/bin/python benchmarks/crawl_throughput.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

SEED = 20261126
ARTICLES_PER_CATEGORY = 40
MENU_CATEGORIES = 14          # + "Trang chủ" = 15 menu links
RELATED_LINKS = 10
ARTICLE_BYTES = (27_000, 33_000)  # target size range of an article page, in UTF-8 bytes
SERVER_START_TIMEOUT = 15.0
RSS_GOAL_MB = 300.0
RATIO_GOAL = 0.8

# --------------------------------------------------------------------------------------------------------------
# Site generator
# --------------------------------------------------------------------------------------------------------------

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


def _head(title: str, description: str) -> str:
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


def _paragraphs(rng: random.Random, pool: list[str], budget: int) -> list[str]:
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
    write("/index.html", _head("Trang chủ", "Cổng Thông tin điện tử tỉnh Trường Giang") + header
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
        write(cat.path, _head(cat.name, f"Chuyên mục {cat.name}") + header
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
        top = (_head(art.title, art.summary) + header + f'<main class="container" id="main">{crumb}\n'
               f'<article class="news-detail"><h1 class="title">{html.escape(art.title)}</h1>\n'
               f'<p class="meta">{art.date} | Chuyên mục: {html.escape(cat.name)} | Nguồn: Văn phòng UBND tỉnh</p>\n'
               f'<p class="lead"><strong>{html.escape(art.summary)}</strong></p>\n<div class="content">\n')
        bottom = (f'</div>\n<p class="author"><strong>Ban Biên tập</strong></p></article>\n'
                  f'<aside class="related"><h2>Tin liên quan</h2><ul>\n{related_html}\n</ul></aside></main>\n' + footer)
        target = page_rng.randint(*ARTICLE_BYTES)
        budget = target - len(top.encode("utf-8")) - len(bottom.encode("utf-8"))
        write(art.path, top + "".join(_paragraphs(page_rng, pool, budget)) + bottom)

    # robots.txt allowing everything: portal-audit obeys robots.txt and fetches it first, as on a real portal.
    (root / "robots.txt").write_text("User-agent: *\nDisallow:\n", encoding="utf-8")
    return SiteInfo(root, n_articles, n_categories, 1 + n_categories + n_articles, total,
                    time.perf_counter() - started)


# --------------------------------------------------------------------------------------------------------------
# Static servers (all on 127.0.0.1, stopped by PID)
# --------------------------------------------------------------------------------------------------------------

@dataclass
class Server:
    kind: str            # "nginx" or "python"
    description: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def free_port() -> int:
    """A port the kernel considers free now; picked per run so concurrent benchmarks never collide."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_binary() -> str | None:
    """``nginx`` lives in /usr/sbin on Debian, which is not on a normal user's PATH."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                          if os.access(p, os.X_OK)), None)


def start_nginx(binary: str, site: Path, workdir: Path, port: int) -> Server:
    """Foreground nginx (``daemon off``) so its master PID is our child; one worker is plenty for one crawler."""
    prefix = workdir / "nginx"
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    # As root, nginx would drop its workers to "nobody", who may not read a private temp dir: keep the same user
    # the Python fallback server would run as, so neither server has more or less access than the other.
    user = "user root;\n" if os.geteuid() == 0 else ""
    tmp = prefix / "tmp"
    conf = prefix / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
  types {{ text/html html; text/plain txt; text/css css; application/javascript js; application/xml xml; }}
  default_type application/octet-stream;
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  server {{ listen 127.0.0.1:{port}; root {site}; index index.html; charset utf-8; }}
}}
""", encoding="utf-8")
    version = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False).stderr.strip()
    log = prefix / "stderr.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen([binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                                stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return Server("nginx", version.replace("nginx version: ", "") or "nginx", port, proc, log)


def start_python_server(site: Path, workdir: Path, port: int) -> Server:
    """Twisted's static server (comes with Scrapy, ~2.7k req/s) or, failing that, a threaded http.server."""
    log = workdir / "python-server.log"
    if importlib.util.find_spec("twisted") is not None:
        import twisted

        cmd = [sys.executable, "-m", "twisted", "web", "--path", str(site),
               "--listen", f"tcp:{port}:interface=127.0.0.1"]
        description = f"twisted.web {twisted.__version__} (python -m twisted web)"
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child-serve", str(site), "--child-port", str(port)]
        description = "http.server (threaded, backlog 128)"
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir)
    return Server("python", description, port, proc, log)


def serve_static(site: Path, port: int) -> None:
    """Fallback server (child mode): http.server's default backlog of 5 drops connections under 32 clients."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    class BigBacklogServer(ThreadingHTTPServer):
        request_queue_size = 128
        daemon_threads = True

    with BigBacklogServer(("127.0.0.1", port), partial(Quiet, directory=str(site))) as httpd:
        httpd.serve_forever()


def wait_ready(server: Server, probe_path: str) -> None:
    """Poll until the server answers 200 on a real article (not just the index), or fail with its log."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    url = server.base_url + probe_path.lstrip("/")
    last: str = ""
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200 and resp.read():
                    return
        except (OSError, urllib.error.URLError) as exc:
            last = str(exc)
        time.sleep(0.1)
    tail = server.log.read_text(errors="replace")[-2000:] if server.log.exists() else ""
    raise RuntimeError(f"{server.kind} server did not serve {url} ({last or 'exited'}):\n{tail}")


def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop one child by its PID: ``sig`` first, SIGKILL after 10 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------------------------------------------
# Measured runs
# --------------------------------------------------------------------------------------------------------------

@dataclass
class RunResult:
    label: str            # "a" or "b"
    pages: int            # HTML pages fetched with status 200
    seconds: float        # process wall-clock (start of the interpreter to exit)
    crawl_seconds: float | None  # as the crawler itself saw it (engine open to close), diagnostic only
    rss_mb: float         # peak resident set size of the process
    returncode: int
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0


def run_measured(cmd: list[str], cwd: Path, log: Path) -> tuple[float, float, int]:
    """Run ``cmd`` to completion; return (wall seconds, peak RSS in MB, exit code)."""
    seconds, _cpu, rss, code = measure_child(cmd, cwd, log)
    return seconds, rss, code


def measure_child(cmd: list[str], cwd: Path, log: Path) -> tuple[float, float, float, int]:
    """Run ``cmd`` to completion; return (wall seconds, CPU seconds, peak RSS in MB, exit code).

    ``os.wait4`` returns the rusage of exactly this child, so its ``ru_maxrss`` is the true peak (kB on Linux).
    ``getrusage(RUSAGE_CHILDREN)`` would give the maximum over *all* children so far (the server included), and
    polling /proc/<pid>/status can miss the last milliseconds; neither needs a dependency, but wait4 is exact.
    """
    with log.open("wb") as fh:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            stop_process(proc)
            raise
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_kb = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return seconds, usage.ru_utime + usage.ru_stime, rss_kb / 1024, proc.returncode


def baseline_child(url: str, out: Path) -> None:
    """Child mode (a): the bare CrawlSpider, fetching and following links and nothing else; stats to ``out``."""
    from urllib.parse import urlsplit

    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor
    from scrapy.spiders import CrawlSpider, Rule

    # allow_domains would compare the netloc including the port and match nothing here (environment.md, pitfall 3).
    host_regex = rf"^https?://{re.escape(urlsplit(url).netloc)}/"

    class BaselineSpider(CrawlSpider):
        name = "baseline"
        start_urls = (url,)  # Scrapy 2.19 ignores start_requests(); start_urls goes through start()
        rules = (Rule(LinkExtractor(allow=host_regex), follow=True),)

    process = CrawlerProcess(settings={
        "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False, "COOKIES_ENABLED": False, "RETRY_ENABLED": False,
        "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
    })
    crawler = process.create_crawler(BaselineSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    out.write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")


def run_baseline(base_url: str, workdir: Path, tag: str) -> RunResult:
    """Run (a) in a fresh interpreter, so it never shares a reactor or warm caches with (b) or with us."""
    out = workdir / f"a-{tag}.stats.json"
    log = workdir / f"a-{tag}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-baseline", base_url, "--child-out", str(out)]
    seconds, rss, rc = run_measured(cmd, workdir, log)
    stats: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    pages = int(stats.get("downloader/response_status_count/200", 0))
    crawl = stats.get("elapsed_time_seconds")
    extra = {"responses": stats.get("response_received_count", 0),
             "errors": sum(v for k, v in stats.items() if k.startswith("downloader/exception_count"))}
    return RunResult("a", pages, seconds, float(crawl) if crawl is not None else None, rss, rc, log, extra)


def portal_audit_command() -> list[str] | None:
    """The console script of *this* interpreter's environment first, then PATH, then ``-m portal_audit``."""
    sibling = Path(sys.executable).parent / "portal-audit"
    if sibling.is_file() and os.access(sibling, os.X_OK):
        return [str(sibling)]
    found = shutil.which("portal-audit")
    if found:
        return [found]
    if importlib.util.find_spec("portal_audit") is not None:
        return [sys.executable, "-m", "portal_audit"]
    return None


def write_registry(path: Path, base_url: str, max_pages: int) -> None:
    """The registry for (b): politeness switched off to match the baseline's settings, loopback allowed."""
    path.write_text(f"""province: "Benchmark"
defaults:
  allow_private_networks: ["127.0.0.1/32"]
  max_pages: {max_pages}
  max_depth: 20
  delay: 0
  autothrottle: false
  concurrency: 32
  check_external_links: false
sites:
  - id: bench
    name: "Trang thử nghiệm hiệu năng"
    unit_type: other
    url: "{base_url}"
""", encoding="utf-8")


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return None


def run_portal_audit(command: list[str], registry: Path, workdir: Path, tag: str) -> RunResult:
    """Run (b) exactly as a user would, into a new database, and count what it stored rather than what it says."""
    db = workdir / f"b-{tag}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    log = workdir / f"b-{tag}.log"
    seconds, rss, rc = run_measured([*command, "crawl", "--config", str(registry), "--db", str(db)], workdir, log)
    pages, crawl, extra = 0, None, {}
    if db.exists():
        with sqlite3.connect(db) as conn:
            pages = conn.execute("SELECT count(*) FROM pages WHERE status = 200").fetchone()[0]
            extra["rows"] = conn.execute("SELECT count(*) FROM pages").fetchone()[0]
            extra["errors"] = conn.execute("SELECT count(*) FROM fetch_errors").fetchone()[0]
            row = conn.execute("SELECT started_at, finished_at, status FROM sites LIMIT 1").fetchone()
            if row:
                crawl = _seconds_between(row[0], row[1])  # the store keeps whole seconds: ±1 s
                extra["site_status"] = row[2]
        conn.close()
    return RunResult("b", pages, seconds, crawl, rss, rc, log, extra)


# --------------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------------

LABELS = {"a": "(a) Scrapy CrawlSpider", "b": "(b) portal-audit crawl"}


def fmt_row(name: str, pages: float, seconds: float, pps: float, crawl: float | None, rss: float) -> str:
    crawl_txt = f"{crawl:8.1f}" if crawl is not None else f"{'-':>8}"
    return f"{name:<28} {pages:>6.0f} {seconds:>8.2f} {pps:>8.1f} {crawl_txt} {rss:>12.1f}"


def summarize(results: list[RunResult], label: str) -> tuple[float, float, float, float | None, float]:
    """Medians of pages, seconds, pages/s, crawl seconds and peak RSS for one crawler's runs."""
    rs = [r for r in results if r.label == label]
    crawls = [r.crawl_seconds for r in rs if r.crawl_seconds is not None]
    return (statistics.median(r.pages for r in rs), statistics.median(r.seconds for r in rs),
            statistics.median(r.pages_per_s for r in rs), statistics.median(crawls) if crawls else None,
            statistics.median(r.rss_mb for r in rs))


def failure_detail(result: RunResult, expected: int) -> str | None:
    """Why a run cannot be used for a ratio (crashed, or fetched almost nothing), with its log tail."""
    if result.returncode == 0 and result.pages >= 0.5 * expected:
        return None
    tail = result.log.read_text(errors="replace")[-3000:] if result.log.exists() else "(no log)"
    return (f"{LABELS[result.label]} exited {result.returncode} with {result.pages} pages of {expected} expected; "
            f"log {result.log}:\n{tail}")


# --------------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=2000, help="number of articles (default 2000); "
                        "the site also has an index and one category page per 40 articles")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each crawler, interleaved a/b then b/a; "
                        "medians are reported (default 1)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep the site, logs and databases")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto",
                        help="static server (default: nginx if installed, else python)")
    parser.add_argument("--baseline-only", action="store_true",
                        help="only run (a): calibrates a machine, or tests the generator without portal-audit")
    parser.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    # Child modes: this same file runs the baseline spider and the fallback server in subprocesses.
    parser.add_argument("--child-baseline", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pages < 1 or args.repeat < 1:
        parser.error("--pages and --repeat must be at least 1")
    return args


def choose_nginx(server: str) -> bool | None:
    """Whether to serve with nginx; None (after saying why) when nginx was asked for and is missing."""
    nginx = nginx_binary()
    if server == "nginx" and nginx is None:
        print("--server nginx: nginx is not installed (Debian: apt-get install -y nginx)", file=sys.stderr)
        return None
    return nginx is not None and server in ("auto", "nginx")


def start_server(site: Path, workdir: Path, port: int, use_nginx: bool) -> Server:
    """nginx when chosen (and present), else the Python fallback servers."""
    nginx = nginx_binary() if use_nginx else None
    return start_nginx(nginx, site, workdir, port) if nginx else start_python_server(site, workdir, port)


def bench_prerequisites(server: str) -> tuple[list[str], bool] | None:
    """The installed portal-audit command and whether nginx serves the site; None (the reason printed) when
    the benchmark cannot run here."""
    command = portal_audit_command()
    if command is None:
        print("portal-audit is not installed in this environment (pip install -e .)", file=sys.stderr)
        return None
    use_nginx = choose_nginx(server)
    return None if use_nginx is None else (command, use_nginx)


def serve_site(site: Path, workdir: Path, use_nginx: bool) -> Server:
    """Serve a generated site on a free port; return once its first article answers."""
    server = start_server(site, workdir, free_port(), use_nginx)
    wait_ready(server, next((site / "tin-tuc").rglob("*.html")).relative_to(site).as_posix())
    return server


def stop_server(server: Server | None) -> None:
    """nginx: SIGQUIT is a graceful stop of master and worker; twistd and http.server stop on SIGTERM."""
    if server is not None:
        stop_process(server.proc, signal.SIGQUIT if server.kind == "nginx" else signal.SIGTERM)


def make_workdir(keep: Path | None, prefix: str) -> Path:
    """--keep DIR (created) or a fresh temporary directory."""
    if keep:
        workdir = keep.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        return workdir
    return Path(tempfile.mkdtemp(prefix=prefix))


def main(argv: list[str] | None = None) -> int:
    """Generate, serve, measure, report; the server and the temp dir are cleaned up whatever happens."""
    args = parse_args(argv)
    if args.child_baseline:
        baseline_child(args.child_baseline, args.child_out)
        return 0
    if args.child_serve:
        serve_static(args.child_serve, args.child_port)
        return 0

    command: list[str] | None = None
    if not args.baseline_only:
        command = portal_audit_command()
        if command is None:
            print("portal-audit is not installed in this environment (pip install -e .), "
                  "or run with --baseline-only", file=sys.stderr)
            return 2
    use_nginx = choose_nginx(args.server)
    if use_nginx is None:
        return 2
    workdir = make_workdir(args.keep, "portal-audit-bench-")
    server: Server | None = None
    try:
        site = workdir / "site"
        if site.exists():
            shutil.rmtree(site)  # regenerate: a stale site from another --pages would skew the counts
        info = generate_site(site, args.pages, args.seed)
        server = serve_site(site, workdir, use_nginx)

        print(f"site: {info.pages} HTML pages (1 index, {info.categories} categories, {info.articles} articles), "
              f"{info.total_bytes / 1e6:.1f} MB, {info.total_bytes / info.pages / 1024:.1f} KiB/page average, "
              f"generated in {info.seconds:.2f} s")
        print(f"server: {server.kind}: {server.description} at {server.base_url}")
        registry = workdir / "registry.yaml"
        if command is not None:
            # 3000 as in the reference registry; larger --pages must not be cut by the page budget.
            write_registry(registry, server.base_url, max(3000, info.pages + 100))
            print(f"portal-audit: {' '.join(command)} crawl --config {registry.name} --db b-N.db")
        print(f"work dir: {workdir}{' (kept)' if args.keep else ' (removed at the end)'}")
        print(flush=True)

        results: list[RunResult] = []
        for i in range(1, args.repeat + 1):
            order = ("a", "b") if i % 2 else ("b", "a")  # ABBA...: drift (thermal, page cache) hits both alike
            for label in order:
                if label == "a":
                    result = run_baseline(server.base_url, workdir, str(i))
                elif command is not None:
                    result = run_portal_audit(command, registry, workdir, str(i))
                else:
                    continue
                results.append(result)
                more = ", ".join(f"{k} {v}" for k, v in result.extra.items())
                print(f"run {i} {LABELS[label]}: {result.pages} pages in {result.seconds:.2f} s = "
                      f"{result.pages_per_s:.1f} pages/s, peak RSS {result.rss_mb:.1f} MB, exit {result.returncode}"
                      f"{f' ({more})' if more else ''}", flush=True)
                problem = failure_detail(result, info.pages)
                if problem:
                    print(problem, file=sys.stderr)
                    return 1

        print()
        header = f"{'crawler':<28} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'crawl s':>8} {'peak RSS MB':>12}"
        print(header + (f"   (medians of {args.repeat} runs)" if args.repeat > 1 else ""))
        print("-" * len(header))
        a = summarize(results, "a")
        print(fmt_row(LABELS["a"], *a))
        if command is None:
            print()
            print("seconds = process wall-clock (start-up included); crawl s = engine open to close.")
            print(f"baseline_pages_per_s: {a[2]:.1f}")
            return 0
        b = summarize(results, "b")
        print(fmt_row(LABELS["b"], *b))
        ratio = b[2] / a[2] if a[2] else 0.0
        print()
        print("seconds = process wall-clock (start-up included); crawl s = as each crawler reports it "
              "(portal-audit stores whole seconds).")
        if abs(a[0] - b[0]) > 0.02 * info.pages:
            print(f"warning: the crawlers fetched different page counts ({a[0]:.0f} vs {b[0]:.0f}); "
                  "pages/s still compares, but check the logs")
        print(f"ratio b/a (pages/s): {ratio:.3f}   goal >= {RATIO_GOAL}: {'met' if ratio >= RATIO_GOAL else 'NOT met'}")
        print(f"peak RSS (b): {b[4]:.1f} MB   goal < {RSS_GOAL_MB:.0f} MB: "
              f"{'met' if b[4] < RSS_GOAL_MB else 'NOT met'}")
        print(f"crawl_ratio: {ratio:.3f}")
        return 0
    finally:
        stop_server(server)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
