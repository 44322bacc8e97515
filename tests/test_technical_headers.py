"""analyse_headers and mixed_content on header sets as Vietnamese state portals really send them."""

from __future__ import annotations

import json

import pytest

from portal_audit.html import parse_html
from portal_audit.technical.headers import CHECKS, HeaderFinding, analyse_headers, mixed_content

# Liferay 7 on Tomcat behind Apache (many provincial portals): stored as the crawler stores them.
LIFERAY = {
    "date": "Mon, 23 Nov 2026 02:10:11 GMT",
    "server": "Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips",
    "liferay-portal": "Liferay Community Edition Portal 7.0.4 GA5 (Wilberforce / Build 7004 / August 31, 2017)",
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "set-cookie": "JSESSIONID=0F1E2D3C4B5A69788796A5B4C3D2E1F0; Path=/; HttpOnly, "
                  "COOKIE_SUPPORT=true; Expires=Tue, 23-Nov-2027 02:10:11 GMT; Path=/; HttpOnly, "
                  "GUEST_LANGUAGE_ID=vi_VN; Expires=Tue, 23-Nov-2027 02:10:11 GMT; Path=/; HttpOnly",
    "content-type": "text/html;charset=UTF-8",
}
# SharePoint 2013 on IIS 8.5 (ASP.NET).
SHAREPOINT = {
    "Cache-Control": "private, max-age=0",
    "Server": "Microsoft-IIS/8.5",
    "X-AspNet-Version": "4.0.30319",
    "X-Powered-By": "ASP.NET",
    "MicrosoftSharePointTeamServices": "15.0.0.4420",
    "X-SharePointHealthScore": "0",
    "X-Content-Type-Options": "nosniff",
    "X-MS-InvokeApp": "1; RequireReadOnly",
    "Set-Cookie": ["ASP.NET_SessionId=kq3v1xyz; path=/; HttpOnly"],
}
# NukeViet 4 on nginx + PHP, hardened.
NUKEVIET = {
    "server": "nginx",
    "content-security-policy": "default-src 'self' https:; script-src 'self' 'unsafe-inline' https://www.google.com; "
                               "frame-ancestors 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
    "set-cookie": "nv4c_Xyz_sess=a1b2c3; path=/; secure; HttpOnly; SameSite=Lax",
}
# Drupal 7 on Apache with PHP 7.2 (a department site).
DRUPAL = {
    "server": "Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips PHP/7.2.34",
    "x-powered-by": "PHP/7.2.34",
    "x-generator": "Drupal 7 (http://drupal.org)",
    "x-drupal-cache": "HIT",
    "strict-transport-security": "max-age=86400",
    "set-cookie": "SESSd41d8cd98f00b204e9800998ecf8427e=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT; "
                  "Max-Age=0; path=/",
}


def by_check(findings: list[HeaderFinding]) -> dict[str, HeaderFinding]:
    return {f.check: f for f in findings}


def test_every_check_reported_once_in_order():
    findings = analyse_headers({}, https=True)
    assert [f.check for f in findings] == list(CHECKS)
    assert all(f.outcome in ("passed", "failed", "not_applicable") for f in findings)


def test_liferay_tomcat_portal():
    f = by_check(analyse_headers(LIFERAY, https=True))
    assert f["csp"].outcome == "failed"
    assert f["x_content_type_options"].outcome == "passed"
    assert f["frame_protection"].outcome == "passed" and f["frame_protection"].evidence == "X-Frame-Options: SAMEORIGIN"
    assert f["referrer_policy"].outcome == "failed"
    assert f["hsts"].outcome == "failed"
    cookies = f["cookie_flags"]
    assert cookies.outcome == "failed"
    assert cookies.reason == ("3 of 3 cookie(s) lack flags: JSESSIONID (Secure, SameSite); COOKIE_SUPPORT (Secure, "
                              "SameSite); GUEST_LANGUAGE_ID (Secure, SameSite)")
    assert cookies.evidence == "Set-Cookie: JSESSIONID=…; Path=/; HttpOnly"  # the session id is not republished
    disclosure = f["version_disclosure"]
    assert disclosure.outcome == "failed" and "Liferay-Portal" in disclosure.reason and "Server" in disclosure.reason
    assert disclosure.evidence.startswith("Server: Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips | Liferay-Portal: ")
    assert len(disclosure.evidence) <= 200


def test_sharepoint_iis_portal():
    f = by_check(analyse_headers(SHAREPOINT, https=True))
    disclosure = f["version_disclosure"]
    assert disclosure.outcome == "failed"
    assert "Server: Microsoft-IIS/8.5" in disclosure.evidence
    assert "X-AspNet-Version: 4.0.30319" in disclosure.evidence
    assert "MicrosoftSharePointTeamServices: 15.0.0.4420" in disclosure.evidence
    assert "ASP.NET" not in disclosure.evidence.replace("X-AspNet", "")  # "X-Powered-By: ASP.NET" names no version
    assert "X-SharePointHealthScore" not in disclosure.evidence
    assert f["cookie_flags"].reason == "1 of 1 cookie(s) lack flags: ASP.NET_SessionId (Secure, SameSite)"
    assert f["frame_protection"].outcome == "failed"


def test_hardened_nukeviet_passes_everything():
    findings = analyse_headers(NUKEVIET, https=True, html_head='<meta name="generator" content="NukeViet">')
    assert {f.check: f.outcome for f in findings} == dict.fromkeys(CHECKS, "passed")
    f = by_check(findings)
    assert f["frame_protection"].reason.startswith("CSP frame-ancestors")
    assert f["hsts"].reason == "HSTS max-age is 365 days"
    assert f["cookie_flags"].evidence == "Set-Cookie: nv4c_Xyz_sess=…; path=/; secure; HttpOnly; SameSite=Lax"


def test_drupal_apache_site():
    f = by_check(analyse_headers(DRUPAL, https=True))
    assert f["hsts"].outcome == "failed" and "1 day(s), less than 180" in f["hsts"].reason
    assert f["cookie_flags"].outcome == "not_applicable"  # the only cookie is a deletion
    disclosure = f["version_disclosure"]
    assert set(disclosure.reason.removeprefix("software version disclosed by ").split(", ")) == {
        "Server", "X-Generator", "X-Powered-By"}


def test_stored_json_round_trip_like_the_crawler():
    stored = json.loads(json.dumps({k.lower(): ", ".join(v) if isinstance(v, list) else v
                                    for k, v in SHAREPOINT.items()}))
    assert analyse_headers(stored, https=True) == analyse_headers(SHAREPOINT, https=True)


def test_bytes_and_lists_like_scrapy_headers():
    raw = {b"Server": [b"nginx/1.18.0 (Ubuntu)"], b"X-Frame-Options": [b"DENY"]}
    f = by_check(analyse_headers(raw, https=False))
    assert f["version_disclosure"].evidence == "Server: nginx/1.18.0 (Ubuntu)"
    assert f["frame_protection"].outcome == "passed"


@pytest.mark.parametrize(("header", "value"), [
    ("Server", "nginx"), ("Server", "Microsoft-IIS"), ("X-Powered-By", "ASP.NET"), ("Server", "Apache"),
    ("Server", "Apache-Coyote/1.1"), ("Server", "Microsoft-HTTPAPI/2.0"), ("Server", "ECS (sjc/4E5D)"),
    ("Server", "cloudflare"), ("X-Powered-By", "PleskLin"),
])
def test_bare_product_names_pass(header, value):
    assert by_check(analyse_headers({header: value}, https=True))["version_disclosure"].outcome == "passed"


@pytest.mark.parametrize(("header", "value"), [
    ("Server", "Apache/2"), ("Server", "Microsoft-IIS/10.0"), ("X-AspNetMvc-Version", "5.2"),
    ("X-Powered-By", "PHP/5.6.40"), ("Server", "Jetty(9.4.z-SNAPSHOT)"), ("X-OWA-Version", "15.1.2507.6"),
])
def test_versions_fail(header, value):
    finding = by_check(analyse_headers({header: value}, https=True))["version_disclosure"]
    assert finding.outcome == "failed" and finding.evidence == f"{header}: {value}"


@pytest.mark.parametrize(("content", "outcome"), [
    ("Joomla! 3.9 - Open Source Content Management", "failed"), ("NukeViet v4.5", "failed"),
    ("WordPress 6.4.2", "failed"), ("Joomla! - Open Source Content Management", "passed"),
    ("Microsoft SharePoint", "passed"),
])
def test_meta_generator(content, outcome):
    head = f'<html><head><META NAME="Generator" CONTENT="{content}"></head></html>'
    finding = by_check(analyse_headers({}, https=True, html_head=head))["version_disclosure"]
    assert finding.outcome == outcome
    if outcome == "failed":
        assert finding.reason == "software version disclosed by meta generator"
        assert finding.evidence == f'<meta name="generator" content="{content}">'


def test_csp_report_only_does_not_count():
    f = by_check(analyse_headers({"Content-Security-Policy-Report-Only": "default-src 'self'"}, https=True))
    assert f["csp"].outcome == "failed" and "Report-Only" in f["csp"].reason
    assert f["csp"].evidence == "Content-Security-Policy-Report-Only: default-src 'self'"


def test_csp_in_meta_counts_but_not_its_frame_ancestors():
    head = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; frame-ancestors 'none'\">"
    f = by_check(analyse_headers({}, https=True, html_head=head))
    assert f["csp"].outcome == "passed" and f["csp"].evidence.startswith("<meta http-equiv")
    assert f["frame_protection"].outcome == "failed"


@pytest.mark.parametrize(("headers", "outcome", "needle"), [
    ({"X-Frame-Options": "DENY"}, "passed", "forbids"),
    ({"x-frame-options": "SAMEORIGIN, SAMEORIGIN"}, "passed", "forbids"),  # sent twice, joined by the crawler
    ({"X-Frame-Options": "ALLOW-FROM https://dichvucong.gov.vn"}, "failed", "ALLOW-FROM"),
    ({"X-Frame-Options": "ALLOWALL"}, "failed", "do not understand"),
    ({"Content-Security-Policy": "frame-ancestors *"}, "failed", "any site"),
    ({"Content-Security-Policy": "default-src 'self'", "X-Frame-Options": "DENY"}, "passed", "forbids"),
    ({"Content-Security-Policy": "frame-ancestors 'self' https://thanhhoa.gov.vn", "X-Frame-Options": "ALLOWALL"},
     "passed", "frame-ancestors"),
])
def test_frame_protection(headers, outcome, needle):
    finding = by_check(analyse_headers(headers, https=True))["frame_protection"]
    assert finding.outcome == outcome and needle in finding.reason


def test_x_frame_options_in_meta_is_ignored():
    head = '<meta http-equiv="X-Frame-Options" content="DENY">'
    finding = by_check(analyse_headers({}, https=True, html_head=head))["frame_protection"]
    assert finding.outcome == "failed" and "<meta>" in finding.reason


@pytest.mark.parametrize(("value", "outcome"), [
    ("nosniff", "passed"), ("NoSniff", "passed"), ("nosniff, nosniff", "passed"), ("sniff", "failed"),
])
def test_content_type_options(value, outcome):
    finding = by_check(analyse_headers({"X-Content-Type-Options": value}, https=True))["x_content_type_options"]
    assert finding.outcome == outcome


@pytest.mark.parametrize(("value", "outcome"), [
    ("no-referrer", "passed"), ("same-origin", "passed"), ("no-referrer-when-downgrade", "passed"),
    ("unsafe-url", "failed"), ("no-referrer, unsafe-url", "failed"), ("unsafe-url, strict-origin", "passed"),
    ("always", "failed"),
])
def test_referrer_policy(value, outcome):
    assert by_check(analyse_headers({"Referrer-Policy": value}, https=True))["referrer_policy"].outcome == outcome


def test_referrer_meta_counts():
    head = '<meta name="referrer" content="strict-origin-when-cross-origin">'
    finding = by_check(analyse_headers({}, https=True, html_head=head))["referrer_policy"]
    assert finding.outcome == "passed" and finding.evidence.startswith("<meta name=\"referrer\"")


@pytest.mark.parametrize(("value", "outcome", "needle"), [
    ("max-age=15552000", "passed", "180 days"),
    ('max-age="31536000"; includeSubDomains', "passed", "365 days"),
    ("max-age=2592000", "failed", "30 day(s)"),
    ("max-age=0", "failed", "0 day(s)"),
    ("includeSubDomains", "failed", "no valid max-age"),
    ("max-age=31536000, max-age=0", "passed", "365"),  # two headers: the first one counts
])
def test_hsts(value, outcome, needle):
    finding = by_check(analyse_headers({"Strict-Transport-Security": value}, https=True))["hsts"]
    assert finding.outcome == outcome and needle in finding.reason


def test_hsts_and_cookies_not_applicable_on_http():
    headers = {"Strict-Transport-Security": "max-age=31536000", "Set-Cookie": "PHPSESSID=1; path=/"}
    f = by_check(analyse_headers(headers, https=False))
    assert f["hsts"].outcome == "not_applicable"
    assert f["cookie_flags"].outcome == "not_applicable" and "http://" in f["cookie_flags"].reason


def test_no_cookies_is_not_applicable():
    assert by_check(analyse_headers({"Server": "nginx"}, https=True))["cookie_flags"].outcome == "not_applicable"


def test_cookie_split_keeps_expires_dates_whole():
    stored = ("a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Secure; HttpOnly; SameSite=Strict, "
              "b=2; Path=/; Secure; SameSite=None, c=3; Secure; HttpOnly; SameSite=bogus")
    finding = by_check(analyse_headers({"set-cookie": stored}, https=True))["cookie_flags"]
    assert finding.reason == "2 of 3 cookie(s) lack flags: b (HttpOnly); c (SameSite)"
    assert finding.evidence == "Set-Cookie: b=…; Path=/; Secure; SameSite=None"


def test_deletion_cookie_judged_against_the_date_header():
    headers = {"Date": "Mon, 23 Nov 2026 02:10:11 GMT",
               "Set-Cookie": ["old=; Expires=Sun, 22 Nov 2026 00:00:00 GMT; Path=/",
                              "new=x; Expires=Tue, 24 Nov 2026 00:00:00 GMT; Path=/; Secure; HttpOnly; SameSite=Lax"]}
    finding = by_check(analyse_headers(headers, https=True))["cookie_flags"]
    assert finding.outcome == "passed" and finding.reason == "all 1 cookie(s) have Secure, HttpOnly and SameSite"


def test_evidence_is_truncated():
    finding = by_check(analyse_headers({"Content-Security-Policy": "default-src " + "x" * 500}, https=True))["csp"]
    assert len(finding.evidence) == 200 and finding.evidence.endswith("…")


# --- mixed content ---------------------------------------------------------------------------------------------------

PAGE = """<!doctype html><html><head>
<link rel="stylesheet" href="http://cdn.thanhhoa.gov.vn/style.css">
<link rel="alternate stylesheet" href="http://cdn.thanhhoa.gov.vn/contrast.css">
<link rel="icon" href="http://cdn.thanhhoa.gov.vn/favicon.ico">
<link rel="canonical" href="http://thanhhoa.gov.vn/">
<script src="http://code.jquery.com/jquery-1.8.3.min.js"></script>
<script src="/js/app.js"></script>
<script src="//ajax.googleapis.com/ajax/libs/jquery.js"></script>
</head><body>
<a href="http://dichvucong.gov.vn/">Cổng dịch vụ công quốc gia</a>
<img src="http://thanhhoa.gov.vn/banner.jpg" alt="">
<img src="https://thanhhoa.gov.vn/ok.jpg"
     srcset="http://thanhhoa.gov.vn/a-1x.jpg 1x, https://thanhhoa.gov.vn/a-2x.jpg 2x">
<iframe src="http://www.youtube.com/embed/abc"></iframe>
<video src="http://media.thanhhoa.gov.vn/clip.mp4" poster="http://media.thanhhoa.gov.vn/poster.jpg">
  <source src="http://media.thanhhoa.gov.vn/clip.webm"></video>
<audio src="http://media.thanhhoa.gov.vn/bai-hat.mp3"></audio>
<object data="http://thanhhoa.gov.vn/flash/menu.swf"></object>
<form action="http://thanhhoa.gov.vn/tim-kiem"><input name="q"></form>
<form><input name="q2"></form>
<img src="http://thanhhoa.gov.vn/banner.jpg" alt="again">
</body></html>"""


def test_mixed_content_kinds_and_order():
    found = mixed_content(PAGE, "https://thanhhoa.gov.vn/")
    assert found == [
        ("stylesheet", "http://cdn.thanhhoa.gov.vn/style.css"),
        ("stylesheet", "http://cdn.thanhhoa.gov.vn/contrast.css"),
        ("script", "http://code.jquery.com/jquery-1.8.3.min.js"),
        ("img", "http://thanhhoa.gov.vn/banner.jpg"),
        ("img", "http://thanhhoa.gov.vn/a-1x.jpg"),
        ("iframe", "http://www.youtube.com/embed/abc"),
        ("video", "http://media.thanhhoa.gov.vn/clip.mp4"),
        ("img", "http://media.thanhhoa.gov.vn/poster.jpg"),
        ("source", "http://media.thanhhoa.gov.vn/clip.webm"),
        ("audio", "http://media.thanhhoa.gov.vn/bai-hat.mp3"),
        ("object", "http://thanhhoa.gov.vn/flash/menu.swf"),
        ("form", "http://thanhhoa.gov.vn/tim-kiem"),
    ]


def test_plain_links_and_http_pages_are_not_mixed_content():
    assert mixed_content('<a href="http://example.vn/">x</a>', "https://thanhhoa.gov.vn/") == []
    assert mixed_content(PAGE, "http://thanhhoa.gov.vn/") == []


def test_http_base_makes_relative_resources_mixed():
    html = '<html><head><base href="http://www.thanhhoa.gov.vn/"><script src="js/app.js"></script></head></html>'
    assert mixed_content(html, "https://www.thanhhoa.gov.vn/") == [("script", "http://www.thanhhoa.gov.vn/js/app.js")]


def test_upgrade_insecure_requests_means_no_mixed_content():
    meta = '<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests">'
    assert mixed_content(meta + PAGE, "https://thanhhoa.gov.vn/") == []
    headers = {"content-security-policy": "default-src https:; upgrade-insecure-requests"}
    assert mixed_content(PAGE, "https://thanhhoa.gov.vn/", headers=headers) == []


def test_srcset_with_commas_inside_urls():
    html = '<img srcset="http://img.vn/w_100,h_100/a.jpg 1x,http://img.vn/b.jpg 2x">'
    assert mixed_content(html, "https://x.gov.vn/") == [
        ("img", "http://img.vn/w_100,h_100/a.jpg"), ("img", "http://img.vn/b.jpg")]


def test_mixed_content_accepts_a_parsed_root():
    assert mixed_content(parse_html(PAGE), "https://thanhhoa.gov.vn/") == mixed_content(PAGE, "https://thanhhoa.gov.vn/")


def test_mixed_content_on_unparsable_input():
    assert mixed_content("", "https://x.gov.vn/") == []
