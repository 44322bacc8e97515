"""A province of hostile sites, one per family of bad behaviour, for tests/test_hostile_sites.py and
benchmarks/hostile.py.

Every site has an ordinary Vietnamese home page that links to its hostile pages, so each site is crawled,
audited and reported like any other and the hostile part is one page among normal ones. Forbidden addresses
are canaries (tests/canary.py): 127.0.0.2 and [::1] listeners that count every connection, reached through
every spelling of an address (hex, decimal, octal, short forms) and every scheme a redirect can name.

The answer key is ``EXPECTED``: for each (site, path) the fetch_errors kind the crawl must record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from canary import Canary, ipv6_loopback
from hostile_server import (
    Exchange,
    HostileServer,
    Route,
    bomb,
    endless_body,
    html_page,
    huge_length_slow_body,
    redirect,
    slow_headers,
    streamed,
    with_headers,
)
from vietnamese_bytes import cp1258_bytes

XSS = {
    "title": "<script>alert('tieu-de')</script>\u202eSở XSS",
    "link": "<img src=x onerror=alert('lien-ket')>Tin tức",
    "heading": "<svg onload=alert('tieu-de-phu')>Giới thiệu</svg>",
    "server": "<script>alert('may-chu')</script>",
}
BIDI = "\u202e\u2066"

# (site, path) -> the fetch_errors kind the crawl records for it
EXPECTED: dict[tuple[str, str], str] = {
    ("slow", "/slowloris"): "timeout",
    ("slow", "/endless-slow"): "timeout",
    ("slow", "/endless-fast"): "too_large",
    ("slow", "/huge-length"): "too_large",
    ("bombs", "/gzip"): "too_large",
    ("bombs", "/deflate"): "too_large",
    ("bombs", "/br"): "too_large",
    ("markup", "/line-50mb"): "too_large",
    ("robots", "/rieng/a"): "robots",
}
# Redirect targets: the page that redirects is recorded with the kind (scheme) or the target is (address).
SCHEME_REDIRECTS = {"/to-file": "file:///etc/passwd", "/to-data": "data:text/html,<script>alert(1)</script>",
                    "/to-js": "javascript:alert(1)"}


@dataclass
class HostileSiteSpec:
    name: str
    routes: dict[str, Route]
    registry: str = ""                               # extra YAML flow-mapping entries for this site
    linked: list[str] = field(default_factory=list)  # paths the home page links to


@dataclass
class HostileProvince:
    server: HostileServer
    canaries: list[Canary]
    sites: dict[str, str] = field(default_factory=dict)   # name -> base URL
    specs: dict[str, HostileSiteSpec] = field(default_factory=dict)

    def canary_hits(self) -> int:
        return sum(c.hits for c in self.canaries)

    def registry_yaml(self, only: list[str] | None = None, defaults: str = "") -> str:
        extra = f", {defaults}" if defaults else ""
        lines = ["province: Tỉnh Thử thách",
                 "defaults: {allow_private_networks: [\"127.0.0.1/32\"], delay: 0, timeout: 5, retries: 0, "
                 f"max_pages: 60, render_budget: 6{extra}}}", "sites:"]
        for name in only or list(self.sites):
            spec = self.specs[name]
            more = f", {spec.registry}" if spec.registry else ""
            lines.append(f'  - {{id: {name}, name: "Sở {name}", unit_type: so_ban_nganh, '
                         f'url: "{self.sites[name]}/"{more}}}')
        return "\n".join(lines) + "\n"

    def close(self) -> None:
        for canary in self.canaries:
            canary.stop()
        for canary in self.canaries:
            canary.close()
        self.server.close()


def _home(title: str, paths: list[str], extra: str = "") -> str:
    links = "".join(f'<li><a href="{p}">Mục {i}</a></li>' for i, p in enumerate(paths, 1))
    return html_page(title, f"<nav><ul>{links}</ul></nav><p>Cổng thông tin điện tử.</p>{extra}")


def _deep(levels: int) -> str:
    return html_page("Lồng sâu", "<div>" * levels + "đáy" + "</div>" * levels)


def _many_links(count: int) -> str:
    return html_page("Nhiều liên kết", "".join(f'<a href="/l/{i}">Trang {i}</a> ' for i in range(count)))


def _bad_bytes() -> bytes:
    """NUL, invalid UTF-8 and bidi overrides in the title, the URLs and the text."""
    body = ("<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Tiêu\x00 đề "
            f"{BIDI}gnp.exe</title></head><body><main><h1>Trang\x00 lỗi</h1>"
            f'<a href="/a\x00b">NUL</a> <a href="/{BIDI}ngược">ngược</a> '
            '<a href="/%FF%FE">ff</a></main></body></html>').encode()
    return body.replace("lỗi".encode(), b"l\xff\xfei")


def _lying_charset() -> bytes:
    """Windows-1258 bytes served as UTF-8."""
    text = html_page("Giới thiệu chung", "<p>Địa chỉ: số 36 đường Lý Thường Kiệt, thành phố Thanh Hóa. "
                     "Điện thoại: (0237) 3.852.xxx. Thư điện tử: vanphong@thanhhoa.gov.vn</p>")
    return cp1258_bytes(text.replace('<meta charset="utf-8">', ""))


def _sitemaps(canary: Canary) -> dict[str, Route]:
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                        for i in range(1, 10))
              + ']>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              "<url><loc>{base}/tin/&lol9;</loc></url><url><loc>{base}/tin/a</loc></url></urlset>")
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE u [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
           f'<!ENTITY web SYSTEM "http://{canary.authority}/xxe"><!ENTITY % p SYSTEM "http://{canary.authority}/dtd">'
           '%p;]>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           "<url><loc>{base}/tin/&xxe;</loc></url><url><loc>{base}/tin/&web;</loc></url>"
           "<url><loc>{base}/tin/b</loc></url></urlset>")
    index = ('<?xml version="1.0"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             "<sitemap><loc>{base}/index.xml</loc></sitemap><sitemap><loc>{base}/index2.xml</loc></sitemap>"
             "</sitemapindex>")
    index2 = index.replace("/index2.xml", "/laughs.xml")
    xml = {"Content-Type": "application/xml"}
    robots = ("User-agent: *\nAllow: /\nSitemap: {base}/laughs.xml\nSitemap: {base}/xxe.xml\n"
              "Sitemap: {base}/index.xml\n")
    return {
        "/robots.txt": _text(robots, "text/plain"),
        "/laughs.xml": _text(laughs, xml["Content-Type"]), "/xxe.xml": _text(xxe, xml["Content-Type"]),
        "/index.xml": _text(index, xml["Content-Type"]), "/index2.xml": _text(index2, xml["Content-Type"]),
        "/tin/a": html_page("Tin A", "<p>Tin tức.</p>"), "/tin/b": html_page("Tin B", "<p>Tin tức.</p>"),
    }


def _text(template: str, content_type: str) -> Route:
    async def behaviour(ex: Exchange) -> None:
        await ex.respond(200, template.replace("{base}", ex.base).encode("utf-8"), {"Content-Type": content_type})
    return behaviour


def _endless_family() -> Route:
    """Every page links to two new unique URLs below it: an infinite site of unique, well-formed pages."""
    async def behaviour(ex: Exchange) -> None:
        here = ex.path.rstrip("/")
        n = len(here)
        body = html_page(f"Tin {n}", f'<a href="{here}/{n}1">Tiếp</a> <a href="{here}-{n}2">Khác</a>')
        await ex.respond(200, body.encode())
    return behaviour


class _FamilyRoutes(dict):
    """Routes where any path under a prefix answers with a behaviour (an endless URL family)."""

    def __init__(self, fixed: dict[str, Route], families: dict[str, Route]):
        super().__init__(fixed)
        self.families = families

    def get(self, path: str, default: Route | None = None) -> Route | None:  # type: ignore[override]
        if path in self:
            return self[path]
        for prefix, route in self.families.items():
            if path.startswith(prefix):
                return route
        return default


async def _explode(ex: Exchange) -> None:
    """Each page links to ten more, each adding one more parameter: 10^n unique URLs at depth n."""
    base = ex.path if "?" in ex.path else ex.path + "?"
    links = "".join(f'<a href="{base}&p{len(base)}={i}">{i}</a> ' for i in range(10))
    await ex.respond(200, html_page("Lọc", links).encode())


def build(server: HostileServer) -> HostileProvince:
    """Start every hostile site on ``server``, with canaries on the forbidden addresses."""
    a = Canary("127.0.0.2")
    b = Canary("::1" if ipv6_loopback() else "127.0.0.2")
    province = HostileProvince(server, [a, b])
    port = a.port
    address_redirects = {
        "/to-metadata": "http://169.254.169.254/latest/meta-data/",
        "/to-v6": f"http://{b.authority}/v6",
        "/to-hex": f"http://0x7f000002:{port}/hex", "/to-dec": f"http://2130706434:{port}/dec",
        "/to-octal": f"http://0177.0.0.02:{port}/octal", "/to-short": f"http://127.2:{port}/short",
    }
    redirects: dict[str, Route] = {p: redirect(t) for p, t in {**SCHEME_REDIRECTS, **address_redirects}.items()}
    frames = "".join(f'<iframe title="{p}" src="{p}"></iframe><img alt="" src="{p}">' for p in redirects)
    redirects["/khung"] = html_page("Khung", frames + f'<a href="http://{a.authority}/truc-tiep">trực tiếp</a>')

    specs = [
        HostileSiteSpec("slow", {"/slowloris": slow_headers, "/endless-slow": endless_body(1024, 0.2),
                                 "/endless-fast": endless_body(1 << 16, 0), "/huge-length": huge_length_slow_body}),
        HostileSiteSpec("bombs", {f"/{e}": bomb(e) for e in ("gzip", "deflate", "br")}),
        HostileSiteSpec("markup", {
            "/deep": _deep(200_000), "/links-100k": _many_links(100_000),
            "/line-50mb": streamed("text/html; charset=utf-8", b"<html><body><p>",
                                   '<a href="/x">liên kết</a>'.encode(), 50 << 20),
            "/bytes": with_headers(_bad_bytes(), [("Content-Type", "text/html; charset=utf-8"),
                                                  ("X-Note", f"{BIDI}abc")]),
            "/lying-charset": with_headers(_lying_charset(), {"Content-Type": "text/html; charset=utf-8"}),
        }),
        HostileSiteSpec("redirects", redirects, registry="render: all"),
        HostileSiteSpec("sitemaps", _sitemaps(a)),
        HostileSiteSpec("robots", {
            "/robots.txt": streamed("text/plain", b"User-agent: *\nCrawl-delay: 100000\nDisallow: /rieng/\n",
                                    b"# " + b"x" * 77 + b"\n", 50 << 20),
            "/cong-khai": html_page("Công khai", "<p>Nội dung công khai.</p>"),
            "/rieng/a": html_page("Riêng", "<p>Không được đọc.</p>"),
        }, linked=["/cong-khai", "/rieng/a"]),
        HostileSiteSpec("traps", _FamilyRoutes({"/loc": _explode}, {"/tin/": _endless_family(),
                                                                      "/loc?": _explode}),
                        linked=["/tin/1", "/loc"]),
        HostileSiteSpec("headers", {
            "/many-headers": with_headers(html_page("Nhiều tiêu đề", "").encode(),
                                          [(f"X-H-{i}", "v") for i in range(10_000)]),
            "/big-header": with_headers(html_page("Tiêu đề lớn", "").encode(), {"X-Big": "v" * (1 << 20)}),
            "/cookies": with_headers(html_page("Bánh quy", '<a href="/">Trang chủ</a>').encode(),
                                     [("Set-Cookie", f"c{i}={'v' * 100}; Path=/") for i in range(10_000)]),
        }),
        HostileSiteSpec("xss", {
            "/tin-tuc": html_page(XSS["title"], f'<h2>{XSS["heading"]}</h2><img src="/x.png" onerror="alert(9)">'
                                  '<a href="javascript:alert(5)">bấm</a>'
                                  '<a href="/khong-co/%3Cscript%3Ealert(2)%3C/script%3E">hỏng</a>'),
            "/%22%3E%3Csvg%20onload=alert(3)%3E": html_page("Đường dẫn", "<p>x</p>"),
        }, registry="render: all", linked=["/tin-tuc", "/%22%3E%3Csvg%20onload=alert(3)%3E",
                                           "/khong-co/\"><script>alert(4)</script>"]),
    ]
    for spec in specs:
        linked = spec.linked or [p for p in spec.routes if not p.endswith((".txt", ".xml"))]
        routes = spec.routes
        title = XSS["title"] if spec.name == "xss" else f"Sở {spec.name}"
        link_text = XSS["link"] if spec.name == "xss" else None
        home = _home(title, linked)
        if link_text:
            home = home.replace("Mục 1<", f"{link_text}<")
        home_route: Route = (with_headers(home.encode(), {"Content-Type": "text/html; charset=utf-8",
                                                          "Server": XSS["server"]})
                             if spec.name == "xss" else home)
        if isinstance(routes, _FamilyRoutes):
            routes["/"] = home_route
        else:
            routes = {"/": home_route, **routes}
        spec.routes = routes
        province.specs[spec.name] = spec
        province.sites[spec.name] = server.site(spec.name, routes)
    return province
