"""Registry validation: every problem is one line naming file, line and field; nothing half-accepted."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from vietnamese_bytes import cp1258_bytes

from portal_audit.registry import RegistryError, load_registry
from portal_audit.registry_csv import csv_to_registry_yaml

GOOD = """\
province: "Tỉnh Thử nghiệm"
defaults:
  max_pages: 50
  delay: 1
sites:
  - id: cong-tinh
    name: "Cổng TTĐT tỉnh"
    unit_type: ubnd_tinh
    url: "https://example.gov.vn/"
    aliases: [www.example.gov.vn]
  - id: so-y-te
    name: "Sở Y tế"
    unit_type: so_ban_nganh
    url: "https://example.gov.vn/web/so-y-te/"
    scope: ["/web/so-y-te/"]
    max_pages: 10
    allow_private_networks: ["127.0.0.1/32"]
    webmaster: {name: "Nguyễn Văn A", email: "a@example.gov.vn"}
"""


def write(tmp_path: Path, text: str, name: str = "sites.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    return info.value.problems


def test_good_registry_resolves_overrides_and_defaults(tmp_path: Path) -> None:
    reg = load_registry(write(tmp_path, GOOD))
    portal, health = reg.sites
    assert reg.province == "Tỉnh Thử nghiệm"
    assert portal.max_pages == 50 and health.max_pages == 10
    assert portal.delay == 1.0 and health.delay == 1.0
    assert portal.hosts == {"example.gov.vn", "www.example.gov.vn"}
    assert health.scope == ("/web/so-y-te/",)
    assert portal.allow_private_networks is False
    assert [str(n) for n in health.allow_private_networks] == ["127.0.0.1/32"]
    assert health.webmaster == {"name": "Nguyễn Văn A", "email": "a@example.gov.vn", "phone": None}
    assert "portal-audit/" in reg.user_agent and "+http" in reg.user_agent


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    lines = problems(tmp_path, "province: x\nsites:\n  - id: a\n    name: [unclosed\n")
    assert len(lines) == 1
    assert lines[0].startswith(f"{tmp_path / 'sites.yaml'}:")
    assert "YAML syntax error" in lines[0]


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    text = """\
    province: X
    defaults:
      bogus: 1
    sites:
      - id: a
        name: A
        unit_type: ubnd_phuong
        url: "ftp://x.gov.vn/"
      - id: a
        name: B
        unit_type: dvc
        url: "https://dvc.example.gov.vn/"
        render: sometimes
    """
    lines = problems(tmp_path, text)
    path = tmp_path / "sites.yaml"
    assert f"{path}:3: defaults.bogus: unknown field 'bogus'" in lines
    assert any(line.startswith(f"{path}:7: sites[0].unit_type: unknown unit_type 'ubnd_phuong'") for line in lines)
    assert any(line.startswith(f"{path}:8: sites[0].url: bad URL 'ftp://x.gov.vn/'") for line in lines)
    assert f"{path}:9: sites[1].id: duplicate id 'a' (first used by sites[0])" in lines
    assert any(line.startswith(f"{path}:13: sites[1].render: unknown render mode") for line in lines)
    assert len(lines) == 5


@pytest.mark.parametrize(("snippet", "field", "words"), [
    ("    url: \"https://\"\n", "sites[0].url", "no host name"),
    ("    url: \"https://a.gov.vn/\"\n    scope: [web/x]\n", "sites[0].scope", "must be a path"),
    ("    url: \"https://a.gov.vn/\"\n    max_pages: 0\n", "sites[0].max_pages", "greater than or equal to 1"),
    ("    url: \"https://a.gov.vn/\"\n    allow_private_networks: [not-a-net]\n",
     "sites[0].allow_private_networks", "not a CIDR network"),
    ("    url: \"https://a.gov.vn/\"\n    start_urls: [\"https://other.gov.vn/x\"]\n", "sites[0].start_urls[0]",
     "not on the site's host"),
    ("    url: \"https://a.gov.vn/\"\n    id: Bad_Id\n", "sites[0].id", None),
])
def test_field_errors(tmp_path: Path, snippet: str, field: str, words: str | None) -> None:
    text = "province: X\nsites:\n  - name: A\n    unit_type: other\n" + snippet
    if "id:" not in snippet:
        text = text.replace("  - name: A", "  - id: a\n    name: A")
    lines = problems(tmp_path, text)
    assert len(lines) == 1, lines
    assert f": {field}: " in lines[0]
    if words:
        assert words in lines[0]


def test_duplicate_yaml_key_and_missing_field(tmp_path: Path) -> None:
    lines = problems(tmp_path, "province: X\nprovince: Y\nsites:\n  - id: a\n    name: A\n    url: https://a.vn/\n")
    assert any(":2: province: duplicate key" in line for line in lines)


def test_missing_required_field_points_at_the_site(tmp_path: Path) -> None:
    lines = problems(tmp_path, "province: X\nsites:\n  - id: a\n    name: A\n    url: https://a.vn/\n")
    assert lines == [f"{tmp_path / 'sites.yaml'}:3: sites[0].unit_type: required field is missing"]


def test_district_sites_warn_but_load(tmp_path: Path) -> None:
    reg = load_registry(write(tmp_path, "province: X\nsites:\n  - id: h\n    name: UBND huyện\n"
                                        "    unit_type: ubnd_huyen\n    url: https://h.vn/\n"))
    assert any("2025-07-01" in w for w in reg.warnings)



def test_check_warns_of_addresses_the_crawl_will_refuse_and_of_unusable_emails(tmp_path: Path, cli) -> None:
    path = write(tmp_path, textwrap.dedent("""\
        province: X
        sites:
          - {id: a, name: A, unit_type: so_ban_nganh, url: "http://127.0.0.1:8080/",
             webmaster: {email: "vanthu@sotttt.hanoi.gov.vn"}}
          - id: b
            name: B
            unit_type: so_ban_nganh
            url: "http://10.0.0.5/"
            allow_private_networks: ["10.0.0.0/8"]
            webmaster: {email: "bientap sotttt@gov.vn"}
          - id: c
            name: C
            unit_type: ubnd_xa
            url: "https://c.gov.vn/"
            aliases: [c.gov.vn, localhost]
            webmaster: {email: "webmaster@c"}
          - {id: d, name: D, unit_type: so_ban_nganh, url: "https://d.gov.vn/", webmaster: {email: "BanBT@D.GOV.VN"}}
        """))
    result = cli("registry", "check", str(path))
    assert result.returncode == 0, result.stderr
    warnings = result.stderr.strip().splitlines()
    assert warnings == [
        f"warning: {path}:3: sites[0].url: 127.0.0.1 is a private or loopback address (127.0.0.1); "
        "the crawl will refuse it unless allow_private_networks allows it",
        f"warning: {path}:10: sites[1].webmaster.email: 'bientap sotttt@gov.vn' is not an e-mail address",
        f"warning: {path}:15: sites[2].aliases[1]: localhost is a private or loopback address (127.0.0.1); "
        "the crawl will refuse it unless allow_private_networks allows it",
        f"warning: {path}:16: sites[2].webmaster.email: 'webmaster@c' is not an e-mail address",
    ]
    assert "4 sites" in result.stdout

def test_select_unknown_site_is_an_error(tmp_path: Path) -> None:
    reg = load_registry(write(tmp_path, GOOD))
    assert [s.id for s in reg.select(["so-y-te"]).sites] == ["so-y-te"]
    with pytest.raises(RegistryError):
        reg.select(["nope"])


def test_csv_import_vietnamese_headers_and_unit_words(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("Tên đơn vị;Website;Loại;Email\nSở Y tế;https://soyte.example.gov.vn/;Sở;a@b.vn\n"
                    "UBND phường Hạc Thành;https://hacthanh.example.gov.vn/;UBND phường;\n", encoding="utf-8-sig")
    text = csv_to_registry_yaml(path, "Tỉnh Thử")
    out = tmp_path / "out.yaml"
    out.write_text(text, encoding="utf-8")
    reg = load_registry(out)
    assert [(s.id, s.unit_type) for s in reg.sites] == [("so-y-te", "so_ban_nganh"),
                                                        ("ubnd-phuong-hac-thanh", "ubnd_xa")]
    assert reg.sites[0].webmaster["email"] == "a@b.vn"


def test_csv_import_errors_name_the_row(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("name,url,unit_type\nA,https://a.vn/,dvc\nB,notaurl,Quận\n", encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        csv_to_registry_yaml(path)
    assert all(p.startswith(f"{path}:3: sites[1].") for p in info.value.problems)
    assert len(info.value.problems) == 2


def test_csv_legacy_code_page(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_bytes(cp1258_bytes("name,url,unit_type\nBan Dân tộc,https://bdt.example.gov.vn/,so_ban_nganh\n"))
    assert "name: Ban Dân tộc" in csv_to_registry_yaml(path)


def test_example_registry_is_valid() -> None:
    root = Path(__file__).resolve().parents[1]
    reg = load_registry(root / "examples" / "thanhhoa.sites.yaml")
    assert reg.sites and {s.unit_type for s in reg.sites} >= {"ubnd_tinh", "so_ban_nganh", "ubnd_xa"}
